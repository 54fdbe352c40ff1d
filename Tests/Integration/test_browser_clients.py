"""Browser clients (issue 11 item 7), against real PostgreSQL: the refresh token in an HttpOnly
cookie (AUTHD_REFRESH_COOKIE and its attributes) that login sets, refresh and blacklist read when
the body has none, rotation renews, and blacklist and revoke-all clear; the Origin check that,
with the cookie on, refuses a state-changing request from a foreign page (Django's CSRF words);
CORS as django-cors-headers answers it (AUTHD_CORS_*). With none of these settings, answers are
exactly as before: no Set-Cookie, no CORS header, OPTIONS answered by the view."""

import time

import pytest

from authd_testlib import BLACKLISTED, REPO, expect, expect_refused_to_start, field_errors, token_err

APP = "https://app.example.com"
EVIL = "https://evil.example"
COOKIE = "authd_refresh"
REVOKE_ALL = "/api/token/revoke-all/"


def csrf_failed(reason: str) -> dict:
    return {"detail": "CSRF Failed: " + reason}


def bad_origin(origin: str) -> dict:
    return csrf_failed("Origin checking failed - %s does not match any trusted origins." % origin)


@pytest.fixture(scope="module")
def browser_server(servers, users):
    """Cookie on (defaults: Secure, SameSite=Strict, path /api/token/, the token in the body too),
    CORS for APP with credentials, rotation with blacklist-after-rotation."""
    server = servers.spawn("default", AUTHD_REFRESH_COOKIE=COOKIE, AUTHD_CORS_ALLOWED_ORIGINS=APP + ", http://localhost:3000",
                           AUTHD_CORS_ALLOW_CREDENTIALS="true", AUTHD_ROTATE_REFRESH_TOKENS="true",
                           AUTHD_BLACKLIST_AFTER_ROTATION="true")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cookie_only_server(servers, users):
    """The token only in the cookie, every attribute configured; rotation without blacklisting; no CORS."""
    server = servers.spawn("default", AUTHD_REFRESH_COOKIE="rt", AUTHD_REFRESH_COOKIE_IN_BODY="false",
                           AUTHD_REFRESH_COOKIE_SECURE="false", AUTHD_REFRESH_COOKIE_SAMESITE="Lax",
                           AUTHD_REFRESH_COOKIE_PATH="/api/", AUTHD_REFRESH_COOKIE_DOMAIN="example.com",
                           AUTHD_REFRESH_TOKEN_LIFETIME="3600", AUTHD_ROTATE_REFRESH_TOKENS="true")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cors_server(servers, users):
    """CORS only (no cookie): no Origin check, since nothing rides along with the browser's requests."""
    server = servers.spawn("default", AUTHD_CORS_ALLOWED_ORIGINS=APP,
                           AUTHD_CORS_ALLOWED_ORIGIN_REGEXES=r"^https://\w+\.preview\.example\.com$",
                           AUTHD_CORS_EXPOSE_HEADERS="X-Request-Id", AUTHD_CORS_PREFLIGHT_MAX_AGE="600")
    yield server
    server.stop()


def cookie_header(token: str, name: str = COOKIE) -> dict:
    return {"Cookie": "theme=dark; %s=%s; lang=en" % (name, token)}


def from_app(**headers) -> dict:
    return dict({"Origin": APP}, **headers)


def set_cookie(resp) -> str:
    values = resp.raw.headers.getlist("Set-Cookie")
    assert len(values) == 1, (resp.status_code, values)
    return values[0]


def setting(token: str) -> str:
    return "%s=%s; Max-Age=86400; Path=/api/token/; HttpOnly; Secure; SameSite=Strict" % (COOKIE, token)


CLEARING = "%s=; Max-Age=0; Path=/api/token/; HttpOnly; Secure; SameSite=Strict" % COOKIE


def login(server, user, headers=None):
    return server.post("/api/token/", {"username": user.username, "password": user.password}, headers=headers)


# ---------------------------------------------------------------------------------------------
# The cookie.


def test_login_sets_the_refresh_cookie_with_exact_attributes_and_keeps_the_body(browser_server, make_user):
    user = make_user("cookie-login")
    resp = login(browser_server, user, from_app())
    body = expect(resp, 200, exact_bytes=False)
    assert list(body) == ["refresh", "access"]
    assert set_cookie(resp) == setting(body["refresh"])
    assert resp.headers["Access-Control-Allow-Origin"] == APP
    assert resp.headers["Access-Control-Allow-Credentials"] == "true"


