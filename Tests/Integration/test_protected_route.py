"""GET /api/users/me/ behind simplejwt's JWTAuthentication + IsAuthenticated: every row of its
table in simplejwt-behaviour.md."""

import base64
import time

import pytest

from authd_testlib import (
    BAD_AUTHORIZATION_HEADER,
    CUSTOM,
    EXPIRED,
    INVALID,
    INVALID_TOKEN_CASES,
    NO_EXP,
    NO_ID,
    NO_TYPE,
    NO_USER_IDENTIFICATION,
    NOT_PROVIDED,
    USER_NOT_FOUND,
    WRONG_TYPE,
    auth_header,
    drf_json,
    expect,
    expect_absurd_claim_rejected,
    expect_error,
    http_bytes,
    make_invalid_token,
    method_not_allowed,
    mint,
    protected_err,
    raw_request,
    simplejwt_claims,
    without,
)

ME = "/api/users/me/"


def access_claims(user_id, **extra):
    return simplejwt_claims(user_id, "access", **extra)


# --- 200 --------------------------------------------------------------------------------------------

def test_me_with_valid_access_token_is_200_id_int_and_username(default_server, users, gokul_id):
    access = default_server.obtain("Gokul", "123")["access"]
    resp = default_server.me(access)
    body = expect(resp, 200, {"id": int(gokul_id), "username": "Gokul"})
    assert type(body["id"]) is int
    assert "WWW-Authenticate" not in resp.headers


def test_me_returns_unicode_username_as_raw_utf8(default_server, users):
    access = default_server.obtain(users.unicode.username, users.unicode.password)["access"]
    resp = default_server.me(access)
    body = expect(resp, 200)
    assert body["username"] == users.unicode.username
    assert resp.content == drf_json(body)  # DRF writes UTF-8, not \u escapes


def test_me_accepts_minted_token_with_integer_user_id(default_server, signing_key, gokul_id):
    token = mint(access_claims(int(gokul_id)), signing_key)
    expect(default_server.me(token), 200, {"id": int(gokul_id), "username": "Gokul"})


def test_me_accepts_token_without_iat(default_server, signing_key, gokul_id):
    token = mint(without(access_claims(gokul_id), "iat"), signing_key)
    expect(default_server.me(token), 200)


def test_me_accepts_bearer_and_token_separated_by_several_spaces(default_server, users):
    # simplejwt splits the header on any run of whitespace.
    access = default_server.obtain("Gokul", "123")["access"]
    expect(default_server.me(headers={"Authorization": "Bearer   " + access}), 200)


# --- 401 credentials not provided ---------------------------------------------------------------------

def test_me_without_authorization_header_is_401_not_provided(default_server):
    expect(default_server.me(), 401, NOT_PROVIDED)


@pytest.mark.parametrize("scheme", ["Token", "JWT", "bearer", "BEARER", "Bearer:"])
def test_me_with_other_scheme_even_with_valid_token_is_401_not_provided(default_server, users, scheme):
    # Surprise 2: the scheme is case-sensitive; "bearer <valid>" is "not provided".
    access = default_server.obtain("Gokul", "123")["access"]
    expect(default_server.me(headers=auth_header(access, scheme)), 401, NOT_PROVIDED)


def test_me_with_basic_credentials_is_401_not_provided(default_server):
    basic = base64.b64encode(b"Gokul:123").decode()
    expect(default_server.me(headers={"Authorization": "Basic " + basic}), 401, NOT_PROVIDED)


def test_me_with_empty_authorization_header_is_401_not_provided(default_server):
    resp = raw_request(default_server, http_bytes("GET", ME, headers=[("Authorization", "")], content_length=False))
    expect(resp, 401, NOT_PROVIDED)


def test_me_with_whitespace_only_authorization_header_is_401_not_provided(default_server):
    resp = raw_request(default_server, http_bytes("GET", ME, headers=[("Authorization", "   ")], content_length=False))
    expect(resp, 401, NOT_PROVIDED)


# --- 401 bad authorization header -------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["Bearer", "Bearer ", "Bearer a b", "Bearer a.b.c extra"])
def test_me_with_bearer_without_exactly_one_token_is_401_bad_authorization_header(default_server, value):
    resp = raw_request(default_server, http_bytes("GET", ME, headers=[("Authorization", value)], content_length=False))
    expect(resp, 401, BAD_AUTHORIZATION_HEADER)


# --- 401 invalid tokens ---------------------------------------------------------------------------------------

# A 100 KB token in the Authorization header is the oversized-header case further down.
@pytest.mark.parametrize("case", [c for c in INVALID_TOKEN_CASES if c != "huge_100k"])
def test_me_with_invalid_token_is_401_given_token_not_valid_token_is_invalid(default_server, signing_key, gokul_id, case):
    token = make_invalid_token(case, signing_key, gokul_id, "access")
    expect(default_server.me(token), 401, protected_err(INVALID))


def test_me_with_expired_access_token_is_401_token_is_expired(default_server, signing_key, gokul_id):
    token = mint(access_claims(gokul_id, now=int(time.time()) - 400), signing_key)
    expect(default_server.me(token), 401, protected_err(EXPIRED))


