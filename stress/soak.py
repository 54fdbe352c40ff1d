#!/usr/bin/env python3
"""Ten minutes of mixed load: memory stays flat, no file descriptor leaks, and no error other
than those the load provokes on purpose.

    stress/soak.py [--minutes 10] [--clients 8]

The load, on keep-alive and fresh connections alike: logins (right and wrong passwords),
refreshes, rotations, verifies, blacklisting, GET /api/users/me/, bad tokens, unknown paths,
oversized bodies, clients that disconnect mid-request, and /metrics scrapes. Every answer is
checked against what that request should get. authd's RSS and open descriptors are sampled
every 10 s; the first sample is taken after a one-minute warm-up (allocator pools, connection
buffers). Prints the samples and the checks; exits 1 if memory grew by more than 10% (and
4 MB), descriptors grew, or any unexpected answer came."""

from __future__ import annotations

import argparse
import random
import socket
import sys
import threading
import time

import requests

from harness import Recorder, Stack, process_facts, table

WARM_UP = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8, help="load threads (each runs every kind in turn)")
    args = parser.parse_args()

    stack = Stack("soak", AUTHD_THREADS="2", AUTHD_WORKERS="2", AUTHD_ROTATE_REFRESH_TOKENS="true",
                  AUTHD_BLACKLIST_AFTER_ROTATION="true")
    try:
        return run(stack, args)
    finally:
        stack.close()


def run(stack: Stack, args) -> int:
    server = stack.server
    base = server.base_url
    users = stack.users(4)
    expected: dict[str, set] = {}
    unexpected: list[tuple[str, object]] = []
    lock = threading.Lock()

    def check(kind: str, outcome: object, allowed: set) -> None:
        expected.setdefault(kind, allowed)
        if outcome not in allowed:
            with lock:
                unexpected.append((kind, outcome))

    def one_round(session: requests.Session, rng: random.Random) -> None:
        username, password = rng.choice(users)
        resp = session.post(base + "/api/token/", json={"username": username, "password": password}, timeout=15)
        check("login", resp.status_code, {200})
        if resp.status_code != 200:
            return
        pair = resp.json()
        check("login wrong", session.post(base + "/api/token/", json={"username": username, "password": "nope"},
                                          timeout=15).status_code, {401})
        for _ in range(20):
            check("me", session.get(base + "/api/users/me/", headers={"Authorization": "Bearer " + pair["access"]},
                                    timeout=15).status_code, {200})
        check("verify", session.post(base + "/api/token/verify/", json={"token": pair["access"]}, timeout=15).status_code,
              {200})
        rotated = session.post(base + "/api/token/refresh/", json={"refresh": pair["refresh"]}, timeout=15)
        check("refresh", rotated.status_code, {200})
        check("refresh reused", session.post(base + "/api/token/refresh/", json={"refresh": pair["refresh"]},
                                             timeout=15).status_code, {401})
        if rotated.status_code == 200:
            check("blacklist", session.post(base + "/api/token/blacklist/", json={"refresh": rotated.json()["refresh"]},
                                            timeout=15).status_code, {200})
        check("bad token", session.get(base + "/api/users/me/", headers={"Authorization": "Bearer x.y.z"},
                                       timeout=15).status_code, {401})
        check("unknown path", session.get(base + "/nope/%d" % rng.randrange(10 ** 6), timeout=15).status_code, {404})
        check("bad json", session.post(base + "/api/token/", data=b'{"username":', headers={"Content-Type": "application/json"},
                                       timeout=15).status_code, {400})
        if rng.random() < 0.05:
            check("oversized", requests.post(base + "/api/token/", data=b"x" * 3_000_000,
                                             headers={"Content-Type": "application/json"}, timeout=15).status_code, {413})
        if rng.random() < 0.2:
            # A client that sends half a request and goes away.
            with socket.create_connection((server.host, server.port), timeout=5) as sock:
                sock.sendall(b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"user")
        if rng.random() < 0.1:
            check("metrics", requests.get(base + "/metrics", timeout=15).status_code, {200})

    stop = threading.Event()
    rounds = [0]

    def client(seed: int) -> None:
        rng = random.Random(seed)
        session = requests.Session()
        while not stop.is_set():
            try:
                one_round(session, rng)
                with lock:
                    rounds[0] += 1
            except requests.RequestException as error:
                with lock:
                    unexpected.append(("connection", type(error).__name__))
                session = requests.Session()
            if rng.random() < 0.1:
                session = requests.Session()  # fresh connections now and then

    threads = [threading.Thread(target=client, args=(seed,), daemon=True) for seed in range(args.clients)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    samples = []
    duration = args.minutes * 60
    while time.monotonic() - started < duration:
        time.sleep(10)
        if not server.alive:
            break
        rss, fds = process_facts(stack.pid)
        samples.append((time.monotonic() - started, rss, fds, rounds[0]))
        print("soak: %5.0f s  RSS %6.1f MB  fds %4d  rounds %d  unexpected %d" % (samples[-1] + (len(unexpected),)),
              flush=True)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    alive = server.alive

    steady = [s for s in samples if s[0] >= WARM_UP] or samples
    first, last = steady[0], steady[-1]
    peak = max(s[1] for s in steady)
    growth = last[1] - first[1]
    requests_per_round = 30
    print()
    print(table([
        ("authd alive at the end", "PASS" if alive else "FAIL", "yes" if alive else "no"),
        ("RSS after warm-up / at the end / peak (MB)", "PASS" if growth <= max(4.0, 0.1 * first[1]) else "FAIL",
         "%.1f / %.1f / %.1f" % (first[1], last[1], peak)),
        ("open descriptors after warm-up / at the end", "PASS" if last[2] <= first[2] else "FAIL",
         "%d / %d" % (first[2], last[2])),
        ("unexpected answers", "PASS" if not unexpected else "FAIL",
         "%d %s" % (len(unexpected), sorted(set(map(str, unexpected)))[:5])),
    ], ("check", "result", "detail")))
    print("\n%.0f s, %d rounds (about %d requests, %.0f/s)" % (
        time.monotonic() - started, rounds[0], rounds[0] * requests_per_round,
        rounds[0] * requests_per_round / (time.monotonic() - started)))
    ok = alive and growth <= max(4.0, 0.1 * first[1]) and last[2] <= first[2] and not unexpected
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