def test_a_client_without_origin_or_cookie_logs_in_as_with_simplejwt(browser_server, make_user):
    user = make_user("cookie-plain")
    resp = login(browser_server, user)
    body = expect(resp, 200, exact_bytes=False)
    assert set_cookie(resp) == setting(body["refresh"])
    expect(browser_server.refresh(body["refresh"]), 200)


def test_refresh_reads_the_cookie_when_the_body_has_none_and_rotation_renews_it(browser_server, make_user):
    user = make_user("cookie-refresh")
    first = expect(login(browser_server, user, from_app()), 200, exact_bytes=False)["refresh"]
    original = first
    for body in ({}, None):
        resp = browser_server.post("/api/token/refresh/", body, headers=from_app(**cookie_header(first))) if body is not None \
            else browser_server.post("/api/token/refresh/", headers=from_app(**cookie_header(first)))
        rotated = expect(resp, 200, exact_bytes=False)
        assert set(rotated) == {"access", "refresh"}
        assert set_cookie(resp) == setting(rotated["refresh"])
        assert resp.headers["Access-Control-Allow-Origin"] == APP
        first = rotated["refresh"]
    expect(browser_server.me(rotated["access"]), 200)
    # The first cookie was rotated away (blacklist-after-rotation): refused as a body token would
    # be (and, being reuse, it revokes the family: test_token_families.py).
    expect(browser_server.post("/api/token/refresh/", {}, headers=from_app(**cookie_header(original))), 401,
           token_err(BLACKLISTED))


def test_the_body_field_wins_over_the_cookie(browser_server, make_user):
    user = make_user("cookie-body")
    pair = browser_server.obtain(user.username, user.password)
    resp = browser_server.refresh(pair["refresh"], headers=from_app(**cookie_header("not-a-token")))
    expect(resp, 200, exact_bytes=False)
    # A blank body field is the body's answer, not a reason to read the cookie.
    expect(browser_server.post("/api/token/refresh/", {"refresh": ""}, headers=from_app(**cookie_header(pair["refresh"]))),
           400, field_errors("This field may not be blank.", "refresh"))


def test_without_body_field_or_cookie_refresh_and_blacklist_are_drf_field_errors(browser_server):
    for path in ("/api/token/refresh/", "/api/token/blacklist/"):
        expect(browser_server.post(path, {}, headers=from_app()), 400, field_errors("This field is required.", "refresh"))
        expect(browser_server.post(path, {}, headers=from_app(Cookie="%s=" % COOKIE)), 400,
               field_errors("This field is required.", "refresh"))


def test_a_bad_cookie_is_refused_as_a_bad_body_token(browser_server, make_user):
    user = make_user("cookie-bad")
    pair = browser_server.obtain(user.username, user.password)
    expect(browser_server.post("/api/token/refresh/", {}, headers=from_app(**cookie_header("garbage"))), 401,
           token_err("Token is invalid"))
    expect(browser_server.post("/api/token/refresh/", {}, headers=from_app(**cookie_header(pair["access"]))), 401,
           token_err("Token has wrong type"))


def test_blacklist_from_the_cookie_clears_it_and_the_token_never_refreshes_again(browser_server, make_user):
    user = make_user("cookie-logout")
    token = expect(login(browser_server, user, from_app()), 200, exact_bytes=False)["refresh"]
    resp = browser_server.post("/api/token/blacklist/", {}, headers=from_app(**cookie_header(token)))
    expect(resp, 200, {})
    assert set_cookie(resp) == CLEARING
    expect(browser_server.post("/api/token/refresh/", {}, headers=from_app(**cookie_header(token))), 401, token_err(BLACKLISTED))
    # A stale cookie sent to blacklist again is refused and cleared: a logout leaves no cookie behind.
    resp = browser_server.post("/api/token/blacklist/", {}, headers=from_app(**cookie_header(token)))
    expect(resp, 401, token_err(BLACKLISTED))
    assert set_cookie(resp) == CLEARING
    resp = browser_server.post("/api/token/blacklist/", {}, headers=from_app(**cookie_header("garbage")))
    expect(resp, 401, token_err("Token is invalid"))
    assert set_cookie(resp) == CLEARING


def test_blacklist_from_the_body_clears_the_cookie_too(browser_server, make_user):
    user = make_user("cookie-logout-body")
    pair = browser_server.obtain(user.username, user.password)
    resp = browser_server.blacklist(pair["refresh"], headers=from_app())
    expect(resp, 200, {})
    assert set_cookie(resp) == CLEARING
    # A refused body token says nothing about the cookie, which is left alone.
    resp = browser_server.blacklist(pair["refresh"], headers=from_app())
    expect(resp, 401, token_err(BLACKLISTED))
    assert "Set-Cookie" not in resp.headers


