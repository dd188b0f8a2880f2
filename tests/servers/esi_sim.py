#!/usr/bin/env python3
"""EVE SSO + ESI simulator for erplink's esi tests, examples and benchmark.

Python 3 stdlib plus the PyPI package `cryptography` (RSA/EC key generation and JWT signing:
the keys are generated afresh each time the simulator starts, nothing is stored on disk).

Starts with `--port 0`, prints "PORT <n>" first, binds 127.0.0.1 only, exits when stdin reaches
EOF. Every sleep, body and loop is bounded. Options: --latency-ms N (added to every ESI/SSO
request), --market-pages N, --orders-per-page N.

SSO (OAuth 2.0 "v2", as login.eveonline.com):
  GET  /.well-known/oauth-authorization-server   metadata (issuer "login.eveonline.com")
  GET  /oauth/jwks                               {"keys": [RS256 "JWT-Signature-Key", ES256 <uuid>]}
  GET  /v2/oauth/authorize?...                   simulates the user's login and consent: 302 to
                                                 redirect_uri?code=..&state=..
  POST /v2/oauth/token                           authorization_code (Basic auth or PKCE) and
                                                 refresh_token grants; refresh tokens rotate
  POST /v2/oauth/revoke                          200 whatever the token's state
  Registered clients: web "sim-web-client" / secret "sim-web-secret" (redirect
  http://localhost/callback), native "sim-native-client" (same redirect URI).

ESI (current routing style; X-Compatibility-Date required, User-Agent required):
  GET  /markets/{region_id}/orders?order_type=&type_id=&page=
  GET  /characters/{id}/assets?page=          (esi-assets.read_assets.v1)
  GET  /characters/{id}/blueprints?page=      (esi-characters.read_blueprints.v1)
  GET  /characters/{id}/wallet/transactions?from_id=   (esi-wallet.read_character_wallet.v1)
  POST /characters/{id}/mail                  (esi-mail.send_mail.v1) 201 + bare integer
  POST /universe/names
  Responses carry ETag (per page), Expires, Cache-Control max-age, Last-Modified (per resource
  version), X-Pages, X-ESI-Error-Limit-Remain/Reset and X-Ratelimit-* headers; If-None-Match
  gives 304. Every 4xx/5xx counts against the error limit; at 0 every route answers 420 until
  the window resets.

Control endpoints (no latency, not counted):
  GET  /_ctl/hits                 JSON {key: count}: keys "METHOD path", "METHOD path?page=N",
                                  "304 path", "cond path" (requests with If-None-Match),
                                  "status N" (error answers), "max_inflight" (most concurrent requests)
  POST /_ctl/reset                forgets hits, faults, roll-overs; restores the error/rate limits
                                  (authorization codes and tokens stay valid)
  POST /_ctl/config   JSON        merges into the configuration (see CONFIG below)
  POST /_ctl/fault    JSON        {"path": p, "page": n|null, "status": s, "count": k,
                                   "retry_after": secs|null, "method": "GET"}
  POST /_ctl/rollover JSON        {"path": p, "after": n}: after n more page requests of p, the
                                  resource's version (Last-Modified, ETags, data) changes once
  POST /_ctl/error_limit JSON     {"remain": n, "reset": secs}
  POST /_ctl/ratelimit JSON       {"group": g, "remaining": n, "limit": n, "retry_after": secs}
  POST /_ctl/mint     JSON        signs a token: {"key": kid|"rsa"|"ec", "alg": "RS256"|"ES256"|
                                  "HS256-pubkey"|"none", "header": {...}, "claims": {...},
                                  "drop": [names], "client_id": c} -> {"token": t}
  POST /_ctl/new_key  JSON        {"type": "rsa"|"ec", "publish": true} -> {"kid": k}
  POST /_ctl/expire_codes         makes every outstanding authorization code expired
  POST /_ctl/forget_access        every access token issued so far is refused by ESI (401)
"""
import argparse
import base64
import email.utils
import hashlib
import hmac
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serverkit  # noqa: E402  (the PORT line, stdin-EOF exit)

MAX_BODY = 1024 * 1024
MAX_SLEEP_MS = 5000
LOCK = threading.RLock()

WEB_CLIENT = "sim-web-client"
WEB_SECRET = "sim-web-secret"
NATIVE_CLIENT = "sim-native-client"
REDIRECT_URI = "http://localhost/callback"
CHAR_ID = 2112625428
CHAR_NAME = "Sim Pilot"
OWNER_HASH = "4Ckd7Aq9cJtqfxTTSTLrA1JHdJY="

