"""A connector worker in its own process, for the kill test: flushes the products outbox of a
SQLite file to the simulator until it is killed (prints FLUSHING before its first flush)."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import TOKEN, open_db

import erplink
from erplink import cartona
from fake_orm import FakeOrm
from sync import Connector, Policy


def main() -> int:
    db_path, base = sys.argv[1], sys.argv[2]
    db = open_db(Path(db_path))
    client = cartona.Client(TOKEN, base_url=base, batch_size=50, concurrency=1,
                            transport=erplink.Transport(max_attempts=1, timeout_ms=20000))
    conn = Connector(client, FakeOrm(), db, Policy(lease_ms=60000))
    print("FLUSHING", flush=True)
    for _ in range(100000):  # bounded; killed long before
        conn.flush_products(200)
    return 0


if __name__ == "__main__":
    sys.exit(main())
