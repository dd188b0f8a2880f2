"""One loopback simulator process for the Python test suites (tests/bindings, tests/apps).

Starts a script of tests/servers with ``--port 0``, reads its ``PORT n`` line and stops it by
closing its stdin (serverkit.serve() exits on EOF), killing it only if it does not exit in 10 s.
"""
import subprocess
import sys
from pathlib import Path

SERVERS = Path(__file__).resolve().parent


class SimProcess:
    """A simulator started on 127.0.0.1 with an ephemeral port; ``url`` is its base URL."""

    def __init__(self, script: str, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, str(SERVERS / script), "--port", "0", *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError("%s did not start: %r" % (script, line))
        self.port = int(line.split()[1])
        self.url = "http://127.0.0.1:%d" % self.port

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
