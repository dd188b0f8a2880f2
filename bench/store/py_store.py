"""The peer of bench/store: Python's sqlite3 doing the same operations the straightforward way,
one transaction per operation (autocommit), WAL mode, synchronous=NORMAL (FULL with "full"), on
the same schema and statements erplink uses.

    py_store.py dedup|outbox FILE N [full]     prints "<operations/s> <check value>"
"""
import sqlite3
import sys
import time

mode, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
full = "full" in sys.argv[4:]
db = sqlite3.connect(path, isolation_level=None)  # autocommit: every statement is a transaction
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=" + ("FULL" if full else "NORMAL"))
NOW = 1700000000000

if mode == "dedup":
    db.execute("CREATE TABLE dedup(ns INTEGER NOT NULL, id TEXT NOT NULL, expires INTEGER NOT NULL, "
               "PRIMARY KEY(ns, id)) WITHOUT ROWID")
    db.execute("CREATE INDEX dedup_expires ON dedup(ns, expires)")
    sql = ("INSERT INTO dedup(ns, id, expires) VALUES(1, ?, ?) ON CONFLICT(ns, id) DO UPDATE SET "
           "expires = excluded.expires WHERE dedup.expires <= ?")
    fresh = news = 0
    t0 = time.perf_counter()
    for i in range(n):
        if i % 10 == 9 and fresh > 20:
            k = fresh - 1 - (i * 7919) % 20
        else:
            k = fresh
            fresh += 1
        before = db.total_changes
        db.execute(sql, ("evt_%012d" % k, NOW + 86400000, NOW))
        news += db.total_changes != before
    t = time.perf_counter() - t0
    print("%.0f %d" % (n / t, news))
else:
    db.execute("CREATE TABLE outbox(ns INTEGER NOT NULL, key TEXT NOT NULL, state INTEGER NOT NULL, "
               "payload BLOB NOT NULL, newer BLOB, gen INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0, "
               "ready INTEGER, changed INTEGER NOT NULL, err_code INTEGER NOT NULL DEFAULT 0, err_msg TEXT, "
               "UNIQUE(ns, key))")
    db.execute("CREATE INDEX outbox_ready ON outbox(ns, ready) WHERE ready IS NOT NULL")
    db.execute("CREATE INDEX outbox_state ON outbox(ns, state, changed)")
    sql = ("INSERT INTO outbox(ns, key, state, payload, newer, gen, attempts, ready, changed, err_code, err_msg) "
           "VALUES(1, ?1, 0, ?2, NULL, ?3, 0, ?3, ?3, 0, NULL) ON CONFLICT(ns, key) DO UPDATE SET "
           "payload = CASE WHEN state = 1 THEN payload ELSE excluded.payload END, "
           "newer = CASE WHEN state = 1 THEN excluded.payload ELSE NULL END, "
           "attempts = CASE WHEN state >= 2 THEN 0 ELSE attempts END, "
           "ready = CASE WHEN state >= 2 THEN excluded.ready ELSE ready END, "
           "changed = CASE WHEN state >= 2 THEN excluded.changed ELSE changed END, "
           "err_code = CASE WHEN state >= 2 THEN 0 ELSE err_code END, "
           "err_msg = CASE WHEN state >= 2 THEN NULL ELSE err_msg END, "
           "state = CASE WHEN state = 1 THEN 1 ELSE 0 END")
    t0 = time.perf_counter()
    for i in range(n):
        k, v = i % 1000, i // 1000
        payload = ('{"base_product_id":"sku-%06d","available_stock_quantity":%d}' % (k, v)).encode()
        db.execute(sql, ("sku-%06d" % k, payload, NOW))
    t = time.perf_counter() - t0
    pending = db.execute("SELECT count(*) FROM outbox WHERE state = 0").fetchone()[0]
    print("%.0f %d" % (n / t, pending))
db.close()
