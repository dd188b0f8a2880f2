"""List the saleable products of an Odoo database, page by page (bounded memory).

    python3 odoo_products.py URL DB LOGIN API_KEY
"""

from __future__ import annotations

import sys

import erplink
from erplink import odoo


def main(argv: list[str]) -> int:
    url, db, login, key = argv[1:5]
    transport = erplink.Transport(timeout_ms=30_000, max_attempts=3)
    with odoo.Client(url, db, login, api_key=key, transport=transport) as c:
        print("protocol:", c.protocol, "uid:", c.authenticate())
        for p in c.iter_search_read("product.product", [("sale_ok", "=", True)], ["name", "list_price"]):
            print(p["id"], p["name"], p["list_price"])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except erplink.Error as e:
        print("error (%s): %s" % (e.category, e), file=sys.stderr)
        sys.exit(1)
