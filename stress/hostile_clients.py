#!/usr/bin/env python3
"""Slow and hostile clients do not stop service to well-behaved ones.

    stress/hostile_clients.py [--idle 5000] [--slow 1000] [--phase SECONDS] [--flood 20000]

Phases, each measured by well-behaved probes (GET /api/users/me/ on a keep-alive connection, and
logins each on a new connection), every probe answer must be 200:
  1. baseline
  2. --idle connections opened and left silent
  3. --slow slowloris connections: a request trickled one byte every 0.5 s, half of them stuck in
     the headers and half in a declared body, all kept going through the phase
  4. oversized requests: 1 MiB of headers, a 100 MiB declared body, a 3 MiB body actually sent:
     refused early (how fast, and how many bytes authd read before answering)
  5. a flood of bad tokens (garbage, tampered or missing signatures, expired) at /me, refresh and
     verify: every one refused, and authd_postgres_queries_total does not move.
Prints one row per phase; exits 1 if a probe failed or a check missed."""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import selectors
import socket
import sys
import threading
import time

import requests

from harness import Recorder, Stack, percentile, raise_fd_limit, scrape, table


def open_connections(port: int, count: int) -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.setblocking(False)
        sockets.append(sock)
    return sockets


class Trickler(threading.Thread):
    """Sends each socket's request one byte at a time, every `interval` seconds, never finishing."""

    def __init__(self, sockets: list[socket.socket], payloads: list[bytes], interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.sockets, self.payloads, self.interval = sockets, payloads, interval
        self.stop = threading.Event()
        self.closed_by_server = 0

    def run(self) -> None:
        position = [0] * len(self.sockets)
        alive = [True] * len(self.sockets)
        while not self.stop.wait(self.interval):
            for index, sock in enumerate(self.sockets):
                if not alive[index]:
                    continue
                payload = self.payloads[index]
                try:
                    sock.send(payload[position[index] % len(payload):][:1])
                    position[index] += 1
                except OSError:
                    alive[index] = False
                    self.closed_by_server += 1


def probe(server, pair, username, password, seconds: float) -> dict:
    recorder = Recorder()
    stop = threading.Event()
    base = server.base_url
    me_headers = {"Authorization": "Bearer " + pair["access"]}
    threads = [
        recorder.run("me", lambda s: s.get(base + "/api/users/me/", headers=me_headers, timeout=10), stop),
        recorder.run("login", lambda s: requests.post(base + "/api/token/", json={"username": username, "password": password},
                                                      headers={"Connection": "close"}, timeout=10), stop),
    ]
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=15)
    records = recorder.between(0, float("inf"))
    me = [r[3] for r in records if r[1] == "me"]
    login = [r[3] for r in records if r[1] == "login"]
    return {"requests": len(records), "failed": sum(1 for r in records if r[2] != 200),
            "outcomes": recorder.outcomes([r for r in records if r[2] != 200]),
            "me_rate": len(me) / seconds, "me_p50": percentile(me, 0.5), "me_p99": percentile(me, 0.99),
            "login_p99": percentile(login, 0.99)}


