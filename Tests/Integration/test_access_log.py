"""Logs: one line per request (method, path, status, duration, request id), as text or JSON, at
a chosen level, after a start-up line with the effective configuration and no secret in it."""

import json
import re
import time

import requests

from authd_testlib import expect, expect_refused_to_start, raw_request, unique

TEXT_REQUEST = re.compile(
    r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) INFO request method=(\S+) path=(\S+) status=(\d{3}) "
    r"duration_ms=(\d+\.\d{3}) request_id=(\S+)$")


def log_lines(server, settle: float = 0.3) -> list[str]:
    time.sleep(settle)  # lines are written by authd's log thread
    return server.stderr_text().splitlines()


def request_lines(server) -> dict:
    """request_id -> the text access-log line's fields."""
    found = {}
    for line in log_lines(server):
        match = TEXT_REQUEST.match(line)
        if match:
            stamp, method, path, status, duration, request_id = match.groups()
            found[request_id] = dict(method=method, path=path, status=int(status), duration=float(duration))
    return found


def test_text_access_log_has_one_line_per_request_with_the_clients_request_id(servers, make_user):
    server = servers.spawn("default")
    try:
        user = make_user("accesslog")
        ids = {name: unique(name) for name in ("login", "bad-login", "me", "missing")}
        pair = expect(server.login(user.username, user.password, headers={"X-Request-Id": ids["login"]}), 200)
        expect(server.login(user.username, "nope", headers={"X-Request-Id": ids["bad-login"]}), 401)
        resp = server.me(pair["access"], headers={"X-Request-Id": ids["me"]})
        assert resp.headers["X-Request-Id"] == ids["me"]
        resp = server.get("/missing", headers={"X-Request-Id": ids["missing"]})
        assert resp.status_code == 404 and resp.headers["X-Request-Id"] == ids["missing"]

        lines = request_lines(server)
        assert lines[ids["login"]]["method"] == "POST" and lines[ids["login"]]["path"] == "/api/token/"
        assert lines[ids["login"]]["status"] == 200
        assert lines[ids["bad-login"]]["status"] == 401
        assert lines[ids["me"]] == dict(method="GET", path="/api/users/me/", status=200,
                                        duration=lines[ids["me"]]["duration"])
        assert lines[ids["missing"]]["status"] == 404
        # A login hashes a password (1,000 iterations here); a 404 is answered at once.
        assert lines[ids["missing"]]["duration"] < 1000
    finally:
        server.stop()


def test_request_ids_are_made_up_when_absent_or_unsafe(default_server):
    made = default_server.get("/healthz").headers["X-Request-Id"]
    other = default_server.get("/healthz").headers["X-Request-Id"]
    assert made and other and made != other
    for unsafe in ("a b", "x" * 65, 'quote"d', "new\tline", ""):
        resp = default_server.get("/healthz", headers={"X-Request-Id": unsafe})
        assert resp.status_code == 200
        assert resp.headers["X-Request-Id"] != unsafe
        assert re.fullmatch(r"[0-9a-f]+-[0-9a-f]+", resp.headers["X-Request-Id"])


def test_query_strings_are_not_logged_and_odd_paths_cannot_forge_fields(servers):
    server = servers.spawn("default")
    try:
        secret = unique("query-secret")
        expect(server.get("/api/users/me/?token=%s" % secret), 401)
        raw_request(server, b'GET /a"b=c\x1b[31m HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
        text = "\n".join(log_lines(server))
        assert secret not in text
        # Quoted and escaped: the = and " inside cannot start a field, nor the escape colour a terminal.
        assert 'path="/a\\"b=c\\u001b[31m"' in text
    finally:
        server.stop()


def test_json_format_writes_one_object_per_line(servers):
    server = servers.spawn("default", AUTHD_LOG_FORMAT="json")
    try:
        request_id = unique("json")
        expect(server.get("/healthz", headers={"X-Request-Id": request_id}), 200)
        server.stop()  # every line written, including the last ones
        records = [json.loads(line) for line in server.stderr_text().splitlines() if line.strip()]
        assert records, "no log lines"
        assert all({"time", "level", "msg"} <= set(r) for r in records)
        starting = next(r for r in records if r["msg"] == "authd starting")
        assert starting["level"] == "info" and starting["log_format"] == "json"
        request = next(r for r in records if r.get("request_id") == request_id)
        assert request["msg"] == "request" and request["method"] == "GET" and request["path"] == "/healthz"
        assert request["status"] == 200 and isinstance(request["duration_ms"], float)
        assert any(r["msg"] == "authd stopped" for r in records)
    finally:
        server.stop()


def test_warn_level_leaves_out_request_lines(servers):
    server = servers.spawn("default", AUTHD_LOG_LEVEL="warn")
    try:
        expect(server.get("/healthz"), 200)
        server.stop()
        text = server.stderr_text()
        assert " request " not in text and "authd starting" not in text
    finally:
        server.stop()


def test_startup_line_shows_the_configuration_with_secrets_masked(servers, database, signing_key):
    # The test cluster trusts local connections, so a password in the URL is accepted and unused.
    password = unique("db-password")
    url = re.sub(r"^(postgresql://[^@:/]+)@", r"\1:%s@" % password, database.url)
    assert password in url, "unexpected test database URL shape: %s" % database.url
    server = servers.spawn("default", DATABASE_URL=url, AUTHD_ACCESS_TOKEN_LIFETIME="120")
    try:
        starting = next(line for line in log_lines(server) if " authd starting " in line)
        assert "access_lifetime_s=120" in starting and "algorithm=HS256" in starting
        assert "database=postgres@127.0.0.1:" in starting
        assert password not in server.stderr_text()
        assert signing_key not in server.stderr_text()
        assert 'signing_key="*** (%d bytes)"' % len(signing_key) in starting
    finally:
        server.stop()


def test_unknown_log_level_or_format_is_refused_at_start(authd_bin, database, signing_key):
    base = {"DATABASE_URL": database.url, "AUTHD_SIGNING_KEY": signing_key}
    result = expect_refused_to_start(authd_bin, dict(base, AUTHD_LOG_LEVEL="loud"))
    assert "AUTHD_LOG_LEVEL" in result.stderr and "debug, info, warn, error" in result.stderr
    result = expect_refused_to_start(authd_bin, dict(base, AUTHD_LOG_FORMAT="xml"))
    assert "AUTHD_LOG_FORMAT" in result.stderr
