"""GET /metrics: Prometheus text that moves with the traffic, summed over every event loop."""

import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from authd_testlib import expect, unique, wait_for_full_recovery


def scrape(server) -> dict:
    """{(sample name, frozenset(labels)): value} of one scrape, parsed by Prometheus's parser."""
    resp = requests.get(server.base_url + "/metrics", timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples = {}
    for family in text_string_to_metric_families(resp.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_counters_follow_requests_logins_refreshes_and_revocations(servers, make_user):
    # A dedicated server: its counters start at zero, and its two loops must be summed.
    server = servers.spawn("default", AUTHD_THREADS="2", AUTHD_WORKERS="2")
    try:
        user = make_user("metrics")
        for _ in range(3):
            expect(server.login(user.username, user.password), 200)
        for _ in range(2):
            expect(server.login(user.username, "wrong-" + user.password), 401)
        expect(server.post("/api/token/", {"username": user.username}), 400)
        pair = server.obtain(user.username, user.password)
        expect(server.refresh(pair["refresh"]), 200)
        expect(server.refresh("not.a.token"), 401)
        expect(server.blacklist(pair["refresh"]), 200, {})
        expect(server.refresh(pair["refresh"]), 401)
        for _ in range(5):
            expect(server.get("/no/such/%s" % unique("path")), 404)

        samples = scrape(server)
        requests_total = "authd_http_requests_total"
        assert value(samples, requests_total, route="/api/token/", status="200") == 4
        assert value(samples, requests_total, route="/api/token/", status="401") == 2
        assert value(samples, requests_total, route="/api/token/", status="400") == 1
        assert value(samples, requests_total, route="/api/token/refresh/", status="200") == 1
        assert value(samples, requests_total, route="/api/token/refresh/", status="401") == 2
        assert value(samples, requests_total, route="/api/token/blacklist/", status="200") == 1
        # Random paths share one label: a scanner cannot grow the series.
        assert value(samples, requests_total, route="unmatched", status="404") == 5
        assert value(samples, "authd_logins_total", result="succeeded") == 4
        assert value(samples, "authd_logins_total", result="failed") == 2
        assert value(samples, "authd_token_refreshes_total", result="succeeded") == 1
        assert value(samples, "authd_token_refreshes_total", result="refused") == 2
        assert value(samples, "authd_token_revocations_total", reason="blacklist") == 1
        assert value(samples, "authd_token_revocations_total", reason="rotation") == 0

        # The histogram agrees with the counter, and its buckets only grow.
        login_count = value(samples, "authd_http_request_duration_seconds_count", route="/api/token/")
        assert login_count == 7
        bounds = sorted(((float(dict(labels)["le"]), v) for (name, labels), v in samples.items()
                         if name == "authd_http_request_duration_seconds_bucket"
                         and dict(labels)["route"] == "/api/token/"))
        assert bounds[-1] == (float("inf"), 7)
        assert all(a[1] <= b[1] for a, b in zip(bounds, bounds[1:]))
        assert value(samples, "authd_http_request_duration_seconds_sum", route="/api/token/") > 0

        # Gauges: the pool (2 loops x 2 connections, all up), the workers, the process.
        connections = sum(value(samples, "authd_postgres_connections", state=s)
                          for s in ("idle", "busy", "connecting", "preparing", "backing_off"))
        assert connections == 4
        assert value(samples, "authd_postgres_connections", state="idle") + \
            value(samples, "authd_postgres_connections", state="busy") == 4
        assert value(samples, "authd_worker_threads") == 2
        assert value(samples, "authd_worker_queue_depth") == 0
        assert value(samples, "authd_http_requests_in_flight") >= 1  # the scrape itself
        assert value(samples, "process_resident_memory_bytes") > 1_000_000
        assert value(samples, "process_open_fds") > 4
        assert value(samples, "process_start_time_seconds") > 1.7e9

        # A scrape is itself a request, counted once answered.
        again = scrape(server)
        assert value(again, requests_total, route="/metrics", status="200") == 1
    finally:
        server.stop()


def test_rotation_counts_as_a_revocation(servers, make_user):
    server = servers.spawn("rotate")
    try:
        user = make_user("metrics-rotate")
        pair = server.obtain(user.username, user.password)
        expect(server.refresh(pair["refresh"]), 200)
        expect(server.refresh(pair["refresh"]), 401)  # reused: it was revoked by the rotation
        samples = scrape(server)
        assert value(samples, "authd_token_revocations_total", reason="rotation") == 1
        assert value(samples, "authd_token_refreshes_total", result="refused") == 1
    finally:
        server.stop()


def test_database_outage_shows_in_the_pool_metrics(servers, database, users):
    if not database.controllable:
        pytest.skip("AUTHD_TEST_DATABASE_URL is set: the suite cannot stop that database")
    server = servers.spawn("default", AUTHD_THREADS="1", AUTHD_DB_CONNECTIONS="1")
    try:
        access = server.obtain("Gokul", "123")["access"]
        # The login's last write may still be on the one connection: wait until it is idle.
        deadline = time.monotonic() + 5
        while value(scrape(server), "authd_postgres_connections", state="idle") != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert value(scrape(server), "authd_postgres_connections", state="idle") == 1
        database.stop()
        try:
            deadline = time.monotonic() + 10
            while server.get("/readyz").status_code != 503 and time.monotonic() < deadline:
                time.sleep(0.05)
            expect(server.get("/readyz"), 503)
            assert server.me(access).status_code == 503
            samples = scrape(server)
            assert value(samples, "authd_postgres_connections", state="idle") == 0
            assert value(samples, "authd_postgres_connection_failures_total") >= 1
            # The database is down: the /me above failed as unavailable (or connection_lost).
            assert (value(samples, "authd_postgres_query_errors_total", kind="unavailable")
                    + value(samples, "authd_postgres_query_errors_total", kind="connection_lost")) >= 1
            assert value(samples, "authd_postgres_query_errors_total", kind="server") == 0
        finally:
            wait_for_full_recovery(database, servers.running())
    finally:
        server.stop()


def test_metrics_allows_only_get_and_head(default_server):
    resp = requests.post(default_server.base_url + "/metrics", timeout=5)
    assert resp.status_code == 405
    assert resp.headers["Allow"] == "GET, HEAD"
    head = requests.head(default_server.base_url + "/metrics", timeout=5)
    assert head.status_code == 200 and head.content == b""


def test_bad_tokens_cost_no_database_query(servers, make_user):
    server = servers.spawn("default", AUTHD_THREADS="1")
    try:
        user = make_user("metrics-flood")
        pair = server.obtain(user.username, user.password)
        before = value(scrape(server), "authd_postgres_queries_total")
        tampered = pair["access"][:-4] + ("AAAA" if not pair["access"].endswith("AAAA") else "BBBB")
        for token in ["garbage", "a.b.c", tampered, pair["refresh"][:-4] + "AAAA"]:
            for _ in range(10):
                assert server.me(token).status_code == 401
                assert server.refresh(token).status_code == 401
                assert server.verify(token).status_code == 401
        assert value(scrape(server), "authd_postgres_queries_total") == before
        # A good token does cost its query, so the counter does count.
        expect(server.me(pair["access"]), 200)
        assert value(scrape(server), "authd_postgres_queries_total") == before + 1
    finally:
        server.stop()
