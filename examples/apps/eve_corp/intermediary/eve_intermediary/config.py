"""Configuration from environment variables (a mapping may override them, for tests).

| variable | meaning |
|---|---|
| ``EVE_CLIENT_ID`` | the application's client id (developers.eveonline.com) — required |
| ``EVE_CLIENT_SECRET`` | its secret (a web application); unset: the PKCE flow of a native application |
| ``EVE_CALLBACK_URL`` | the callback URL exactly as registered, e.g. ``https://corp.example.com/callback`` — required |
| ``EVE_SCOPES`` | space-separated scopes (default: assets, blueprints, wallet, send mail) |
| ``EVE_SSO_METADATA_URL`` | default ``https://login.eveonline.com/.well-known/oauth-authorization-server`` |
| ``EVE_USER_AGENT`` | ``App/1.0 (you@example.com; +https://your.site)`` — required: CCP wants a contact |
| ``EVE_LOGIN_MAX_AGE_S`` | how long a login may take, default 600 |
| ``ODOO_URL``, ``ODOO_DB``, ``ODOO_LOGIN`` | the Odoo server, database and integration user — required |
| ``ODOO_API_KEY`` or ``ODOO_PASSWORD`` | its API key (preferred) or password — one required |
| ``ODOO_PROTOCOL`` | ``auto`` (default), ``xmlrpc``, ``jsonrpc``, ``json2`` |
| ``FLASK_SECRET_KEY`` | signs the session cookie (random, >= 32 characters; the same for every worker) — required |
| ``EVE_CA_FILE`` | a PEM CA bundle for both clients (tests; default: the system store) |
| ``EVE_TIMEOUT_S`` | per-request timeout of both clients, default 20 |
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Tuple

DEFAULT_SCOPES = ("esi-assets.read_assets.v1", "esi-characters.read_blueprints.v1",
                  "esi-wallet.read_character_wallet.v1", "esi-mail.send_mail.v1")
DEFAULT_METADATA = "https://login.eveonline.com/.well-known/oauth-authorization-server"


class ConfigError(RuntimeError):
    pass


@dataclass(frozen=True)
class Config:
    client_id: str
    client_secret: Optional[str]
    callback_url: str
    scopes: Tuple[str, ...]
    sso_metadata_url: str
    user_agent: str
    login_max_age_s: int
    odoo_url: str
    odoo_db: str
    odoo_login: str
    odoo_api_key: Optional[str]
    odoo_password: Optional[str]
    odoo_protocol: str
    secret_key: str
    ca_file: Optional[str]
    timeout_s: float

    @classmethod
    def from_env(cls, overrides: Optional[Mapping[str, Any]] = None) -> "Config":
        env = dict(os.environ)
        env.update({k: str(v) for k, v in (overrides or {}).items() if v is not None})

        def get(name: str, default: Optional[str] = None, required: bool = False) -> Optional[str]:
            v = env.get(name) or default
            if required and not v:
                raise ConfigError("%s is not set (see eve_intermediary/config.py)" % name)
            return v

        secret_key = get("FLASK_SECRET_KEY", required=True) or ""
        if len(secret_key) < 32:
            raise ConfigError("FLASK_SECRET_KEY must be at least 32 characters")
        if not get("ODOO_API_KEY") and not get("ODOO_PASSWORD"):
            raise ConfigError("ODOO_API_KEY or ODOO_PASSWORD is required")
        return cls(
            client_id=get("EVE_CLIENT_ID", required=True) or "",
            client_secret=get("EVE_CLIENT_SECRET"),
            callback_url=get("EVE_CALLBACK_URL", required=True) or "",
            scopes=tuple((get("EVE_SCOPES") or " ".join(DEFAULT_SCOPES)).split()),
            sso_metadata_url=get("EVE_SSO_METADATA_URL", DEFAULT_METADATA) or DEFAULT_METADATA,
            user_agent=get("EVE_USER_AGENT", required=True) or "",
            login_max_age_s=int(get("EVE_LOGIN_MAX_AGE_S", "600") or 600),
            odoo_url=get("ODOO_URL", required=True) or "",
            odoo_db=get("ODOO_DB", required=True) or "",
            odoo_login=get("ODOO_LOGIN", required=True) or "",
            odoo_api_key=get("ODOO_API_KEY"),
            odoo_password=get("ODOO_PASSWORD"),
            odoo_protocol=get("ODOO_PROTOCOL", "auto") or "auto",
            secret_key=secret_key,
            ca_file=get("EVE_CA_FILE"),
            timeout_s=float(get("EVE_TIMEOUT_S", "20") or 20),
        )
