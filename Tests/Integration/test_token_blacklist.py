"""POST /api/token/blacklist/ (simplejwt's TokenBlacklistView): every row of its table in
simplejwt-behaviour.md, and what a blacklisted token does elsewhere (Surprise 4)."""

import time

import pytest

from authd_testlib import (
    BLACKLISTED,
    EXPIRED,
    INVALID,
    INVALID_TOKEN_CASES,
    NO_EXP,
    NO_ID,
    NO_TYPE,
    REQUIRED,
    WRONG_TYPE,
    expect,
    expect_tokens,
    field_errors,
    make_invalid_token,
    method_not_allowed,
    mint,
    simplejwt_claims,
    token_err,
    without,
)

BLACKLIST = "/api/token/blacklist/"


def test_blacklist_issued_refresh_token_is_200_empty_object(default_server, users):
    refresh = default_server.obtain("Gokul", "123")["refresh"]
    resp = default_server.blacklist(refresh)
    expect(resp, 200, {})
    assert "WWW-Authenticate" not in resp.headers


def test_blacklist_validly_signed_refresh_token_never_issued_is_200(default_server, signing_key, gokul_id):
    token = mint(simplejwt_claims(gokul_id, "refresh"), signing_key)
    expect(default_server.blacklist(token), 200, {})
    expect(default_server.refresh(token), 401, token_err(BLACKLISTED))


def test_blacklist_same_token_again_is_401_token_is_blacklisted(default_server, users):
    refresh = default_server.obtain("Gokul", "123")["refresh"]
    expect(default_server.blacklist(refresh), 200, {})
    expect(default_server.blacklist(refresh), 401, token_err(BLACKLISTED))


def test_blacklisted_token_is_refused_by_refresh_on_default_profile(default_server, users):
    refresh = default_server.obtain("Gokul", "123")["refresh"]
    expect(default_server.blacklist(refresh), 200, {})
    expect(default_server.refresh(refresh), 401, token_err(BLACKLISTED))


def test_blacklisting_does_not_affect_access_tokens_already_issued(default_server, users):
    # Surprise 4: access tokens are stateless; they live until their exp.
    tokens = default_server.obtain("Gokul", "123")
    expect(default_server.blacklist(tokens["refresh"]), 200, {})
    me = expect(default_server.me(tokens["access"]), 200)
    assert me["username"] == "Gokul"


def test_blacklisting_one_refresh_token_leaves_other_sessions_working(default_server, users):
    first = default_server.obtain("Gokul", "123")
    second = default_server.obtain("Gokul", "123")
    expect(default_server.blacklist(first["refresh"]), 200, {})
    expect_tokens(default_server.refresh(second["refresh"]), ("access",))


def test_blacklist_is_shared_by_servers_on_the_same_database(default_server, rotate_server, users):
    refresh = default_server.obtain("Gokul", "123")["refresh"]
    expect(rotate_server.blacklist(refresh), 200, {})
    expect(default_server.refresh(refresh), 401, token_err(BLACKLISTED))
    expect(default_server.blacklist(refresh), 401, token_err(BLACKLISTED))


def test_blacklist_with_access_token_is_401_wrong_type(default_server, users):
    access = default_server.obtain("Gokul", "123")["access"]
    expect(default_server.blacklist(access), 401, token_err(WRONG_TYPE))


@pytest.mark.parametrize("case", INVALID_TOKEN_CASES)
def test_blacklist_with_invalid_token_is_401_token_is_invalid(default_server, signing_key, gokul_id, case):
    expect(default_server.blacklist(make_invalid_token(case, signing_key, gokul_id, "refresh")), 401,
           token_err(INVALID))


def test_blacklist_with_expired_token_is_401_token_is_expired(default_server, signing_key, gokul_id):
    token = mint(simplejwt_claims(gokul_id, "refresh", now=int(time.time()) - 86400 - 60), signing_key)
    expect(default_server.blacklist(token), 401, token_err(EXPIRED))


def test_blacklist_without_token_type_is_401_token_has_no_type(default_server, signing_key, gokul_id):
    token = mint(without(simplejwt_claims(gokul_id, "refresh"), "token_type"), signing_key)
    expect(default_server.blacklist(token), 401, token_err(NO_TYPE))


def test_blacklist_without_exp_is_401_token_has_no_exp_claim(default_server, signing_key, gokul_id):
    token = mint(without(simplejwt_claims(gokul_id, "refresh"), "exp"), signing_key)
    expect(default_server.blacklist(token), 401, token_err(NO_EXP))


def test_blacklist_without_jti_is_401_token_not_valid(default_server, signing_key, gokul_id):
    # simplejwt: 500 (KeyError on payload["jti"]). authd: JSON 401 ("Token has no id" is what
    # simplejwt would say without the bug).
    token = mint(without(simplejwt_claims(gokul_id, "refresh"), "jti"), signing_key)
    body = expect(default_server.blacklist(token), 401)
    assert body in (token_err(NO_ID), token_err(INVALID)), body


def test_blacklist_without_refresh_field_is_400_required(default_server):
    expect(default_server.post(BLACKLIST, {}), 400, field_errors(REQUIRED, "refresh"))


def test_blacklist_with_token_field_instead_of_refresh_is_400_required(default_server, users):
    refresh = default_server.obtain("Gokul", "123")["refresh"]
    expect(default_server.post(BLACKLIST, {"token": refresh}), 400, field_errors(REQUIRED, "refresh"))


def test_blacklist_with_get_is_405(default_server):
    resp = default_server.get(BLACKLIST)
    expect(resp, 405, method_not_allowed("GET"))
    assert "POST" in resp.headers.get("Allow", "")


def test_blacklist_survives_a_server_restart(spawn_server, users):
    server = spawn_server("default")
    refresh = server.obtain("Gokul", "123")["refresh"]
    expect(server.blacklist(refresh), 200, {})
    server.restart()
    expect(server.refresh(refresh), 401, token_err(BLACKLISTED))
