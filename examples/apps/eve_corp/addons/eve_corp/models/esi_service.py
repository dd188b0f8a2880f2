"""erplink's SSO and ESI clients for this Odoo process, built from the system parameters.

One ESI client per process and configuration: its page cache (ETag/Expires) lives as long as
the worker, so a pull of an unchanged resource is answered from the cache or by a 304.
Set ``eve_corp.cache_path`` to a file to keep that cache across restarts and share it between
the workers of one machine (erplink's SQLite blob cache).
"""
import threading

_LOCK = threading.Lock()
_SERVICES = {}

PARAMS = ("eve_corp.client_id", "eve_corp.client_secret", "eve_corp.callback_url", "eve_corp.sso_metadata_url", "eve_corp.esi_base_url",
          "eve_corp.user_agent", "eve_corp.compatibility_date", "eve_corp.cache_path", "eve_corp.ca_file")

#: stop a run when fewer ESI errors than this are left in the window (ESI answers 420 at 0)
ERROR_LIMIT_FLOOR = 20


class EnvWriter:
    """The ORM-shaped writer the sync layer takes, over an Odoo environment (superuser)."""

    def __init__(self, env):
        self.env = env.sudo() if hasattr(env, "sudo") else env

    def _m(self, model):
        return self.env[model].sudo().with_context(active_test=False, tracking_disable=True)

    def search_read(self, model, domain, fields):
        return self._m(model).search_read(domain, fields)

    def create(self, model, vals_list):
        return self._m(model).create(list(vals_list)).ids

    def write(self, model, ids, vals):
        self._m(model).browse(ids).write(vals)

    def unlink(self, model, ids):
        self._m(model).browse(ids).unlink()


class Services:
    def __init__(self, cfg):
        from erplink import esi, Transport  # external dependency, imported when first needed
        from erplink.store import BlobCache

        transport = Transport(ca_file=cfg["eve_corp.ca_file"]) if cfg.get("eve_corp.ca_file") else None
        cache = True
        if cfg.get("eve_corp.cache_path"):
            cache = BlobCache(cfg["eve_corp.cache_path"])
        if not cfg.get("eve_corp.client_id"):
            raise ValueError("eve_corp.client_id is not set (Settings > Technical > System Parameters)")
        # erplink's SSO client wants the application's redirect URI even when it only refreshes
        # tokens: the intermediary's callback URL, as registered with CCP
        self.sso = esi.SSO(cfg["eve_corp.client_id"], client_secret=cfg.get("eve_corp.client_secret") or None,
                           redirect_uri=cfg.get("eve_corp.callback_url") or "https://localhost/callback",
                           metadata_url=cfg.get("eve_corp.sso_metadata_url") or None,
                           user_agent=cfg.get("eve_corp.user_agent") or None, transport=transport)
        self.esi = esi.Client(cfg["eve_corp.user_agent"], cache=cache,
                              compatibility_date=cfg.get("eve_corp.compatibility_date") or None,
                              base_url=cfg.get("eve_corp.esi_base_url") or None, transport=transport)

    def esi_may_continue(self):
        remain, _reset = self.esi.error_limit
        return remain < 0 or remain >= ERROR_LIMIT_FLOOR


def services(env):
    icp = env["ir.config_parameter"].sudo()
    cfg = {k: icp.get_param(k) or "" for k in PARAMS}
    key = tuple(sorted(cfg.items()))
    with _LOCK:
        s = _SERVICES.get(key)
        if s is None:
            _SERVICES.clear()  # configuration changed: drop the old clients
            s = _SERVICES[key] = Services(cfg)
        return s