def oversized(port: int) -> list[tuple]:
    """(case, status line, seconds to the answer, bytes sent before it)."""
    cases = [
        ("1 MiB of headers", b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: " + b"a" * (1 << 20) + b"\r\n\r\n", False),
        ("100 MiB declared body", b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                  b"Content-Length: 104857600\r\n\r\n", True),
        ("3 MiB body sent", b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            b"Content-Length: 3145728\r\n\r\n" + b"x" * 3145728, False),
    ]
    rows = []
    for name, payload, keep_sending in cases:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        started = time.monotonic()
        sent = 0
        answer = b""
        sock.setblocking(False)
        chunk = 65536
        deadline = started + 10
        while time.monotonic() < deadline and b"\r\n" not in answer:
            try:
                answer += sock.recv(4096)
                if answer == b"":
                    pass
            except BlockingIOError:
                pass
            except OSError:
                break
            if sent < len(payload) or keep_sending:
                piece = payload[sent:sent + chunk] if sent < len(payload) else b"y" * chunk
                try:
                    sent += sock.send(piece)
                except (BlockingIOError, OSError):
                    time.sleep(0.001)
        rows.append((name, answer.split(b"\r\n")[0].decode(errors="replace") or "(closed)",
                     time.monotonic() - started, sent))
        sock.close()
    return rows


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def bad_tokens(valid_access: str, key: str) -> list[str]:
    """Tokens every endpoint refuses: malformed, tampered, unsigned, expired, truncated."""
    now = int(time.time())
    expired = {"token_type": "access", "exp": now - 60, "iat": now - 400, "jti": "e" * 32, "user_id": "1"}
    header = b64(b'{"alg":"HS256","typ":"JWT"}')

    def signed(claims: dict) -> str:
        body = header + "." + b64(json.dumps(claims).encode())
        return body + "." + b64(hmac.new(key.encode(), body.encode(), hashlib.sha256).digest())

    return [
        "garbage", "a.b.c", valid_access[:-5] + "AAAAA", valid_access.replace(".", "!", 1),
        b64(b'{"alg":"none"}') + "." + valid_access.split(".")[1] + ".",
        signed(expired), signed(dict(expired, token_type="refresh")),
        signed({"token_type": "access", "exp": now + 60, "iat": now, "jti": "f" * 32, "user_id": "1"})[:-3] + "xyz",
    ]


def flood(server, tokens: list[str], count: int) -> tuple[int, dict, float]:
    base = server.base_url
    recorder = Recorder()
    stop = threading.Event()
    counter = iter(range(10 ** 9))

    def pick() -> str:
        return tokens[next(counter) % len(tokens)]

    threads = [
        recorder.run("me", lambda s: s.get(base + "/api/users/me/", headers={"Authorization": "Bearer " + pick()},
                                           timeout=10), stop),
        recorder.run("refresh", lambda s: s.post(base + "/api/token/refresh/", json={"refresh": pick()}, timeout=10), stop),
        recorder.run("verify", lambda s: s.post(base + "/api/token/verify/", json={"token": pick()}, timeout=10), stop),
        recorder.run("me", lambda s: s.get(base + "/api/users/me/", headers={"Authorization": "Bearer " + pick()},
                                           timeout=10), stop),
    ]
    started = time.monotonic()
    while len(recorder.records) < count and time.monotonic() - started < 120:
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join(timeout=15)
    records = recorder.between(0, float("inf"))
    return len(records), recorder.outcomes(records), len(records) / (time.monotonic() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle", type=int, default=5000)
    parser.add_argument("--slow", type=int, default=1000)
    parser.add_argument("--phase", type=float, default=5.0, help="seconds each probe phase lasts")
    parser.add_argument("--flood", type=int, default=20000, help="bad-token requests")
    args = parser.parse_args()
    raise_fd_limit(args.idle + args.slow + 4096)

    key = "hostile-" + "k" * 40
    stack = Stack("hostile", AUTHD_SIGNING_KEY=key, AUTHD_THREADS="2", AUTHD_WORKERS="2")
    held: list[socket.socket] = []
    failures = []
    try:
        server = stack.server
        (username, password), = stack.users(1)
        pair = server.obtain(username, password)
        rows = []

        def measure(name: str) -> None:
            result = probe(server, pair, username, password, args.phase)
            rows.append((name, result["requests"], "%.0f" % result["me_rate"], "%.1f" % (1000 * result["me_p50"]),
                         "%.1f" % (1000 * result["me_p99"]), "%.1f" % (1000 * result["login_p99"]),
                         result["failed"] and str(result["outcomes"]) or "0"))
            if result["failed"]:
                failures.append("%s: %d probe requests failed: %s" % (name, result["failed"], result["outcomes"]))

        measure("baseline")
        held += open_connections(server.port, args.idle)
        measure("+ %d idle connections" % args.idle)
        slow = open_connections(server.port, args.slow)
        held += slow
        half = len(slow) // 2
        payloads = [b"GET /api/users/me/ HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 4000] * half + \
                   [b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 100000\r\n\r\n" + b" " * 100000] * (len(slow) - half)
        trickler = Trickler(slow, payloads)
        trickler.start()
        time.sleep(1)
        measure("+ %d slowloris connections" % args.slow)
        trickler.stop.set()
        trickler.join()
        rss_kb = [line for line in open("/proc/%d/status" % stack.pid) if line.startswith("VmRSS")][0].split()[1]
        for sock in held:
            sock.close()
        held = []

        print()
        print(table(rows, ("phase", "probe requests", "/me per s", "/me p50 ms", "/me p99 ms", "login p99 ms",
                           "failed probes")))
        print("authd RSS with %d idle + %d slow connections: %.1f MB; connections the server closed during the "
              "slowloris phase: %d" % (args.idle, args.slow, int(rss_kb) / 1024, trickler.closed_by_server))

        print()
        refusals = oversized(server.port)
        print(table([(name, status, "%.1f" % (1000 * seconds), sent) for name, status, seconds, sent in refusals],
                    ("oversized request", "answer", "ms to answer", "bytes sent by then")))
        for name, status, seconds, sent in refusals:
            if not (status.startswith("HTTP/1.1 4") and seconds < 1.0):
                failures.append("%s: answered %r after %.2f s" % (name, status, seconds))

        tokens = bad_tokens(pair["access"], key)
        before = scrape(server.base_url)["authd_postgres_queries_total"]
        count, outcomes, rate = flood(server, tokens, args.flood)
        after = scrape(server.base_url)["authd_postgres_queries_total"]
        print()
        print("bad-token flood: %d requests at %.0f/s, answers %s, database queries %d" % (
            count, rate, outcomes, after - before))
        if set(outcomes) - {400, 401}:
            failures.append("bad tokens answered %s" % outcomes)
        if after != before:
            failures.append("the bad-token flood cost %d database queries" % (after - before))
        if not server.alive:
            failures.append("authd died")
    finally:
        for sock in held:
            sock.close()
        stack.close()
    print()
    print("\n".join("FAIL " + f for f in failures) or "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
