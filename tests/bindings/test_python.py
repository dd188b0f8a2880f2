"""Tests of the Python binding (bindings/python): version, value round trip, errors.

Run against an installed erplink (see tests/bindings/run.sh): `python3 -m pytest tests/bindings/test_python.py`.
"""

import datetime as dt
import math
import os
import re
from pathlib import Path

import pytest

import erplink
from erplink import _erplink, _errors

ROOT = Path(__file__).resolve().parents[2]


def header_version():
    text = (ROOT / "include" / "erplink" / "version.h").read_text()
    return re.search(r'#define ERPLINK_VERSION "([^"]+)"', text).group(1)


# ---------------------------------------------------------------- version

def test_version_is_the_c_library_version():
    assert erplink.version() == header_version()
    assert erplink.__version__ == erplink.version()
    major, minor, patch = (int(x) for x in erplink.version().split("."))
    assert erplink.version_number() == major * 10000 + minor * 100 + patch


def test_distribution_version_matches():
    from importlib import metadata
    assert metadata.version("erplink") == erplink.version()


def test_installed_package_is_typed():
    pkg = Path(erplink.__file__).parent
    assert (pkg / "py.typed").is_file()
    assert (pkg / "__init__.pyi").is_file()
    assert Path(_erplink.__file__).parent == pkg


# ---------------------------------------------------------------- round trip

SCALARS = [
    None, True, False,
    0, 1, -1, 42, 2**31, -2**31 - 1, 2**53 + 1, 2**63 - 1, -2**63,
    0.0, 1.5, -2.25, 1e-300, 1.7976931348623157e308, 5e-324, math.inf, -math.inf,
    "", "ascii", "h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c\u8a9e \U0001f389", "a\x00b", "\x7f\u0080\u07ff\u0800\uffff\U00010000\U0010ffff",
    b"", b"\x00\x01\xff", bytes(range(256)),
    dt.datetime(2024, 2, 29, 23, 59, 59, 123456),
    dt.datetime(1, 1, 1, 0, 0, 0),
    dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
    dt.datetime(1970, 1, 1),
]


@pytest.mark.parametrize("value", SCALARS, ids=repr)
def test_scalar_round_trip_keeps_value_and_type(value):
    out = erplink.roundtrip(value)
    assert type(out) is type(value)
    assert out == value


def test_int_is_never_confused_with_bool_or_float():
    assert type(erplink.roundtrip(1)) is int
    assert type(erplink.roundtrip(True)) is bool
    assert type(erplink.roundtrip(1.0)) is float
    assert erplink.roundtrip([0, False, 0.0]) == [0, False, 0.0]
    assert [type(x) for x in erplink.roundtrip([0, False, 0.0])] == [int, bool, float]


def test_float_special_values():
    assert math.isnan(erplink.roundtrip(math.nan))
    z = erplink.roundtrip(-0.0)
    assert z == 0.0 and math.copysign(1.0, z) == -1.0


def test_other_buffers_become_bytes():
    assert erplink.roundtrip(bytearray(b"ab\x00")) == b"ab\x00"
    assert type(erplink.roundtrip(bytearray(b"x"))) is bytes
    assert erplink.roundtrip(memoryview(b"xyz")[1:]) == b"yz"


def test_tuple_becomes_list():
    assert erplink.roundtrip((1, "a", (2,))) == [1, "a", [2]]


def test_aware_datetime_is_converted_to_naive_utc():
    paris = dt.timezone(dt.timedelta(hours=2))
    out = erplink.roundtrip(dt.datetime(2024, 6, 1, 1, 30, 0, 5, tzinfo=paris))
    assert out == dt.datetime(2024, 5, 31, 23, 30, 0, 5)
    assert out.tzinfo is None


def test_nested_structures():
    value = {
        "id": 7,
        "name": "Caf\u00e9 \u2615",
        "tags": ["a", "b", {"deep": [None, [True, [1.5, [b"\x00", [dt.datetime(2020, 1, 2, 3, 4, 5)]]]]]}],
        "partner": {"id": 2**62, "lines": [{"qty": -3, "price": 9.99}, {}], "empty": []},
        "nothing": None,
    }
    assert erplink.roundtrip(value) == value


