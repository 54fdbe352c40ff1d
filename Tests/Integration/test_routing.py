"""Routing and the HTTP surface: /healthz, /readyz, 404 and 405 in JSON with Allow, Django's
APPEND_SLASH redirects, JSON content type on every response."""

import pytest

from authd_testlib import NOT_FOUND, expect, method_not_allowed

TOKEN_ENDPOINTS = ["/api/token/", "/api/token/refresh/", "/api/token/verify/", "/api/token/blacklist/"]


def allowed(resp):
    return {m.strip().upper() for m in resp.headers.get("Allow", "").split(",") if m.strip()}


def test_healthz_is_200_status_ok(default_server):
    resp = default_server.healthz()
    expect(resp, 200, {"status": "ok"})


def test_readyz_is_200_when_the_database_is_reachable(default_server):
    expect(default_server.get("/readyz"), 200)


@pytest.mark.parametrize("path", ["/", "/nope", "/api/", "/api/token/extra/", "/api/users/", "/api/users/me/x/",
                                  "/API/TOKEN/", "/api/token//", "/healthz/x"])
def test_unknown_path_is_404_json_not_found(default_server, path):
    expect(default_server.get(path), 404, NOT_FOUND)
    expect(default_server.post(path, {}), 404, NOT_FOUND)


@pytest.mark.parametrize("path", TOKEN_ENDPOINTS)
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_token_endpoints_answer_other_methods_405_json_with_allow_post(default_server, path, method):
    resp = default_server.request(method, path)
    expect(resp, 405, method_not_allowed(method))
    assert "POST" in allowed(resp), resp.headers


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
@pytest.mark.parametrize("method", ["POST", "OPTIONS"])
def test_probes_answer_other_methods_405_with_allow_get_head(default_server, path, method):
    # OPTIONS too: only the DRF views answer it, and Allow must not omit a method that works.
    resp = default_server.request(method, path)
    expect(resp, 405, method_not_allowed(method))
    assert allowed(resp) == {"GET", "HEAD"}, resp.headers


@pytest.mark.parametrize("path", TOKEN_ENDPOINTS + ["/api/users/me/"])
def test_api_paths_answer_options_200_with_allow(default_server, path):
    resp = default_server.request("OPTIONS", path)
    expect(resp, 200, {})
    assert "OPTIONS" in allowed(resp), resp.headers


@pytest.mark.parametrize("path", [p.rstrip("/") for p in TOKEN_ENDPOINTS])
def test_token_path_without_trailing_slash_is_301_to_the_slash_path(default_server, path):
    # Django's CommonMiddleware (APPEND_SLASH); the POST body is lost, clients must follow.
    resp = default_server.post(path, {"username": "Gokul", "password": "123"})
    assert resp.status_code == 301, (path, resp.status_code, resp.text)
    location = resp.headers.get("Location", "")
    assert location == path + "/" or location.endswith("127.0.0.1:%d%s/" % (default_server.port, path)), location


def test_protected_path_without_trailing_slash_is_301_and_keeps_the_query_string(default_server):
    resp = default_server.get("/api/users/me?x=1")
    assert resp.status_code == 301, resp.text
    location = resp.headers.get("Location", "")
    assert location == "/api/users/me/?x=1" or location.endswith("/api/users/me/?x=1"), location


def test_every_error_response_is_application_json(default_server):
    for resp in (default_server.get("/nope"), default_server.get("/api/token/"), default_server.me("x"),
                 default_server.post("/api/token/", {}),
                 default_server.post("/api/token/", data=b"x", headers={"Content-Type": "text/plain"})):
        expect(resp, resp.status_code)
