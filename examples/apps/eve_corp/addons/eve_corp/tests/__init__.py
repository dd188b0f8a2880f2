from . import test_eve_corp
