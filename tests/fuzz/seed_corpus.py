#!/usr/bin/env python3
"""Writes the raw seed inputs of every fuzz target into OUT/<target>/, from the captured
transcripts and vectors in tests/fixtures plus hand-written documents of each format:

    seed_corpus.py OUT

tests/fuzz/run.sh --merge minimises them (libFuzzer -merge=1) into tests/fuzz/corpus/<target>/,
which is what is committed. Inputs larger than MAX_LEN are left out; libFuzzer reads at most
its -max_len (run.sh: 8 KiB, 4 KiB for HTTP heads, JWT and Razorpay) of the others."""
import base64
import json
import os
import sys

MAX_LEN = 65536
HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "fixtures")


def transcripts(sub_dirs, suffix):
    for sub in sub_dirs:
        d = os.path.join(FIX, sub)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith(suffix):
                with open(os.path.join(d, name), "rb") as f:
                    yield "%s_%s" % (sub.replace("/", "_"), name), f.read()


def body_of(raw):
    head, sep, body = raw.partition(b"\r\n\r\n")
    return body if sep else raw


def xml_doc(value, enc=None):
    decl = "<?xml version='1.0'%s?>" % (" encoding='%s'" % enc if enc else "")
    return (decl + "<methodResponse><params><param><value>%s</value></param></params></methodResponse>" % value)