def test_me_with_refresh_token_is_401_token_has_wrong_type(default_server, users):
    refresh = default_server.obtain("Gokul", "123")["refresh"]
    expect(default_server.me(refresh), 401, protected_err(WRONG_TYPE))


def test_me_with_token_without_jti_is_401_token_has_no_id(default_server, signing_key, gokul_id):
    expect(default_server.me(mint(without(access_claims(gokul_id), "jti"), signing_key)), 401, protected_err(NO_ID))


def test_me_with_token_without_token_type_is_401_token_has_no_type(default_server, signing_key, gokul_id):
    expect(default_server.me(mint(without(access_claims(gokul_id), "token_type"), signing_key)), 401,
           protected_err(NO_TYPE))


def test_me_with_token_without_exp_is_401_token_has_no_exp_claim(default_server, signing_key, gokul_id):
    expect(default_server.me(mint(without(access_claims(gokul_id), "exp"), signing_key)), 401, protected_err(NO_EXP))


def test_me_with_token_without_user_id_is_401_no_recognizable_user_identification(default_server, signing_key):
    expect(default_server.me(mint(without(access_claims("1"), "user_id"), signing_key)), 401, NO_USER_IDENTIFICATION)


@pytest.mark.parametrize("user_id", ["987654321", 987654321, 0, "0", None], ids=repr)
def test_me_with_user_id_of_no_user_is_401_user_not_found(default_server, signing_key, user_id):
    expect(default_server.me(mint(access_claims(user_id), signing_key)), 401, USER_NOT_FOUND)


@pytest.mark.parametrize("user_id", ["abc", [1], {"id": 1}, "99999999999999999999999", "1 OR 1=1"], ids=repr)
def test_me_with_absurd_user_id_is_401_json_not_500(default_server, signing_key, user_id):
    # simplejwt: 500 (Django's lookup raises ValueError/DataError). authd: JSON 401.
    resp = default_server.me(mint(access_claims(user_id), signing_key))
    expect_absurd_claim_rejected(resp, protected=True, codes=("token_not_valid", "user_not_found"))


@pytest.mark.parametrize("exp", ["9999999999", 1e20], ids=repr)
def test_me_with_numeric_string_or_huge_exp_is_401_token_not_valid(default_server, signing_key, gokul_id, exp):
    # simplejwt: 500 (datetime conversion). authd: 401 token_not_valid.
    expect_absurd_claim_rejected(default_server.me(mint(access_claims(gokul_id, exp=exp), signing_key)), protected=True)


def test_me_with_100kb_authorization_header_is_json_431_400_or_413(default_server, signing_key, gokul_id):
    # simplejwt behind gunicorn: 431 with an HTML page. authd: 431, 400 or 413, in JSON.
    token = make_invalid_token("huge_100k", signing_key, gokul_id, "access")
    resp = raw_request(default_server, http_bytes("GET", ME, headers=list(auth_header(token).items()),
                                                  content_length=False))
    expect_error(resp, (431, 400, 413))
    expect(default_server.healthz(), 200, {"status": "ok"})


# --- audience / issuer / leeway (custom profile) -----------------------------------------------------------

def custom_access(user_id, **extra):
    base = {"aud": CUSTOM["audience"], "iss": CUSTOM["issuer"]}
    base.update(extra)
    return simplejwt_claims(user_id, "access", lifetime=CUSTOM["access_lifetime"], **base)


def test_me_with_configured_audience_and_issuer_is_200(custom_server, signing_key, gokul_id):
    expect(custom_server.me(mint(custom_access(gokul_id), signing_key)), 200)


@pytest.mark.parametrize("change", [
    {"aud": "someone-else"}, {"aud": None}, {"iss": "https://evil.example"}, {"iss": None}, {"aud": []},
], ids=repr)
def test_me_with_wrong_or_missing_audience_or_issuer_is_401_token_is_invalid(custom_server, signing_key, gokul_id, change):
    expect(custom_server.me(mint(custom_access(gokul_id, **change), signing_key)), 401, protected_err(INVALID))


def test_me_on_default_profile_ignores_an_aud_claim(default_server, signing_key, gokul_id):
    # simplejwt passes verify_aud=False to PyJWT when no AUDIENCE is configured.
    expect(default_server.me(mint(access_claims(gokul_id, aud="anyone"), signing_key)), 200)


# --- 405 / POST ---------------------------------------------------------------------------------------------

def test_me_post_with_valid_token_is_405(default_server, users):
    access = default_server.obtain("Gokul", "123")["access"]
    resp = default_server.post(ME, {}, token=access)
    expect(resp, 405, method_not_allowed("POST"))
    assert "GET" in resp.headers.get("Allow", "")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_me_other_methods_with_valid_token_are_405(default_server, users, method):
    access = default_server.obtain("Gokul", "123")["access"]
    expect(default_server.request(method, ME, token=access), 405, method_not_allowed(method))


def test_me_post_without_token_is_401_not_provided(default_server):
    # DRF authenticates before it checks the method.
    expect(default_server.post(ME, {}), 401, NOT_PROVIDED)


def test_me_token_in_query_string_is_not_accepted(default_server, users):
    access = default_server.obtain("Gokul", "123")["access"]
    expect(default_server.get(ME + "?token=" + access), 401, NOT_PROVIDED)
