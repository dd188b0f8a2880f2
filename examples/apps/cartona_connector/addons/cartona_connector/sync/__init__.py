"""The Cartona connector's sync layer: plain Python over erplink's binding and an ORM-shaped
seam (:class:`seam.OrmSeam`), importable without Odoo. The Odoo addon around it supplies the
seam (its models), the SQL connection (Odoo's own PostgreSQL cursor) and the scheduling
(queue_job or ir.cron)."""

from .connector import Connector, Policy, needs_otp  # noqa: F401
from .outbox_sql import SqlOutboxOps, SqliteDb  # noqa: F401
from .seam import ImportFailure, OrmSeam  # noqa: F401