def seeds():
    out = {t: {} for t in ("xmlrpc_response", "xmlrpc_call", "json", "jwt", "razorpay", "cartona_orders", "esi_pages",
                           "http_headers")}
    xml_dirs = ["odoo17/xmlrpc", "odoo17/xmlrpc-legacy", "odoo19/xmlrpc"]
    json_dirs = ["odoo17/jsonrpc", "odoo19/jsonrpc", "odoo19/json2"]
    for name, raw in transcripts(xml_dirs, ".response"):
        out["xmlrpc_response"][name] = body_of(raw)
        out["http_headers"][name] = raw[:raw.find(b"\r\n\r\n") + 4 + 200] if b"\r\n\r\n" in raw else raw
    for name, raw in transcripts(xml_dirs, ".request"):
        out["xmlrpc_call"][name] = body_of(raw)
    for name, raw in transcripts(json_dirs, ".response"):
        out["json"][name] = body_of(raw)
        out["http_headers"][name] = raw[:raw.find(b"\r\n\r\n") + 4 + 200] if b"\r\n\r\n" in raw else raw
    for name, raw in transcripts(json_dirs, ".request"):
        out["json"][name] = body_of(raw)
    # XML-RPC edge documents: numbers, encodings, empty elements (regressions), types
    x = out["xmlrpc_response"]
    for i, v in enumerate(["<double>5e-324</double>", "<double>1e400</double>", "<double>inf</double>",
                           "<bigdecimal>-0.5e-3</bigdecimal>", "<i8>-9223372036854775808</i8>", "<int/>",
                           "<dateTime.iso8601>2024-02-29T23:59:59.123456</dateTime.iso8601>",
                           "<base64>aGVs\nbG8=</base64>", "<ex:nil/>", "<value/>",
                           "<struct><member><name>a</name><value><array><data><value>1</value></data></array>"
                           "</value></member></struct>"]):
        x["edge_%02d" % i] = xml_doc(v).encode()
    for enc, text in [("windows-1252", b"caf\xe9 \x80"), ("iso-8859-2", b"\xb1"), ("koi8-r", b"\xf0"),
                      ("shift_jis", b"x"), ("utf-16", None)]:
        doc = xml_doc("<string>%s</string>", enc)
        x["enc_" + enc] = (doc % "caf\u00e9").encode("utf-16") if text is None else \
            doc.encode().replace(b"%s", text)
    x["fault"] = (b"<?xml version='1.0'?><methodResponse><fault><value><struct><member><name>faultCode</name>"
                  b"<value><int>2</int></value></member><member><name>faultString</name><value><string>x</string>"
                  b"</value></member></struct></value></fault></methodResponse>")
    c = out["xmlrpc_call"]
    c["regress_empty_methodname"] = b"<methodCall><methodName/><params/></methodCall>"
    c["regress_empty_int"] = (b"<methodCall><methodName/><params><param><value><int/></value></param></params>"
                              b"</methodCall>")
    c["call_windows1252"] = (b"<?xml version='1.0' encoding='windows-1252'?><methodCall><methodName>m\xe9</methodName>"
                             b"<params><param><value><double>1e-5</double></value></param></params></methodCall>")
    # JSON: Razorpay bodies and vectors too
    j = out["json"]
    vec = json.load(open(os.path.join(FIX, "razorpay", "vectors.json")))
    r = out["razorpay"]
    with open(os.path.join(FIX, "razorpay", "webhook_payment_authorized.json"), "rb") as f:
        r["webhook_payment_authorized"] = j["webhook_payment_authorized"] = f.read()
    for i, v in enumerate(vec["vectors"]):
        if v.get("kind") == "webhook" and isinstance(v.get("body"), str):
            r["vector_%02d" % i] = v["body"].encode()
    for i, t in enumerate(["[1.5e300,-0.0,5e-324,1E-5]", '{"a":"\\ud83d\\ude00","b":[true,false,null]}',
                           "9223372036854775808", '"\\u0000"', "[[[[[[[[[[]]]]]]]]]]"]):
        j["edge_%02d" % i] = t.encode()
    # JWT: the tokens and the key set of tests/esi/fuzz_jwt.c, and key sets of every kind
    src = open(os.path.join(HERE, "..", "esi", "fuzz_jwt.c")).read()
    jw = out["jwt"]
    for name in ("JWKS", "TOKEN_ES256", "TOKEN_RS256"):
        # adjacent C string literals with \" escapes read the same in Python
        start = src.index("static const char %s[] =" % name) + len("static const char %s[] =" % name)
        jw[name.lower()] = eval("(" + src[start:src.index(";", start)] + ")").encode()
    jw["jwks_mixed"] = json.dumps({"keys": [
        {"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"},
        {"kty": "oct", "kid": "h", "k": "c2VjcmV0"},
        {"kty": "EC", "crv": "P-384", "kid": "p", "x": "AA", "y": "AA"},
        {"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": "AA"},
        {"kty": "RSA", "kid": "e1", "alg": "RS256", "e": "AQ",
         "n": base64.urlsafe_b64encode(b"\xff" * 256).rstrip(b"=").decode()},
    ]}).encode()
    # Cartona orders (fields from the service facts)
    order = {"hashed_id": "A1B2C3", "status": "pending", "supplier_code": 77, "delivered_by": "delivered_by_supplier",
             "total_price": "1250.50", "cartona_credit": 0, "installment_cost": "0", "wallet_top_up": 0,
             "retailer": {"retailer_name": "Kiosk", "retailer_code": "R9", "retailer_number": "+20100"},
             "order_details": [{"id": 5, "supplier_product_id": "SKU-1", "amount": "3", "selling_price": 12.5},
                               {"id": 6, "internal_product_id": 9, "amount": 1, "selling_price": "7"}]}
    co = out["cartona_orders"]
    co["array"] = json.dumps([order, dict(order, hashed_id=123, status="approved", installment_cost=10)]).encode()
    co["single"] = json.dumps(order).encode()
    co["wrapped_orders"] = json.dumps({"orders": [order]}).encode()
    co["wrapped_data"] = json.dumps({"data": [order], "meta": {"page": 1}}).encode()
    co["missing_status"] = json.dumps([{"hashed_id": "X"}]).encode()
    co["empty"] = b"[]"
    # ESI pages: bodies separated by NUL bytes
    ep = out["esi_pages"]
    orders = [{"order_id": 6000000000 + i, "type_id": 34, "price": 5.01 + i, "volume_remain": 10, "is_buy_order": False,
               "location_id": 60003760, "issued": "2024-06-01T00:00:00Z"} for i in range(3)]
    ep["market_3_pages"] = b"\x00".join(json.dumps(orders[i:i + 1]).encode() for i in range(3))
    ep["types"] = json.dumps(list(range(1, 40))).encode()
    ep["object_page"] = b'{"error":"not found"}'
    ep["two_pages_empty"] = b"[]\x00[]"
    # HTTP heads
    h = out["http_headers"]
    h["esi_head"] = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=UTF-8\r\nETag: \"abc\"\r\n"
                     b"Expires: Sat, 01 Jun 2024 00:05:00 GMT\r\nLast-Modified: Sat, 01 Jun 2024 00:00:00 GMT\r\n"
                     b"X-Pages: 3\r\nX-ESI-Error-Limit-Remain: 100\r\nX-ESI-Error-Limit-Reset: 60\r\n\r\n[]")
    h["continue_then_429"] = (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nRetry-After: 120\r\n"
                              b"Set-Cookie: s=1\r\n folded value\r\n\r\n")
    h["html"] = b"HTTP/1.0 502 Bad Gateway\nContent-Type: text/html\n\n<!DOCTYPE html><html>"
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for target, files in seeds().items():
        d = os.path.join(sys.argv[1], target)
        os.makedirs(d, exist_ok=True)
        for name, data in files.items():
            if len(data) <= MAX_LEN:
                with open(os.path.join(d, name), "wb") as f:
                    f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
