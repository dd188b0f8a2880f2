from . import seam
from . import cartona_config
from . import cartona_outbox
from . import product
from . import sale