def test_revoke_all_clears_the_cookie(browser_server, make_user):
    user = make_user("cookie-revoke-all")
    pair = browser_server.obtain(user.username, user.password)
    time.sleep(1.05)  # cut-offs are whole seconds, as iat is
    resp = browser_server.post(REVOKE_ALL, token=pair["access"], headers=from_app(**cookie_header(pair["refresh"])))
    expect(resp, 200, {})
    assert set_cookie(resp) == CLEARING
    expect(browser_server.post("/api/token/refresh/", {}, headers=from_app(**cookie_header(pair["refresh"]))), 401,
           token_err(BLACKLISTED))


def test_verify_and_sliding_tokens_do_not_touch_the_cookie(browser_server, make_user):
    user = make_user("cookie-other")
    pair = browser_server.obtain(user.username, user.password)
    resp = browser_server.verify(pair["access"], headers=from_app())
    expect(resp, 200, {})
    assert "Set-Cookie" not in resp.headers
    resp = browser_server.post("/api/token/sliding/", {"username": user.username, "password": user.password}, headers=from_app())
    expect(resp, 200, exact_bytes=False)
    assert "Set-Cookie" not in resp.headers


def test_the_token_can_live_in_the_cookie_alone_with_every_attribute_configured(cookie_only_server, make_user):
    user = make_user("cookie-only")
    resp = login(cookie_only_server, user)
    body = expect(resp, 200, exact_bytes=False)
    assert list(body) == ["access"]
    cookie = set_cookie(resp)
    assert cookie.startswith("rt=") and cookie.endswith("; Max-Age=3600; Path=/api/; Domain=example.com; HttpOnly; SameSite=Lax")
    token = cookie.split(";", 1)[0][len("rt="):]
    resp = cookie_only_server.post("/api/token/refresh/", {}, headers=cookie_header(token, "rt") | {"Referer": "http://%s:%d/app" % (
        cookie_only_server.host, cookie_only_server.port)})
    assert list(expect(resp, 200, exact_bytes=False)) == ["access"]
    renewed = set_cookie(resp)
    assert renewed.startswith("rt=") and renewed != cookie
    assert "Access-Control-Allow-Origin" not in resp.headers and "Vary" not in resp.headers


# ---------------------------------------------------------------------------------------------
# The Origin check (CSRF), with the cookie on.


def test_a_foreign_origin_is_refused_with_djangos_csrf_words(browser_server, make_user):
    user = make_user("csrf")
    pair = browser_server.obtain(user.username, user.password)
    foreign = {"Origin": EVIL, **cookie_header(pair["refresh"])}
    for path in ("/api/token/refresh/", "/api/token/blacklist/"):
        resp = browser_server.post(path, {}, headers=foreign)
        expect(resp, 403, bad_origin(EVIL))
        assert "Set-Cookie" not in resp.headers and "Access-Control-Allow-Origin" not in resp.headers
    # Login CSRF: a foreign page cannot plant an account's cookie in the victim's browser.
    resp = login(browser_server, user, {"Origin": EVIL})
    expect(resp, 403, bad_origin(EVIL))
    assert "Set-Cookie" not in resp.headers
    for origin in ("null", "http://app.example.com", APP + ":443", "https://app.example.com.evil.example", ""):
        expect(login(browser_server, user, {"Origin": origin}), 403, bad_origin(origin))
    # The token is still good: nothing was done for the foreign page.
    expect(browser_server.post("/api/token/refresh/", {}, headers=from_app(**cookie_header(pair["refresh"]))), 200)


def test_trusted_origins_are_the_cors_ones_and_authd_s_own(browser_server, make_user):
    user = make_user("csrf-ok")
    own = "https://%s:%d" % (browser_server.host, browser_server.port)  # the cookie is Secure: https
    for origin in (APP, "http://localhost:3000", own):
        expect(login(browser_server, user, {"Origin": origin}), 200, exact_bytes=False)
    expect(login(browser_server, user, {"Origin": "http://%s:%d" % (browser_server.host, browser_server.port)}), 403)


