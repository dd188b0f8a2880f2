"""The webhook endpoint for pushed orders: POST /cartona/webhook with the configured webhook
secret in the ``X-Cartona-Webhook-Token`` header. Cartona itself documents no webhooks (its
suppliers pull, which the ir.cron does every minute); this endpoint serves an intermediary that
pushes orders. An unauthenticated call is refused with 401 before the body is parsed."""

import json

from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..sync.connector import webhook_authenticated


class CartonaWebhook(http.Controller):
    @http.route("/cartona/webhook", type="http", auth="none", methods=["POST"], csrf=False, save_session=False)
    def webhook(self, **kw):
        env = request.env(user=SUPERUSER_ID, su=True)  # auth="none": no user; the secret is the authentication
        config = env["cartona.config"].sudo().search([("active", "=", True)], limit=1)
        secret = config.sudo().webhook_secret if config else None
        headers = dict(request.httprequest.headers)
        if not config or not webhook_authenticated(headers, secret):
            return self._json(401, {"error": "unauthenticated"})
        with config._connector(worker=True) as conn:
            status, answer = conn.handle_webhook(headers, request.httprequest.get_data(), secret)
        return self._json(status, answer)

    def _json(self, status, obj):
        return request.make_response(json.dumps(obj), headers=[("Content-Type", "application/json")], status=status)
