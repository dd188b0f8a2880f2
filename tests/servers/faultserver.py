#!/usr/bin/env python3
"""Fault-injecting HTTP/1.1 server for erplink's transport tests (Python 3.11 stdlib only).

Behaviour is chosen by the URL, so tests need no control channel. Every request whose
query has `key=K` is counted under K before it is served (read the count with /hits).

  /ok                          200 "ok\n"
  /status/<code>               that status; ?retry_after=N adds "Retry-After: N";
                               ?retry_after_date=N adds an HTTP-date N seconds ahead
  /reset_mid_body              headers (Content-Length 1000) + 100 bytes, then TCP RST
  /truncate                    Content-Length 1000, 100 bytes sent, then a clean close
  /stall?ms=N[&phase=headers]  sends nothing for N ms (phase=body: headers first), then 200
  /slow_body?bytes=N&interval_ms=M  200 with Content-Length N, one byte every M ms
  /redirect?to=<url>[&code=302]     a redirect to <url> (?loop=1: a redirect to itself)
  /html                        200 text/html login page
  /xml                         200 text/xml XML-RPC response
  /echo                        200 application/json: conn_id, method, path, headers, body
  /big?bytes=N                 200 chunked (no Content-Length), N bytes of 'x'
  /flaky?fail=N&key=K[&mode=503|503ra|reset|truncate|500]  fails the first N requests of key K
  /status/N?delay_ms=D         the status N after D ms (also with retry_after, retry_after_date)
  /hits?key=K                  the number of requests counted for K (plain text)
  /max_in_flight?key=K         the most requests of K the server handled at the same time
  /reset_hits                  forgets every count

Starts with `--port 0`, prints "PORT <n>" first, binds 127.0.0.1 only, exits when stdin
reaches EOF. Every sleep and loop is bounded.

With `--tls-dir DIR` it speaks HTTPS: it writes a fresh self-signed certificate (EC P-256,
subjectAltName IP:127.0.0.1 only, so "localhost" does NOT match) to DIR/cert.pem and its key
to DIR/key.pem (with the openssl command line) before printing the port.
"""
import argparse
import email.utils
import json
import os
import socket
import socketserver
import ssl
import struct
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serverkit  # noqa: E402  (the PORT line, stdin-EOF exit)

MAX_SLEEP_MS = 30000
MAX_BODY = 64 * 1024 * 1024
MAX_HEADER = 64 * 1024
IDLE_TIMEOUT = 30.0

hits = {}
in_flight = {}      # key -> requests of that key being handled now
max_in_flight = {}  # key -> the most handled at the same time
hits_lock = threading.Lock()
conn_counter = [0]
conn_lock = threading.Lock()
tls_context = [None]

REASONS = {200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found",
           303: "See Other", 304: "Not Modified", 307: "Temporary Redirect", 308: "Permanent Redirect",
           400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
           420: "Enhance Your Calm", 422: "Unprocessable Entity", 429: "Too Many Requests",
           500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
           504: "Gateway Timeout"}

HTML = (b"<!DOCTYPE html>\n<html><head><title>Login</title></head>"
        b"<body><form method='post'><input name='login'><input type='password' name='password'>"
        b"</form></body></html>\n")
XML = (b"<?xml version='1.0'?>\n<methodResponse><params><param><value><string>ok</string>"
       b"</value></param></params></methodResponse>\n")


def sleep_ms(ms):
    time.sleep(max(0, min(int(ms), MAX_SLEEP_MS)) / 1000.0)


