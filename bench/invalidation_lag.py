#!/usr/bin/env python3
"""The cache's invalidation lag, for bench/run: how long after a change every instance refuses.

For each sample, a user of its own (made here with SQL) and tokens minted with the signing key
are read once by every instance (so each caches them); then either

  deactivate  UPDATE auth_user SET is_active = false, as Django's admin would, or
  revoke      POST /api/token/blacklist/ to the first instance,

and every instance is polled (one keep-alive connection each, round robin) until each refuses:
the protected route for a deactivation, a refresh for a revocation. The lag of a sample is the
time from just before the change was sent until the last instance refused; so it includes the
change's own round trip and one poll round, and overstates the cache's part.

Prints one line per kind: "lag KIND p50_ms p99_ms max_ms samples".
Needs psycopg (Tests/Integration/requirements.txt).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import secrets
import time
import urllib.parse

import psycopg


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(key: bytes, claims: dict) -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(key, ("%s.%s" % (header, payload)).encode(), hashlib.sha256).digest()
    return "%s.%s.%s" % (header, payload, b64url(signature))


class Instance:
    def __init__(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)

    def status(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> int:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        self.connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = self.connection.getresponse()
        response.read()
        return response.status


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--instances", required=True, help="base URLs, comma-separated")
    parser.add_argument("--samples", type=int, default=100)
    args = parser.parse_args()
    key = os.environ["AUTHD_SIGNING_KEY"].encode()
    instances = [Instance(url) for url in args.instances.split(",")]
    database = psycopg.connect(args.database, autocommit=True)
    prefix = "lag-" + secrets.token_hex(4)
    with database.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined) "
            "SELECT '!', false, %s || n, '', '', '', false, true, now() FROM generate_series(1, %s) n RETURNING id",
            (prefix, 2 * args.samples))
        ids = [row[0] for row in cursor.fetchall()]

    lags: dict[str, list[float]] = {"deactivate": [], "revoke": []}
    now = int(time.time())
    for index, user_id in enumerate(ids):
        kind = "deactivate" if index % 2 == 0 else "revoke"
        claims = {"token_type": "access", "exp": now + 3600, "iat": now, "jti": secrets.token_hex(16), "user_id": str(user_id)}
        access = mint(key, claims)
        refresh = mint(key, {**claims, "token_type": "refresh", "jti": secrets.token_hex(16)})
        for instance in instances:
            assert instance.status("GET", "/api/users/me/", token=access) == 200
            assert instance.status("POST", "/api/token/refresh/", {"refresh": refresh}) == 200
        started = time.monotonic()
        if kind == "deactivate":
            with database.cursor() as cursor:
                cursor.execute("UPDATE auth_user SET is_active = false WHERE id = %s", (user_id,))
            refused = lambda instance: instance.status("GET", "/api/users/me/", token=access) == 401  # noqa: E731
        else:
            assert instances[0].status("POST", "/api/token/blacklist/", {"refresh": refresh}) == 200
            refused = lambda instance: instance.status("POST", "/api/token/refresh/", {"refresh": refresh}) == 401  # noqa: E731
        pending = list(instances)
        while pending:
            pending = [instance for instance in pending if not refused(instance)]
            if time.monotonic() - started > 10:
                raise SystemExit("a %s was not seen by every instance within 10 s" % kind)
        lags[kind].append(time.monotonic() - started)

    for kind, values in lags.items():
        print("lag %s %.2f %.2f %.2f %d" % (kind, 1000 * percentile(values, 0.5), 1000 * percentile(values, 0.99),
                                           1000 * max(values), len(values)))


if __name__ == "__main__":
    main()
