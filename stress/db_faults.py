#!/usr/bin/env python3
"""PostgreSQL stopped, killed and restarted under load: authd never crashes, requests that need
the database get a fast 503 during the outage, full service is back within 2 s of PostgreSQL,
a revoked refresh token is never accepted, and a revocation answered 200 is never lost.

    stress/db_faults.py [--hold SECONDS] [--steady SECONDS]

Load, all through the faults: logins, refreshes, GET /api/users/me/, blacklisting a stock of
fresh refresh tokens, and refreshing tokens revoked before the faults (which must never succeed).
The cluster is durable (fsync and synchronous_commit on), as production must be: a revocation
acknowledged before a SIGKILL must still be there afterwards. Prints one row per fault and the
checks; exits 1 if any check fails."""

from __future__ import annotations

import argparse
import sys
import threading
import time

from harness import Recorder, Stack, percentile, table

FAST_503 = 1.0      # seconds: every 503 during an outage comes at least this fast
RECOVERY = 2.0      # seconds: full service this soon after PostgreSQL is back
NEEDS_DATABASE = ("login", "refresh", "me", "blacklist")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hold", type=float, default=3.0, help="seconds each outage lasts")
    parser.add_argument("--steady", type=float, default=4.0, help="seconds of normal service between faults")
    args = parser.parse_args()

    stack = Stack("db-faults", durable=True, AUTHD_THREADS="2", AUTHD_WORKERS="2")
    try:
        return run(stack, args)
    finally:
        stack.close()


def run(stack: Stack, args) -> int:
    server = stack.server
    base = server.base_url
    (username, password), = stack.users(1)
    pair = server.obtain(username, password)
    revoked_before = []
    for _ in range(20):
        token = server.obtain(username, password)["refresh"]
        assert server.blacklist(token).status_code == 200
        revoked_before.append(token)
    stock = [server.obtain(username, password)["refresh"] for _ in range(3000)]
    print("db_faults: authd %s, PostgreSQL durable on port %d, %d refresh tokens to revoke"
          % (stack.binary, stack.database.port, len(stock)))

    recorder = Recorder()
    stop = threading.Event()
    acknowledged: list[str] = []   # refresh tokens whose blacklisting was answered 200
    acknowledged_lock = threading.Lock()
    login = {"username": username, "password": password}

    def blacklist(session):
        token = stock.pop()
        resp = session.post(base + "/api/token/blacklist/", json={"refresh": token}, timeout=15)
        if resp.status_code == 200:
            with acknowledged_lock:
                acknowledged.append(token)
        return resp

    def refresh_revoked(session):
        with acknowledged_lock:
            pool = revoked_before + acknowledged[-50:]
        token = pool[int(time.monotonic() * 1000) % len(pool)]
        return session.post(base + "/api/token/refresh/", json={"refresh": token}, timeout=15)

    threads = [
        recorder.run("login", lambda s: s.post(base + "/api/token/", json=login, timeout=15), stop),
        recorder.run("refresh", lambda s: s.post(base + "/api/token/refresh/", json={"refresh": pair["refresh"]},
                                                 timeout=15), stop),
        recorder.run("me", lambda s: s.get(base + "/api/users/me/", headers={"Authorization": "Bearer " + pair["access"]},
                                           timeout=15), stop),
        recorder.run("me", lambda s: s.get(base + "/api/users/me/", headers={"Authorization": "Bearer " + pair["access"]},
                                           timeout=15), stop),
        recorder.run("blacklist", blacklist, stop, pause=0.005),
        recorder.run("revoked", refresh_revoked, stop),
        recorder.run("health", lambda s: s.get(base + "/healthz", timeout=15), stop, pause=0.01),
    ]

    faults = []  # (name, asked at, down at, up at)
    time.sleep(args.steady)
    for name, action in (("stop (fast shutdown)", stack.database.stop), ("kill -9", stack.database.kill),
                         ("restart", None)):
        asked = time.monotonic()
        if action is None:
            stack.database.restart()
            down = asked
        else:
            action()
            down = time.monotonic()
            time.sleep(args.hold)
            stack.database.start()
        up = time.monotonic()
        faults.append((name, asked, down, up))
        time.sleep(args.steady)
    stop.set()
    for thread in threads:
        thread.join(timeout=20)
    alive = server.alive

    # A revocation answered 200 is never lost: each of those tokens is refused now.
    refused_after = sum(1 for token in acknowledged if server.refresh(token).status_code == 401)

    rows, failures = [], []
    # Recovery is judged from PostgreSQL's return up to the moment the next fault is asked for.
    ends = [f[1] for f in faults[1:]] + [time.monotonic()]
    for (name, _, down, up), next_fault in zip(faults, ends):
        during = recorder.between(down, up, NEEDS_DATABASE)
        outcomes = recorder.outcomes(during)
        refused = [r[3] for r in during if r[2] == 503]
        unexpected = {k: v for k, v in outcomes.items() if k not in (200, 503)}
        recovered_at = []
        for kind in NEEDS_DATABASE:
            after = recorder.between(up, next_fault, (kind,))
            bad = [r for r in after if r[2] != 200]
            recovered_at.append((bad[-1][0] + bad[-1][3] - up) if bad else 0.0)
        recovery = max(recovered_at)
        slowest = NEEDS_DATABASE[recovered_at.index(recovery)]
        rows.append((name, "%.1f" % (up - down), len(during), outcomes.get(503, 0), outcomes.get(200, 0),
                     "%.1f" % (1000 * percentile(refused, 0.99)), "%.1f" % (1000 * max(refused, default=0)),
                     "%.2f (%s)" % (recovery, slowest), ",".join("%s:%d" % kv for kv in unexpected.items()) or "-"))
        if refused and max(refused) > FAST_503:
            failures.append("%s: a 503 took %.2f s (target %.1f s)" % (name, max(refused), FAST_503))
        if recovery > RECOVERY:
            failures.append("%s: full service %.2f s after PostgreSQL was back (target %.1f s)" % (name, recovery, RECOVERY))
        if unexpected:
            failures.append("%s: answers other than 200/503 during the outage: %s" % (name, unexpected))

    everything = recorder.between(0, float("inf"))
    revoked_accepted = sum(1 for r in everything if r[1] == "revoked" and r[2] == 200)
    errors = {k: v for k, v in recorder.outcomes(everything).items() if not isinstance(k, int) or k >= 500 and k != 503}
    print()
    print(table(rows, ("fault", "down s", "db requests", "503", "200", "503 p99 ms", "503 max ms", "recovered s",
                       "other answers")))
    print()
    checks = [
        ("authd alive after every fault", alive, "yes" if alive else "NO"),
        ("no 5xx other than 503, no dropped connection", not errors, str(errors or "none")),
        ("revoked refresh tokens accepted (fail closed)", revoked_accepted == 0,
         "%d of %d tries" % (revoked_accepted, sum(1 for r in everything if r[1] == "revoked"))),
        ("revocations answered 200, refused afterwards", refused_after == len(acknowledged),
         "%d of %d" % (refused_after, len(acknowledged))),
    ] + [(f, False, "") for f in failures]
    print(table([(name, "PASS" if ok else "FAIL", detail) for name, ok, detail in checks], ("check", "result", "detail")))
    print()
    print("requests: %d in %.0f s; by outcome: %s" % (len(everything), everything[-1][0] - everything[0][0],
                                                      recorder.outcomes(everything)))
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
