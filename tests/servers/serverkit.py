"""What every loopback test server of tests/servers does the same way (stdlib only).

serve(srv): prints "PORT <n>" (the line the test harnesses wait for, tests/support/server.c
and tests/bindings/conftest.py), serves on a daemon thread, and exits when stdin reaches EOF —
the parent test closing the pipe or dying — or, as a safety net, after max_lifetime_s, so that
a forgotten server never outlives its test run.
"""
import os
import sys
import threading


def serve(srv, poll_interval=0.2, max_lifetime_s=3600):
    print("PORT %d" % srv.server_address[1], flush=True)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": poll_interval}, daemon=True).start()
    killer = threading.Timer(max_lifetime_s, lambda: os._exit(0))
    killer.daemon = True
    killer.start()
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except (OSError, KeyboardInterrupt):
        pass
    os._exit(0)