def test_with_the_cookie_and_no_origin_the_referer_decides(browser_server, make_user):
    user = make_user("csrf-referer")
    token = browser_server.obtain(user.username, user.password)["refresh"]
    refresh = "/api/token/refresh/"
    expect(browser_server.post(refresh, {}, headers=cookie_header(token)), 403, csrf_failed("Referer checking failed - no Referer."))
    expect(browser_server.post(refresh, {}, headers=cookie_header(token) | {"Referer": "not a url"}), 403,
           csrf_failed("Referer checking failed - Referer is malformed."))
    expect(browser_server.post(refresh, {}, headers=cookie_header(token) | {"Referer": EVIL + "/page"}), 403,
           csrf_failed("Referer checking failed - %s/page does not match any trusted origins." % EVIL))
    expect(browser_server.post(refresh, {}, headers=cookie_header(token) | {"Referer": APP + "/account?tab=1"}), 200)


def test_safe_methods_and_cookie_less_clients_are_not_checked(browser_server, make_user):
    user = make_user("csrf-safe")
    pair = browser_server.obtain(user.username, user.password)
    expect(browser_server.me(pair["access"], headers={"Origin": EVIL}), 200)
    expect(browser_server.get("/healthz", headers={"Origin": EVIL, **cookie_header(pair["refresh"])}), 200)
    expect(browser_server.request("OPTIONS", "/api/token/refresh/", headers={"Origin": EVIL}), 200, {})
    expect(browser_server.refresh(pair["refresh"]), 200)


def test_without_the_cookie_setting_no_origin_is_checked(cors_server, make_user):
    user = make_user("csrf-off")
    expect(login(cors_server, user, {"Origin": EVIL, "Cookie": "%s=x" % COOKIE}), 200, exact_bytes=False)


# ---------------------------------------------------------------------------------------------
# CORS.


def preflight(server, path, origin, method="POST", headers="content-type"):
    return server.request("OPTIONS", path, headers={"Origin": origin, "Access-Control-Request-Method": method,
                                                    "Access-Control-Request-Headers": headers})


def test_a_preflight_from_an_allowed_origin_gets_every_cors_header(browser_server):
    resp = preflight(browser_server, "/api/token/refresh/", APP)
    assert resp.status_code == 200 and resp.content == b""
    assert resp.headers["Access-Control-Allow-Origin"] == APP
    assert resp.headers["Access-Control-Allow-Credentials"] == "true"
    assert resp.headers["Access-Control-Allow-Methods"] == "DELETE, GET, OPTIONS, PATCH, POST, PUT"
    assert resp.headers["Access-Control-Allow-Headers"] == \
        "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with"
    assert resp.headers["Access-Control-Max-Age"] == "86400"
    assert resp.headers["Vary"] == "Origin"
    assert "Allow" not in resp.headers, "a preflight is not the view's OPTIONS"


def test_a_preflight_from_another_origin_gets_no_cors_header(browser_server):
    for origin in (EVIL, "null", "http://app.example.com"):
        resp = preflight(browser_server, "/api/token/", origin)
        assert resp.status_code == 200 and resp.content == b""
        assert resp.headers["Vary"] == "Origin"
        assert not [name for name in resp.headers if name.lower().startswith("access-control-")], dict(resp.headers)


def test_preflights_are_answered_before_routing_as_django_cors_headers_does(cors_server):
    for path in ("/api/token", "/no/such/path/", "/healthz"):
        resp = preflight(cors_server, path, APP)
        assert resp.status_code == 200 and resp.headers["Access-Control-Allow-Origin"] == APP, path
        assert resp.headers["Access-Control-Max-Age"] == "600"
        assert "Access-Control-Allow-Credentials" not in resp.headers


def test_every_answer_to_an_allowed_origin_carries_its_cors_headers(browser_server, cors_server, make_user):
    user = make_user("cors")
    for resp in (browser_server.get("/healthz", headers={"Origin": APP}),
                 browser_server.me("garbage", headers={"Origin": APP}),
                 browser_server.login(user.username, "wrong", headers={"Origin": APP}),
                 browser_server.get("/no/such/path/", headers={"Origin": APP}),
                 browser_server.request("PUT", "/api/token/", headers={"Origin": APP})):
        assert resp.headers["Access-Control-Allow-Origin"] == APP, (resp.status_code, resp.text)
        assert resp.headers["Vary"] == "Origin"
        assert "Access-Control-Allow-Methods" not in resp.headers
    resp = cors_server.get("/healthz", headers={"Origin": APP})
    assert resp.headers["Access-Control-Allow-Origin"] == APP
    assert resp.headers["Access-Control-Expose-Headers"] == "X-Request-Id"
    resp = cors_server.get("/healthz", headers={"Origin": EVIL})
    assert "Access-Control-Allow-Origin" not in resp.headers and resp.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Origin" not in cors_server.get("/healthz").headers


