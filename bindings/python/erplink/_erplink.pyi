# The SWIG-generated extension: every wrapped C function (bindings/swig/api.i) under its C name
# (erplink_ prefix dropped) and the C constants. The typed API is the pure-Python layer.
from typing import Any

def __getattr__(name: str) -> Any: ...
