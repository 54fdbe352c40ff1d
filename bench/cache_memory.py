#!/usr/bin/env python3
"""What the cache's entries cost in memory, for bench/run: fills a running authd's cache with
COUNT users (made here with SQL, each read once through the protected route) and COUNT token
states (refreshes of COUNT distinct refresh tokens of one user), and compares the growth of the
process's resident memory with the bytes the cache counts against AUTHD_CACHE_BUDGET.

Prints "cache_memory ENTRIES COUNTED_BYTES RSS_GROWTH_BYTES".
Needs psycopg (Tests/Integration/requirements.txt) and AUTHD_SIGNING_KEY in the environment.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import json
import os
import secrets
import threading
import time
import urllib.parse

import psycopg

from invalidation_lag import mint


def metrics(url: str) -> dict[str, float]:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", "/metrics")
    text = connection.getresponse().read().decode()
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and "{" not in line:
            name, value = line.split(" ", 1)
            found[name] = float(value)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--instance", required=True)
    parser.add_argument("--count", type=int, default=50_000)
    args = parser.parse_args()
    key = os.environ["AUTHD_SIGNING_KEY"].encode()

    with psycopg.connect(args.database, autocommit=True) as database, database.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined) "
            "SELECT '!', false, %s || n, '', '', '', false, true, now() FROM generate_series(1, %s) n RETURNING id",
            ("memory-" + secrets.token_hex(4) + "-", args.count))
        ids = [row[0] for row in cursor.fetchall()]
    now = int(time.time())

    def claims(user_id, token_type):
        return {"token_type": token_type, "exp": now + 3600, "iat": now, "jti": secrets.token_hex(16), "user_id": str(user_id)}

    requests = [("GET", "/api/users/me/", None, mint(key, claims(user_id, "access"))) for user_id in ids]
    requests += [("POST", "/api/token/refresh/", {"refresh": mint(key, claims(ids[0], "refresh"))}, None) for _ in ids]

    before = metrics(args.instance)
    parts = urllib.parse.urlsplit(args.instance)
    local = threading.local()

    def send(request):
        method, path, body, token = request
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        local.connection.request(method, path, body=json.dumps(body) if body else None, headers=headers)
        response = local.connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit("%s %s answered %d" % (method, path, response.status))

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(send, requests, chunksize=256))
    time.sleep(0.5)
    after = metrics(args.instance)
    entries = after["authd_cache_entries"] - before["authd_cache_entries"]
    counted = after["authd_cache_bytes"] - before["authd_cache_bytes"]
    growth = after["process_resident_memory_bytes"] - before["process_resident_memory_bytes"]
    print("cache_memory %d %d %d" % (entries, counted, growth))


if __name__ == "__main__":
    main()