CONFIG = {
    "latency_ms": 0,
    "access_ttl": 1199,           # seconds an access token lives
    "rotate_refresh": True,       # refresh grants issue a new refresh token (the old one dies)
    "sign": "rsa",                # key used by the token endpoint: "rsa" or "ec"
    "issuer_claim": "login.eveonline.com",
    "market_pages": 3,
    "orders_per_page": 1000,
    "market_ttl": 300,
    "assets_pages": 3,
    "assets_per_page": 1000,
    "blueprint_pages": 2,
    "blueprints_per_page": 1000,
    "char_ttl": 3600,
    "wallet_total": 2500,
    "wallet_batch": 1000,
    "invalid_ids": [],            # ids /universe/names refuses (404 for the whole call)
    "require_compat_date": True,
    "owner_hash": OWNER_HASH,     # the `owner` claim of tokens issued from now on (a sold character)
}

b64u = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def int_b64u(i, length=None):
    if length is None:
        length = (i.bit_length() + 7) // 8
    return b64u(i.to_bytes(length, "big"))


class Key:
    def __init__(self, kind, kid=None):
        self.kind = kind
        if kind == "rsa":
            self.priv = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.kid = kid or "JWT-Signature-Key"
            self.alg = "RS256"
        else:
            self.priv = ec.generate_private_key(ec.SECP256R1())
            self.kid = kid or str(uuid.uuid4())
            self.alg = "ES256"
        self.pub = self.priv.public_key()

    def jwk(self):
        if self.kind == "rsa":
            n = self.pub.public_numbers()
            return {"alg": "RS256", "e": int_b64u(n.e), "kid": self.kid, "kty": "RSA", "n": int_b64u(n.n),
                    "use": "sig"}
        n = self.pub.public_numbers()
        return {"alg": "ES256", "crv": "P-256", "kid": self.kid, "kty": "EC", "use": "sig",
                "x": int_b64u(n.x, 32), "y": int_b64u(n.y, 32)}

    def sign(self, data):
        if self.kind == "rsa":
            return self.priv.sign(data, padding.PKCS1v15(), hashes.SHA256())
        r, s = decode_dss_signature(self.priv.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def public_pem(self):
        return self.pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


INFLIGHT = [0]   # requests being served now (the maximum is reported as hits["max_inflight"])
MEMO = {}        # generated page bodies (bounded): the benchmark measures the client, not json.dumps
MEMO_MAX = 2000
KEYS = {}        # kid -> Key (every key that can sign)
PUBLISHED = []   # kids in the JWKS
STATE = {}


def reset_state():
    """Forgets counters, faults, roll-overs and limits; issued codes and tokens stay valid."""
    with LOCK:
        for k in ("codes", "refresh", "access"):
            STATE.setdefault(k, {})
        STATE.update({
            "hits": {},
            "faults": [],
            "rollovers": {},   # path -> remaining page requests before the version changes
            "versions": {},    # path -> version
            "el_remain": 100,
            "el_reset_at": time.time() + 60,
            "rl": {},          # group -> {"limit", "remaining", "retry_after"}
            "mail_id": 400000000,
        })


def hit(key):
    with LOCK:
        STATE["hits"][key] = STATE["hits"].get(key, 0) + 1


def jwt_encode(header, claims, key, alg):
    h = b64u(json.dumps(header, separators=(",", ":")).encode())
    p = b64u(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = (h + "." + p).encode()
    if alg == "none":
        return h + "." + p + "."
    if alg == "HS256-pubkey":
        sig = hmac.new(key.public_pem(), signing_input, hashlib.sha256).digest()
    else:
        sig = key.sign(signing_input)
    return h + "." + p + "." + b64u(sig)


def pick_key(name):
    with LOCK:
        if name in KEYS:
            return KEYS[name]
        kind = "ec" if name == "ec" else "rsa"
        for kid in PUBLISHED:
            if KEYS[kid].kind == kind:
                return KEYS[kid]
    raise KeyError(name)


def make_claims(client_id, scopes, ttl):
    now = int(time.time())
    return {
        "scp": scopes[0] if len(scopes) == 1 else list(scopes),
        "jti": str(uuid.uuid4()),
        "kid": "JWT-Signature-Key",
        "sub": "CHARACTER:EVE:%d" % CHAR_ID,
        "azp": client_id,
        "tenant": "tranquility",
        "tier": "live",
        "region": "world",
        "aud": [client_id, "EVE Online"],
        "name": CHAR_NAME,
        "owner": CONFIG.get("owner_hash") or OWNER_HASH,
        "exp": now + ttl,
        "iat": now,
        "iss": CONFIG["issuer_claim"],
    }


def issue_tokens(client_id, scopes, old_refresh=None):
    key = pick_key(CONFIG["sign"])
    ttl = int(CONFIG["access_ttl"])
    claims = make_claims(client_id, scopes, ttl)
    alg = key.alg
    access = jwt_encode({"alg": alg, "kid": key.kid, "typ": "JWT"}, claims, key, alg)
    with LOCK:
        if old_refresh is not None and not CONFIG["rotate_refresh"]:
            refresh = old_refresh
        else:
            if old_refresh is not None:
                STATE["refresh"].pop(old_refresh, None)
            refresh = b64u(secrets.token_bytes(24))
            STATE["refresh"][refresh] = {"client": client_id, "scopes": list(scopes)}
        STATE["access"][access] = {"scopes": list(scopes), "exp": claims["exp"]}
    return {"access_token": access, "expires_in": ttl, "token_type": "Bearer", "refresh_token": refresh}


def http_date(t):
    return email.utils.formatdate(t, usegmt=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "esi-sim/1"

    def log_message(self, fmt, *args):
        pass

    # ------------------------------------------------------------ plumbing
    def send(self, status, body=b"", ctype="application/json; charset=UTF-8", headers=None):
        if isinstance(body, (dict, list, int)):
            body = json.dumps(body, separators=(",", ":")).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        if status != 304:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Content-Length", "0")
        self.end_headers()
        if status != 304 and self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n < 0 or n > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def dispatch(self, method):
        try:
            u = urllib.parse.urlsplit(self.path)
            self.q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
            self.rawq = urllib.parse.parse_qs(u.query, keep_blank_values=True)
            path = u.path
            body = self.read_body() if method == "POST" else b""
            if path.startswith("/_ctl/"):
                return self.control(path, body)
            page = self.q.get("page")
            with LOCK:
                INFLIGHT[0] += 1
                STATE["hits"]["max_inflight"] = max(STATE["hits"].get("max_inflight", 0), INFLIGHT[0])
            try:
                return self.serve(method, path, body, page)
            finally:
                with LOCK:
                    INFLIGHT[0] -= 1
        except (BrokenPipeError, ConnectionResetError):
            return
        except Exception as e:  # a bug in the simulator: answer 500 with the reason
            try:
                self.send(500, {"error": "simulator: %r" % (e,)})
            except Exception:
                pass

    def serve(self, method, path, body, page):
        hit(method + " " + path)
        if page is not None:
            hit("%s %s?page=%s" % (method, path, page))
        if self.headers.get("If-None-Match"):
            hit("cond " + path)
        lat = min(int(CONFIG.get("latency_ms") or 0), MAX_SLEEP_MS)
        if lat > 0:
            time.sleep(lat / 1000.0)
        if path in ("/.well-known/oauth-authorization-server", "/oauth/jwks") or path.startswith("/v2/oauth/"):
            return self.sso(method, path, body)
        return self.esi(method, path, body, page)

    # ------------------------------------------------------------ control
    def control(self, path, body):
        data = json.loads(body or b"{}")
        if path == "/_ctl/hits":
            with LOCK:
                return self.send(200, dict(STATE["hits"]))
        if path == "/_ctl/reset":
            reset_state()
            return self.send(200, {"ok": True})
        if path == "/_ctl/config":
            with LOCK:
                CONFIG.update(data)
            return self.send(200, CONFIG)
        if path == "/_ctl/fault":
            with LOCK:
                STATE["faults"].append(dict(data))
            return self.send(200, {"ok": True})
        if path == "/_ctl/rollover":
            with LOCK:
                STATE["rollovers"][data["path"]] = int(data.get("after", 0))
            return self.send(200, {"ok": True})
        if path == "/_ctl/error_limit":
            with LOCK:
                STATE["el_remain"] = int(data.get("remain", 100))
                STATE["el_reset_at"] = time.time() + float(data.get("reset", 60))
            return self.send(200, {"ok": True})
        if path == "/_ctl/ratelimit":
            with LOCK:
                STATE["rl"][data["group"]] = {"limit": int(data.get("limit", 150)),
                                              "remaining": int(data.get("remaining", 150)),
                                              "retry_after": int(data.get("retry_after", 1))}
            return self.send(200, {"ok": True})
        if path == "/_ctl/new_key":
            k = Key(data.get("type", "rsa"), kid=str(uuid.uuid4()))
            with LOCK:
                KEYS[k.kid] = k
                if data.get("publish", True):
                    PUBLISHED.append(k.kid)
            return self.send(200, {"kid": k.kid})
        if path == "/_ctl/forget_access":
            with LOCK:
                STATE["access"].clear()
            return self.send(200, {"ok": True})
        if path == "/_ctl/expire_codes":
            with LOCK:
                for c in STATE["codes"].values():
                    c["exp"] = 0
            return self.send(200, {"ok": True})
        if path == "/_ctl/mint":
            key = pick_key(data.get("key", "rsa"))
            alg = data.get("alg", key.alg)
            client_id = data.get("client_id", WEB_CLIENT)
            claims = make_claims(client_id, data.get("scopes", ["esi-assets.read_assets.v1"]),
                                 int(data.get("ttl", 1199)))
            claims.update(data.get("claims", {}))
            for name in data.get("drop", []):
                claims.pop(name, None)
            header = {"alg": "HS256" if alg == "HS256-pubkey" else alg, "kid": key.kid, "typ": "JWT"}
            header.update(data.get("header", {}))
            tok = jwt_encode(header, claims, key, alg)
            with LOCK:
                STATE["access"][tok] = {"scopes": data.get("scopes", []), "exp": claims.get("exp", 0)}
            return self.send(200, {"token": tok})
        return self.send(404, {"error": "no such control endpoint"})

    # ------------------------------------------------------------ SSO
    def base(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def oauth_error(self, status, error, desc):
        return self.send(status, {"error": error, "error_description": desc})

    def sso(self, method, path, body):
        if path == "/.well-known/oauth-authorization-server" and method == "GET":
            b = self.base()
            return self.send(200, {
                "issuer": "login.eveonline.com",
                "authorization_endpoint": b + "/v2/oauth/authorize",
                "token_endpoint": b + "/v2/oauth/token",
                "response_types_supported": ["code", "token"],
                "jwks_uri": b + "/oauth/jwks",
                "revocation_endpoint": b + "/v2/oauth/revoke",
                "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post",
                                                               "client_secret_jwt"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post",
                                                          "client_secret_jwt"],
                "token_endpoint_auth_signing_alg_values_supported": ["HS256"],
                "code_challenge_methods_supported": ["S256"],
            })
        if path == "/oauth/jwks" and method == "GET":
            with LOCK:
                keys = [KEYS[k].jwk() for k in PUBLISHED]
            return self.send(200, {"keys": keys, "SkipUnresolvedJsonWebKeys": True})
        if path == "/v2/oauth/authorize" and method == "GET":
            return self.authorize()
        if path == "/v2/oauth/token" and method == "POST":
            return self.token(body)
        if path == "/v2/oauth/revoke" and method == "POST":
            return self.revoke(body)
        return self.send(404, {"error": "not found"})

    def authorize(self):
        q = self.q
        cid = q.get("client_id", "")
        if q.get("response_type") != "code":
            return self.send(400, "unsupported response_type", "text/plain")
        if cid not in (WEB_CLIENT, NATIVE_CLIENT):
            return self.send(400, "unknown client", "text/plain")
        if q.get("redirect_uri") != REDIRECT_URI:
            return self.send(400, "redirect_uri does not match the registered one", "text/plain")
        if not q.get("state"):
            return self.send(400, "state missing", "text/plain")
        challenge = q.get("code_challenge")
        if cid == NATIVE_CLIENT:
            if not challenge or q.get("code_challenge_method") != "S256":
                return self.send(400, "PKCE required (S256)", "text/plain")
        code = b64u(secrets.token_bytes(16))
        with LOCK:
            STATE["codes"][code] = {"client": cid, "challenge": challenge, "scopes": q.get("scope", "").split(),
                                    "exp": time.time() + 300, "used": False}
        loc = REDIRECT_URI + "?" + urllib.parse.urlencode({"code": code, "state": q["state"]})
        return self.send(302, "", "text/plain", {"Location": loc})

    def client_auth(self, form):
        """(client_id, error tuple or None)"""
        auth = self.headers.get("Authorization")
        if auth:
            if not auth.startswith("Basic "):
                return None, (401, "invalid_client", "Unsupported authorization scheme")
            try:
                cid, _, secret = base64.b64decode(auth[6:], validate=True).decode().partition(":")
            except Exception:
                return None, (401, "invalid_client", "Malformed Basic authorization")
            if cid != WEB_CLIENT:
                return None, (400, "invalid_grant", "Grant type is not supported.")
            if not hmac.compare_digest(secret, WEB_SECRET):
                return None, (401, "invalid_client", "Client authentication failed")
            return cid, None
        cid = form.get("client_id", "")
        if cid != NATIVE_CLIENT:
            return None, (400, "invalid_grant", "Grant type is not supported.")
        return cid, None

    def token(self, body):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return self.oauth_error(400, "invalid_grant", "Grant type is not supported.")
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        cid, err = self.client_auth(form)
        if err:
            return self.oauth_error(*err)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            code = form.get("code", "")
            with LOCK:
                c = STATE["codes"].get(code)
                if c is None or c["used"]:
                    return self.oauth_error(400, "invalid_grant", "Authorization code not found")
                if c["exp"] < time.time():
                    return self.oauth_error(400, "invalid_grant", "Authorization code has expired")
                if c["client"] != cid:
                    return self.oauth_error(400, "invalid_grant", "Authorization code not found")
                if c["challenge"]:
                    v = form.get("code_verifier", "")
                    if b64u(hashlib.sha256(v.encode()).digest()) != c["challenge"]:
                        return self.oauth_error(400, "invalid_grant", "Invalid code verifier")
                c["used"] = True
                scopes = c["scopes"]
            return self.send(200, issue_tokens(cid, scopes))
        if grant == "refresh_token":
            rt = form.get("refresh_token", "")
            with LOCK:
                r = STATE["refresh"].get(rt)
                if r is None or r["client"] != cid:
                    return self.oauth_error(400, "invalid_grant", "Invalid refresh token. Token missing/expired.")
                scopes = r["scopes"]
            if form.get("scope"):
                want = form["scope"].split()
                if any(s not in scopes for s in want):
                    return self.oauth_error(400, "invalid_scope", "Requested scope exceeds the granted scopes")
                scopes = want
            return self.send(200, issue_tokens(cid, scopes, old_refresh=rt))
        return self.oauth_error(400, "invalid_grant", "Grant type is not supported.")

    def revoke(self, body):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return self.oauth_error(400, "invalid_request", "form encoding required")
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        cid, err = self.client_auth(form)
        if err:
            return self.oauth_error(*err)
        with LOCK:
            r = STATE["refresh"].get(form.get("token", ""))
            if r is not None and r["client"] == cid:
                del STATE["refresh"][form["token"]]
        return self.send(200, "")

    # ------------------------------------------------------------ ESI
    def esi_error(self, status, msg, extra=None, headers=None):
        body = {"error": msg, "status": status}
        if extra:
            body.update(extra)
        return self.finish_esi(status, body, headers=headers)

    def finish_esi(self, status, body, headers=None, group=None, ctype="application/json; charset=UTF-8"):
        h = dict(headers or {})
        with LOCK:
            now = time.time()
            if now >= STATE["el_reset_at"]:
                STATE["el_remain"] = 100
                STATE["el_reset_at"] = now + 60
            if status >= 400 and status != 420:
                STATE["el_remain"] = max(0, STATE["el_remain"] - 1)
            h["X-ESI-Error-Limit-Remain"] = STATE["el_remain"]
            h["X-ESI-Error-Limit-Reset"] = max(0, int(STATE["el_reset_at"] - now + 0.999))
            if group is not None:
                rl = STATE["rl"].setdefault(group["group"], {"limit": group["max"], "remaining": group["max"],
                                                             "retry_after": 1})
                cost = 2 if status < 300 else 1 if status < 400 else 5 if status < 500 else 0
                if status != 429:
                    rl["remaining"] = max(0, rl["remaining"] - cost)
                h["X-Ratelimit-Group"] = group["group"]
                h["X-Ratelimit-Limit"] = "%d/%s" % (rl["limit"], group["window"])
                h["X-Ratelimit-Remaining"] = rl["remaining"]
                h["X-Ratelimit-Used"] = rl["limit"] - rl["remaining"]
        if status >= 400:
            hit("status %d" % status)
        return self.send(status, body, ctype, h)

    def take_fault(self, method, path, page):
        with LOCK:
            for f in STATE["faults"]:
                if f.get("path") != path or f.get("method", method) != method:
                    continue
                if f.get("page") is not None and str(f["page"]) != str(page or "1"):
                    continue
                if int(f.get("count", 1)) <= 0:
                    continue
                f["count"] = int(f.get("count", 1)) - 1
                return f
        return None

    def bearer_scopes(self):
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Bearer "):
            return None
        with LOCK:
            a = STATE["access"].get(auth[7:])
        if a is None or a["exp"] < time.time():
            return None
        return a["scopes"]

    def esi(self, method, path, body, page):
        if not self.headers.get("User-Agent"):
            return self.esi_error(400, "User-Agent header required")
        with LOCK:
            if time.time() >= STATE["el_reset_at"]:
                STATE["el_remain"] = 100
                STATE["el_reset_at"] = time.time() + 60
            blocked = STATE["el_remain"] <= 0
        if blocked:
            return self.finish_esi(420, {"error": "This software has exceeded the error limit for ESI. "
                                                  "If you are a user, please contact the maintainer of this software."
                                                  " If you are a developer/maintainer, please make a greater effort "
                                                  "in the future to receive valid responses. For tips on how, "
                                                  "come have a chat with us on ESI-Slack."})
        parts = path.strip("/").split("/")
        route = None
        if len(parts) == 3 and parts[0] == "markets" and parts[2] == "orders" and method == "GET":
            route = ("markets", {"group": "market-order", "max": 12000, "window": "15m"}, None)
        elif len(parts) == 3 and parts[0] == "characters" and parts[2] == "assets" and method == "GET":
            route = ("assets", {"group": "char-asset", "max": 1800, "window": "15m"}, "esi-assets.read_assets.v1")
        elif len(parts) == 3 and parts[0] == "characters" and parts[2] == "blueprints" and method == "GET":
            route = ("blueprints", {"group": "char-industry", "max": 600, "window": "15m"},
                     "esi-characters.read_blueprints.v1")
        elif len(parts) == 4 and parts[0] == "characters" and parts[2:] == ["wallet", "transactions"] \
                and method == "GET":
            route = ("wallet", {"group": "char-wallet", "max": 150, "window": "15m"},
                     "esi-wallet.read_character_wallet.v1")
        elif len(parts) == 3 and parts[0] == "characters" and parts[2] == "mail" and method == "POST":
            route = ("mail", {"group": "char-social", "max": 600, "window": "15m"}, "esi-mail.send_mail.v1")
        elif parts == ["universe", "names"] and method == "POST":
            route = ("names", None, None)
        if route is None:
            return self.esi_error(404, "Not found")
        name, group, scope = route
        if CONFIG["require_compat_date"] and not self.headers.get("X-Compatibility-Date"):
            return self.esi_error(400, "X-Compatibility-Date header required", headers=None)
        f = self.take_fault(method, path, page)
        if f is not None:
            h = {}
            if f.get("retry_after") is not None:
                h["Retry-After"] = f["retry_after"]
            st = int(f["status"])
            return self.finish_esi(st, {"error": f.get("error", "injected fault %d" % st), "status": st},
                                   headers=h, group=group if st != 429 else None)
        if group is not None:
            with LOCK:
                rl = STATE["rl"].get(group["group"])
                if rl is not None and rl["remaining"] <= 0:
                    ra = rl.get("retry_after", 1)
                    hit("status 429")
                    rl_headers = {"Retry-After": ra, "X-Ratelimit-Group": group["group"],
                                  "X-Ratelimit-Limit": "%d/%s" % (rl["limit"], group["window"]),
                                  "X-Ratelimit-Remaining": 0, "X-Ratelimit-Used": rl["limit"]}
                    limited = True
                else:
                    limited = False
            if limited:
                return self.send(429, {"error": "Too many requests"}, headers=rl_headers)
        if scope is not None:
            scopes = self.bearer_scopes()
            if scopes is None:
                return self.esi_error(401, "authentication required or token invalid")
            if scope not in scopes:
                return self.esi_error(403, "token is missing the scope " + scope, {"sso_status": 200})
            try:
                char = int(parts[1])
            except ValueError:
                return self.esi_error(400, "bad character_id")
            if char != CHAR_ID:
                return self.esi_error(403, "token is not for this character", {"sso_status": 200})
        if name == "mail":
            return self.mail(body, group)
        if name == "names":
            return self.names(body)
        if name == "wallet":
            return self.wallet(group)
        return self.paged(name, path, page, group, parts)

    def version(self, path, counts_page):
        with LOCK:
            v = STATE["versions"].get(path, 0)
            left = STATE["rollovers"].get(path)
            if counts_page and left is not None:
                if left <= 0:
                    v += 1
                    STATE["versions"][path] = v
                    del STATE["rollovers"][path]
                else:
                    STATE["rollovers"][path] = left - 1
            return v

    def cache_headers(self, path, page, version, ttl, extra_key=""):
        now = time.time()
        base_lm = 1763700000 + 300 * version
        etag = '"%s"' % hashlib.sha1(("%s|%s|%s|%d" % (path, extra_key, page, version)).encode()).hexdigest()
        return etag, {"ETag": etag, "Last-Modified": http_date(base_lm), "Expires": http_date(now + ttl),
                      "Cache-Control": "public, max-age=%d" % ttl}

    def paged(self, name, path, page, group, parts):
        try:
            p = int(page or "1")
        except ValueError:
            return self.esi_error(400, "page must be an integer")
        type_id = self.q.get("type_id")
        order_type = self.q.get("order_type", "all")
        if name == "markets":
            if order_type not in ("buy", "sell", "all"):
                return self.esi_error(400, "order_type must be buy, sell or all")
            pages = 1 if type_id else int(CONFIG["market_pages"])
            ttl = int(CONFIG["market_ttl"])
        elif name == "assets":
            pages = int(CONFIG["assets_pages"])
            ttl = int(CONFIG["char_ttl"])
        else:
            pages = int(CONFIG["blueprint_pages"])
            ttl = int(CONFIG["char_ttl"])
        if p < 1 or p > pages:
            return self.esi_error(404, "Requested page does not exist!")
        version = self.version(path, True)
        etag, h = self.cache_headers(path, p, version, ttl, "%s|%s" % (type_id, order_type))
        h["X-Pages"] = pages
        inm = self.headers.get("If-None-Match")
        if inm and inm.strip() == etag:
            hit("304 " + path)
            return self.finish_esi(304, b"", headers=h, group=group)
        mkey = (name, path, p, version, type_id, order_type, int(CONFIG["orders_per_page"]),
                int(CONFIG["assets_per_page"]), int(CONFIG["blueprints_per_page"]))
        with LOCK:
            data = MEMO.get(mkey)
        if data is None:
            if name == "markets":
                data = self.orders(int(parts[1]), p, version, type_id, order_type)
            elif name == "assets":
                data = self.assets(p, version)
            else:
                data = self.blueprints(p, version)
            data = json.dumps(data, separators=(",", ":")).encode()
            with LOCK:
                if len(MEMO) >= MEMO_MAX:
                    MEMO.clear()
                MEMO[mkey] = data
        return self.finish_esi(200, data, headers=h, group=group)

    def orders(self, region, p, version, type_id, order_type):
        per = int(CONFIG["orders_per_page"])
        out = []
        if type_id:
            tid = int(type_id)
            rng = range(0, 200)
        else:
            rng = range((p - 1) * per, p * per)
        for idx in rng:
            is_buy = (idx % 3 == 0)
            if order_type == "buy" and not is_buy or order_type == "sell" and is_buy:
                continue
            t = tid if type_id else 34 + (idx % 97)
            price = round(4.0 + ((idx * 7919 + version * 13) % 10007) / 100.0, 2)
            out.append({"duration": 90, "is_buy_order": is_buy, "issued": "2026-11-20T10:00:00Z",
                        "location_id": 60003760 + (idx % 5), "min_volume": 1,
                        "order_id": 6000000000 + idx * 10 + version, "price": price,
                        "range": "region" if is_buy else "station", "system_id": 30000142,
                        "type_id": t, "volume_remain": 100 + idx % 900, "volume_total": 1000})
        return out

    def assets(self, p, version):
        per = int(CONFIG["assets_per_page"])
        flags = ["Hangar", "Cargo", "AutoFit"]
        out = []
        for idx in range((p - 1) * per, p * per):
            it = {"is_singleton": idx % 10 == 0, "item_id": 1000000000000 + idx, "location_flag": flags[idx % 3],
                  "location_id": 60003760, "location_type": "station", "quantity": 1 + idx % 50,
                  "type_id": 34 + idx % 40}
            if idx % 17 == 0:
                it["is_blueprint_copy"] = True
            out.append(it)
        return out

    def blueprints(self, p, version):
        per = int(CONFIG["blueprints_per_page"])
        out = []
        for idx in range((p - 1) * per, p * per):
            kind = idx % 3
            out.append({"item_id": 2000000000000 + idx, "location_flag": "Hangar", "location_id": 60003760,
                        "material_efficiency": idx % 11, "quantity": -1 if kind == 0 else -2 if kind == 1 else 3,
                        "runs": -1 if kind != 1 else 10 + idx % 5, "time_efficiency": (idx % 11) * 2,
                        "type_id": 680 + idx % 20})
        return out

    def wallet(self, group):
        total = int(CONFIG["wallet_total"])
        batch = int(CONFIG["wallet_batch"])
        newest = 5000000000 + total * 3
        from_id = self.q.get("from_id")
        top = newest if from_id is None else min(int(from_id), newest)
        out = []
        # transactions have ids newest, newest-3, ... (total of them)
        oldest = newest - 3 * (total - 1)
        start = top - ((top - oldest) % 3) if top >= oldest else None
        tid = start
        while tid is not None and tid >= oldest and len(out) < batch:
            i = (newest - tid) // 3
            out.append({"client_id": 90000000 + i % 100, "date": "2026-11-%02dT%02d:00:00Z" % (20 - i % 19, i % 24),
                        "is_buy": i % 2 == 0, "is_personal": True, "journal_ref_id": 7000000000 + i,
                        "location_id": 60003760, "quantity": 1 + i % 10, "transaction_id": tid,
                        "type_id": 34 + i % 10, "unit_price": 5.5 + i % 7})
            tid -= 3
        now = time.time()
        h = {"Expires": http_date(now + int(CONFIG["char_ttl"])),
             "Cache-Control": "public, max-age=%d" % int(CONFIG["char_ttl"]),
             "ETag": '"w%s"' % hashlib.sha1(str(from_id).encode()).hexdigest(),
             "Last-Modified": http_date(1763700000)}
        return self.finish_esi(200, out, headers=h, group=group)

    def mail(self, body, group):
        try:
            m = json.loads(body)
        except ValueError:
            return self.esi_error(400, "body is not JSON")
        if not isinstance(m, dict):
            return self.esi_error(400, "body must be an object")
        rec = m.get("recipients")
        if not isinstance(rec, list) or not 1 <= len(rec) <= 50:
            return self.esi_error(400, "recipients: 1 to 50 required")
        for r in rec:
            if not isinstance(r, dict) or not isinstance(r.get("recipient_id"), int) or \
                    r.get("recipient_type") not in ("alliance", "character", "corporation", "mailing_list"):
                return self.esi_error(400, "bad recipient")
        if not isinstance(m.get("subject"), str) or len(m["subject"]) > 1000:
            return self.esi_error(400, "subject: string of at most 1000 characters")
        if not isinstance(m.get("body"), str) or len(m["body"]) > 10000:
            return self.esi_error(400, "body: string of at most 10000 characters")
        with LOCK:
            STATE["mail_id"] += 1
            mid = STATE["mail_id"]
            STATE["last_mail"] = m
        return self.finish_esi(201, mid, group=group)

    def names(self, body):
        try:
            ids = json.loads(body)
        except ValueError:
            return self.esi_error(400, "body is not JSON")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 1000 or \
                not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            return self.esi_error(400, "body must be an array of 1 to 1000 integer ids")
        if len(set(ids)) != len(ids):
            return self.esi_error(400, "ids must be unique")
        bad = set(CONFIG["invalid_ids"])
        if any(i <= 0 or i in bad for i in ids):
            return self.esi_error(404, "Ensure all IDs are valid before resolving.")
        out = []
        for i in ids:
            if 500000 <= i < 1000000:
                cat = "faction"
            elif 10000000 <= i < 11000000:
                cat = "region"
            elif 20000000 <= i < 21000000:
                cat = "constellation"
            elif 30000000 <= i < 31000000:
                cat = "solar_system"
            elif 60000000 <= i < 64000000:
                cat = "station"
            elif 90000000 <= i < 98000000 or 2100000000 <= i < 2200000000:
                cat = "character"
            elif 98000000 <= i < 99000000:
                cat = "corporation"
            elif 99000000 <= i < 100000000:
                cat = "alliance"
            else:
                cat = "inventory_type"
            out.append({"category": cat, "id": i, "name": "Name %d" % i})
        return self.finish_esi(200, out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--latency-ms", type=int, default=0)
    ap.add_argument("--market-pages", type=int, default=3)
    ap.add_argument("--orders-per-page", type=int, default=1000)
    a = ap.parse_args()
    CONFIG["latency_ms"] = a.latency_ms
    CONFIG["market_pages"] = a.market_pages
    CONFIG["orders_per_page"] = a.orders_per_page
    for kind in ("rsa", "ec"):
        k = Key(kind)
        KEYS[k.kid] = k
        PUBLISHED.append(k.kid)
    reset_state()
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 256
    serverkit.serve(ThreadingHTTPServer(("127.0.0.1", a.port), Handler))


if __name__ == "__main__":
    main()