def test_dict_key_order_is_kept():
    keys = ["zeta", "alpha", "10", "2", "mid", "\u00e9t\u00e9", "", "Alpha", "1"]
    value = {k: i for i, k in enumerate(keys)}
    out = erplink.roundtrip(value)
    assert list(out) == keys
    assert list(out.values()) == list(range(len(keys)))
    nested = erplink.roundtrip({"outer": value, "list": [value]})
    assert list(nested["outer"]) == keys and list(nested["list"][0]) == keys


def test_large_containers():
    big = list(range(-5000, 5000))
    assert erplink.roundtrip(big) == big
    wide = {f"k{i}": i for i in range(2000)}
    assert list(erplink.roundtrip(wide).items()) == list(wide.items())


def test_nesting_up_to_the_cap_works():
    v = None
    for _ in range(1000):
        v = [v]
    out = erplink.roundtrip(v)
    depth = 0
    while isinstance(out, list):
        out, depth = out[0], depth + 1
    assert depth == 1000


def test_dump_redacts_credentials():
    text = erplink.dump({"login": "admin", "password": "hunter2", "n": [1, 2.5, None]})
    assert "hunter2" not in text
    assert '"login": "admin"' in text and "<redacted>" in text


def test_get_int():
    assert erplink.get_int(2**63 - 1) == 2**63 - 1
    assert erplink.get_int(-2**63) == -2**63


# ---------------------------------------------------------------- errors

def check_error(excinfo, cls, code_name, message_part):
    e = excinfo.value
    assert type(e) is cls
    assert isinstance(e, erplink.Error)
    assert e.code == getattr(erplink, code_name) < 0
    assert e.code_name == code_name
    assert e.category == erplink._erplink.error_category_name(erplink._erplink.error_category_of(e.code))
    assert message_part in str(e)
    assert e.message == str(e)
    assert e.http_status is None and e.remote_class is None and e.detail is None and e.retry_after_ms is None
    return e


def test_c_type_error_is_invalid_argument_error():
    with pytest.raises(erplink.InvalidArgumentError) as ei:
        erplink.get_int("abc")
    e = check_error(ei, erplink.InvalidArgumentError, "ETYPE", "string")
    assert e.category == "invalid_argument"
    assert isinstance(e, ValueError)
    assert "ETYPE" in repr(e)


def test_bool_is_not_an_int_for_the_c_library():
    with pytest.raises(erplink.InvalidArgumentError) as ei:
        erplink.get_int(True)
    check_error(ei, erplink.InvalidArgumentError, "ETYPE", "bool")


def test_non_str_dict_key():
    with pytest.raises(erplink.InvalidArgumentError) as ei:
        erplink.roundtrip({"ok": 1, 2: "two"})
    check_error(ei, erplink.InvalidArgumentError, "EINVAL", "'int'")


def test_nested_failure_is_reported():
    with pytest.raises(erplink.InvalidArgumentError) as ei:
        erplink.roundtrip({"a": [1, 2, {"b": {3}}]})
    check_error(ei, erplink.InvalidArgumentError, "ETYPE", "'set'")


@pytest.mark.parametrize("value", [2**63, -2**63 - 1, 10**30])
def test_int_outside_int64(value):
    with pytest.raises(erplink.InvalidArgumentError) as ei:
        erplink.roundtrip([value])
    check_error(ei, erplink.InvalidArgumentError, "ERANGE", "64 bits")


def test_lone_surrogate():
    with pytest.raises(erplink.InvalidArgumentError) as ei:
        erplink.roundtrip("abc\ud800")
    check_error(ei, erplink.InvalidArgumentError, "EINVAL", "surrogate")


def test_key_with_nul():
    with pytest.raises(erplink.InvalidArgumentError) as ei:
        erplink.roundtrip({"a\x00b": 1})
    check_error(ei, erplink.InvalidArgumentError, "EINVAL", "NUL")


@pytest.mark.parametrize("value", [{1, 2}, object(), dt.date(2020, 1, 1), dt.time(1, 2), 1j, frozenset()],
                         ids=lambda v: type(v).__name__)
def test_unsupported_types(value):
    with pytest.raises(erplink.InvalidArgumentError) as ei:
        erplink.roundtrip(value)
    check_error(ei, erplink.InvalidArgumentError, "ETYPE", "")


