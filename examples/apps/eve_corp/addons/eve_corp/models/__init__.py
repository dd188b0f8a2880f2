from . import esi_service
from . import eve_character
from . import eve_data
from . import eve_mail
from . import eve_views
