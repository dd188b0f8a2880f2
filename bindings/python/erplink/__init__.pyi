from datetime import datetime
from typing import Dict, List, Mapping, Sequence, Tuple, Union

from . import cartona as cartona, esi as esi, odoo as odoo, razorpay as razorpay, store as store
from ._core import TRACE as TRACE, Transport as Transport
from ._errors import (
    CODE_NAMES as CODE_NAMES,
    AccessError as AccessError,
    AuthError as AuthError,
    CancelledError as CancelledError,
    ConflictError as ConflictError,
    Error as Error,
    HTTPError as HTTPError,
    InvalidArgumentError as InvalidArgumentError,
    NetworkError as NetworkError,
    NotFoundError as NotFoundError,
    OutOfMemoryError as OutOfMemoryError,
    ProtocolError as ProtocolError,
    RateLimitError as RateLimitError,
    ServerError as ServerError,
    StoreError as StoreError,
    SignatureError as SignatureError,
    TimeoutError as TimeoutError,
    TLSError as TLSError,
    ValidationError as ValidationError,
)

#: A value erplink can convert (the argument side).
InValue = Union[
    None, bool, int, float, str, bytes, bytearray, memoryview, datetime,
    Sequence["InValue"], Mapping[str, "InValue"],
]
#: A value erplink returns.
OutValue = Union[None, bool, int, float, str, bytes, datetime, List["OutValue"], Dict[str, "OutValue"]]

__version__: str

EINVAL: int
ENOMEM: int
ERANGE: int
ETYPE: int
ENETWORK: int
ECONNECT: int
EDNS: int
ERECV: int
ETIMEOUT: int
ETLS: int
EHTTP: int
EREDIRECT: int
EPROTOCOL: int
ELIMIT: int
ETOOLARGE: int
EFORBIDDEN_XML: int
EAUTH: int
EACCESS: int
EVALIDATION: int
ENOTFOUND: int
ERATELIMIT: int
ECONFLICT: int
ESIGNATURE: int
ECANCELLED: int
ESERVER: int
EUNAVAILABLE: int
EBUDGET: int
ESTORE: int
ESTORE_CORRUPT: int
ESTORE_VERSION: int

def version() -> str: ...
def version_number() -> int: ...
def roundtrip(value: InValue) -> OutValue: ...
def dump(value: InValue) -> str: ...
def get_int(value: InValue) -> int: ...
def strerror(code: int) -> str: ...
def error_retryable(code: int) -> bool: ...