def test_reference_cycle_and_too_deep_nesting():
    cyc = []
    cyc.append(cyc)
    with pytest.raises(erplink.InvalidArgumentError) as ei:
        erplink.roundtrip(cyc)
    check_error(ei, erplink.InvalidArgumentError, "ERANGE", "nested deeper than 1000")
    d = {}
    d["self"] = d
    with pytest.raises(erplink.InvalidArgumentError):
        erplink.roundtrip(d)
    v = None
    for _ in range(1001):
        v = [v]
    with pytest.raises(erplink.InvalidArgumentError):
        erplink.roundtrip(v)


def test_python_exceptions_pass_through():
    class BadTz(dt.tzinfo):
        def utcoffset(self, d):
            raise KeyError("boom")

    with pytest.raises(KeyError):
        erplink.roundtrip([dt.datetime(2020, 1, 1, tzinfo=BadTz())])


def test_error_after_a_failure_is_fresh():
    with pytest.raises(erplink.InvalidArgumentError):
        erplink.get_int("x")
    assert erplink.get_int(5) == 5
    with pytest.raises(erplink.InvalidArgumentError) as ei:
        erplink.roundtrip({1: 1})
    assert ei.value.code_name == "EINVAL"


def test_every_category_has_its_class():
    cats = {n: getattr(_erplink, n) for n in dir(_erplink) if n.startswith("CAT_")}
    assert len(cats) == 18
    for name, cat in cats.items():
        cname = _erplink.error_category_name(cat)
        if name == "CAT_NONE":
            continue
        cls = _errors.CLASSES[cname]
        assert issubclass(cls, erplink.Error) and cls is not erplink.Error
        assert cls.category_name == cname
        assert getattr(erplink, cls.__name__) is cls
    assert len(_errors.CLASSES) == 17


def test_every_code_is_exported_and_maps_to_its_category_class():
    codes = {n: getattr(_erplink, n) for n in dir(_erplink) if re.fullmatch(r"E[A-Z_]+", n) and not n.startswith("ESI_")}
    assert len(codes) == 30
    stub = (Path(erplink.__file__).parent / "__init__.pyi").read_text()
    for name, code in codes.items():
        assert getattr(erplink, name) == code
        assert f"\n{name}: int" in stub, f"{name} missing from __init__.pyi"
        cat = _erplink.error_category_name(_erplink.error_category_of(code))
        e = _errors._from_c(code, cat, "m", 0, None, None, -1)
        assert type(e) is _errors.CLASSES[cat] and e.code_name == name
        assert erplink.strerror(code) and erplink.strerror(code) != "unknown error"


def test_error_attributes_from_the_c_side():
    e = _errors._from_c(erplink.ERATELIMIT, "rate_limited", "slow down", 429, "odoo.exceptions.X", "trace", 1500)
    assert isinstance(e, erplink.RateLimitError)
    assert (e.code, e.category, e.http_status, e.remote_class, e.detail, e.retry_after_ms) == \
        (erplink.ERATELIMIT, "rate_limited", 429, "odoo.exceptions.X", "trace", 1500)
    t = _errors._from_c(erplink.ETIMEOUT, "timeout", "slow", 0, None, None, -1)
    assert isinstance(t, erplink.TimeoutError) and isinstance(t, TimeoutError)
    assert t.http_status is None and t.retry_after_ms is None


def test_errors_can_be_raised_by_python_code():
    e = erplink.NotFoundError("no such record", code=erplink.ENOTFOUND, http_status=404)
    assert e.category == "not_found" and e.http_status == 404 and e.code_name == "ENOTFOUND"


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
def test_failing_calls_do_not_leak():
    def rss_pages():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1])

    payload = {"k": ["x" * 1000] * 50}
    for _ in range(200):  # warm up allocator pools
        with pytest.raises(erplink.InvalidArgumentError):
            erplink.get_int(payload)
    before = rss_pages()
    for _ in range(3000):  # 3000 x ~50 KB would leak ~150 MB
        with pytest.raises(erplink.InvalidArgumentError):
            erplink.get_int(payload)
        erplink.roundtrip(payload)
    assert rss_pages() - before < 10 * 1024 * 1024 // os.sysconf("SC_PAGE_SIZE")