def test_origin_regexes_match_from_the_start(cors_server):
    assert cors_server.get("/healthz", headers={"Origin": "https://pr12.preview.example.com"}).headers[
        "Access-Control-Allow-Origin"] == "https://pr12.preview.example.com"
    for origin in ("https://pr-12.preview.example.com", "https://a.preview.example.com.evil.example", "http://a.preview.example.com"):
        resp = cors_server.get("/healthz", headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in resp.headers, origin  # \w has no "-"; anchored; scheme


def test_a_plain_options_is_still_the_views_answer_with_cors_headers(browser_server):
    resp = browser_server.request("OPTIONS", "/api/token/", headers={"Origin": APP})
    expect(resp, 200, {})
    assert resp.headers["Allow"] == "POST, OPTIONS"
    assert resp.headers["Access-Control-Allow-Origin"] == APP
    assert resp.headers["Access-Control-Allow-Methods"] == "DELETE, GET, OPTIONS, PATCH, POST, PUT"


# ---------------------------------------------------------------------------------------------
# Defaults and settings.


def test_by_default_there_is_no_cookie_no_cors_and_no_origin_check(default_server, make_user):
    user = make_user("browser-defaults")
    resp = login(default_server, user, {"Origin": EVIL})
    pair = expect(resp, 200, exact_bytes=False)
    headers = {name.lower() for name in resp.headers}
    assert "set-cookie" not in headers and "vary" not in headers
    assert not [name for name in headers if name.startswith("access-control-")]
    expect(default_server.post("/api/token/refresh/", {}, headers={"Origin": EVIL, **cookie_header(pair["refresh"])}), 400,
           field_errors("This field is required.", "refresh"))
    resp = preflight(default_server, "/api/token/", APP)
    expect(resp, 200, {})
    assert resp.headers["Allow"] == "POST, OPTIONS" and "Access-Control-Allow-Origin" not in resp.headers
    resp = default_server.blacklist(pair["refresh"], headers={"Origin": EVIL})
    expect(resp, 200, {})
    assert "Set-Cookie" not in resp.headers


@pytest.mark.parametrize("env", [
    {"AUTHD_REFRESH_COOKIE": "rt", "AUTHD_REFRESH_COOKIE_SAMESITE": "None", "AUTHD_REFRESH_COOKIE_SECURE": "false"},
    {"AUTHD_REFRESH_COOKIE": "__Host-rt"},
    {"AUTHD_REFRESH_COOKIE": "a b"},
    {"AUTHD_CORS_ALLOWED_ORIGINS": "app.example.com"},
    {"AUTHD_CORS_ALLOWED_ORIGIN_REGEXES": "(unclosed"},
])
def test_settings_browsers_would_refuse_stop_authd_at_start(authd_bin, database, env):
    result = expect_refused_to_start(authd_bin, dict(env, DATABASE_URL=database.url, AUTHD_SIGNING_KEY="k" * 40))
    assert next(iter(env)) in result.stderr or "AUTHD_REFRESH_COOKIE" in result.stderr, result.stderr


def test_every_setting_is_in_the_help_and_the_readme(authd_bin):
    import subprocess

    help_text = subprocess.run([str(authd_bin), "serve", "--help"], capture_output=True, text=True, timeout=30).stdout
    readme = (REPO / "README.md").read_text()
    for name in ("AUTHD_REFRESH_COOKIE", "AUTHD_REFRESH_COOKIE_SECURE", "AUTHD_REFRESH_COOKIE_SAMESITE", "AUTHD_REFRESH_COOKIE_PATH",
                 "AUTHD_REFRESH_COOKIE_DOMAIN", "AUTHD_REFRESH_COOKIE_IN_BODY", "AUTHD_CORS_ALLOWED_ORIGINS",
                 "AUTHD_CORS_ALLOWED_ORIGIN_REGEXES", "AUTHD_CORS_ALLOW_CREDENTIALS", "AUTHD_CORS_ALLOW_HEADERS",
                 "AUTHD_CORS_ALLOW_METHODS", "AUTHD_CORS_PREFLIGHT_MAX_AGE", "AUTHD_CORS_EXPOSE_HEADERS"):
        assert "\n  %s\n" % name in help_text, name
        assert "`%s`" % name in readme, name