class Handler(socketserver.BaseRequestHandler):
    def setup(self):
        with conn_lock:
            conn_counter[0] += 1
            self.conn_id = conn_counter[0]
        self.request.settimeout(IDLE_TIMEOUT)
        self.buf = b""
        self.method = ""
        if tls_context[0] is not None:
            self.request = tls_context[0].wrap_socket(self.request, server_side=True)

    def read_until(self, marker, limit):
        while marker not in self.buf:
            if len(self.buf) > limit:
                return None
            chunk = self.request.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        i = self.buf.index(marker) + len(marker)
        head, self.buf = self.buf[:i], self.buf[i:]
        return head

    def read_exact(self, n):
        while len(self.buf) < n:
            chunk = self.request.recv(min(65536, n - len(self.buf)))
            if not chunk:
                return None
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def handle(self):
        if self.request is None:
            return
        try:
            for _ in range(10000):  # requests per connection, bounded
                if not self.one_request():
                    break
        except (OSError, ValueError):
            pass

    def send(self, data):
        self.request.sendall(data)

    def respond(self, status, body=b"", ctype="text/plain", extra=(), close=False):
        lines = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "Status")),
                 "Content-Type: " + ctype, "Content-Length: %d" % len(body)]
        lines += list(extra)
        if close:
            lines.append("Connection: close")
        if self.method == "HEAD":
            body = b""
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        return not close

    def rst_close(self):
        try:
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.request.close()

    def one_request(self):
        if tls_context[0] is None and not self.buf:
            first = self.request.recv(65536)
            if not first:
                return False
            self.buf = first
            if first[:1] == b"\x16":  # a TLS ClientHello sent to plain HTTP: answer like a real server
                return self.respond(400, b"plain HTTP server\n", close=True)
        head = self.read_until(b"\r\n\r\n", MAX_HEADER)
        if head is None:
            return False
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            return self.respond(400, b"bad request line\n", close=True)
        method, target, _version = parts
        self.method = method
        headers = []
        for line in lines[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            headers.append([name.strip(), value.strip()])
        hmap = {k.lower(): v for k, v in headers}
        body = b""
        if "content-length" in hmap:
            n = int(hmap["content-length"])
            if n > MAX_BODY:
                return self.respond(413, b"too large\n", close=True)
            body = self.read_exact(n)
            if body is None:
                return False
        elif hmap.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            for _ in range(100000):
                size_line = self.read_until(b"\r\n", 1024)
                if size_line is None:
                    return False
                size = int(size_line.split(b";")[0].strip(), 16)
                chunk = self.read_exact(size + 2)
                if chunk is None:
                    return False
                if size == 0:
                    break
                body += chunk[:-2]
                if len(body) > MAX_BODY:
                    return self.respond(413, b"too large\n", close=True)
        url = urllib.parse.urlsplit(target)
        path = url.path
        q = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        key = q.get("key") if path not in ("/hits", "/max_in_flight", "/reset_hits") else None
        if key is None:
            return self.route(method, path, q, headers, body, 0)
        with hits_lock:
            hits[key] = hits.get(key, 0) + 1
            count = hits[key]
            in_flight[key] = in_flight.get(key, 0) + 1
            max_in_flight[key] = max(max_in_flight.get(key, 0), in_flight[key])
        try:
            return self.route(method, path, q, headers, body, count)
        finally:
            with hits_lock:
                in_flight[key] -= 1

    def route(self, method, path, q, headers, body, count):
        if path == "/ok":
            return self.respond(200, b"ok\n")
        if path == "/hits":
            with hits_lock:
                n = hits.get(q.get("key", ""), 0)
            return self.respond(200, b"%d" % n)
        if path == "/max_in_flight":
            with hits_lock:
                n = max_in_flight.get(q.get("key", ""), 0)
            return self.respond(200, b"%d" % n)
        if path == "/reset_hits":
            with hits_lock:
                hits.clear()
            return self.respond(200, b"ok\n")
        if path.startswith("/status/"):
            code = int(path[len("/status/"):])
            if "delay_ms" in q:  # answer late (tests that need an order of completion)
                sleep_ms(q["delay_ms"])
            extra = []
            if "retry_after" in q:
                extra.append("Retry-After: " + q["retry_after"])
            if "retry_after_date" in q:
                t = time.time() + float(q["retry_after_date"])
                extra.append("Retry-After: " + email.utils.formatdate(t, usegmt=True))
            if code == 304 or code == 204:
                self.send(("HTTP/1.1 %d %s\r\n%s\r\n" % (code, REASONS.get(code, "Status"),
                           "".join(e + "\r\n" for e in extra))).encode())
                return True
            return self.respond(code, b"status %d body\n" % code, extra=extra)
        if path == "/reset_mid_body":
            self.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n" + b"x" * 100)
            time.sleep(0.05)
            self.rst_close()
            return False
        if path == "/truncate":
            self.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n" + b"x" * 100)
            self.request.shutdown(socket.SHUT_WR)
            return False
        if path == "/stall":
            ms = int(q.get("ms", "1000"))
            if q.get("phase") == "body":
                self.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n")
                sleep_ms(ms)
                self.send(b"ok\n")
                return True
            sleep_ms(ms)
            return self.respond(200, b"ok\n")
        if path == "/slow_body":
            n = min(int(q.get("bytes", "100")), 100000)
            interval = int(q.get("interval_ms", "200"))
            self.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % n)
            deadline = time.monotonic() + MAX_SLEEP_MS / 1000.0
            for _ in range(n):
                if time.monotonic() > deadline:
                    break
                self.send(b"x")
                sleep_ms(interval)
            return False
        if path == "/redirect":
            code = int(q.get("code", "302"))
            to = "/redirect?loop=1" if "loop" in q else q.get("to", "/ok")
            return self.respond(code, b"moved\n", extra=["Location: " + to])
        if path == "/html":
            return self.respond(200, HTML, ctype="text/html; charset=utf-8")
        if path == "/xml":
            return self.respond(200, XML, ctype="text/xml")
        if path == "/echo":
            doc = {"conn_id": self.conn_id, "method": method, "path": path, "headers": headers,
                   "body": body.decode("latin-1")}
            return self.respond(200, json.dumps(doc).encode(), ctype="application/json")
        if path == "/big":
            n = min(int(q.get("bytes", "1000")), 512 * 1024 * 1024)
            self.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"x" * 16384
            left = n
            while left > 0:
                part = chunk[:min(left, len(chunk))]
                self.send(b"%x\r\n" % len(part) + part + b"\r\n")
                left -= len(part)
            self.send(b"0\r\n\r\n")
            return True
        if path == "/flaky":
            fail = int(q.get("fail", "1"))
            mode = q.get("mode", "503")
            if count <= fail:
                if mode == "503":
                    return self.respond(503, b"unavailable\n")
                if mode == "503ra":
                    return self.respond(503, b"unavailable\n", extra=["Retry-After: " + q.get("retry_after", "0")])
                if mode == "500":
                    return self.respond(500, b"boom\n")
                if mode == "reset":
                    self.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 10)
                    time.sleep(0.05)
                    self.rst_close()
                    return False
                if mode == "truncate":
                    self.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 10)
                    self.request.shutdown(socket.SHUT_WR)
                    return False
            return self.respond(200, b"ok after %d\n" % count)
        return self.respond(404, b"no such path\n")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        pass  # failed TLS handshakes and resets are part of the tests


def make_tls_context(directory):
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=erplink test",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls-dir", default=None)
    args = ap.parse_args()
    if args.tls_dir:
        tls_context[0] = make_tls_context(args.tls_dir)
    serverkit.serve(Server(("127.0.0.1", args.port), Handler))


if __name__ == "__main__":
    main()
