"""POST /api/token/refresh/ (simplejwt's TokenRefreshView), default profile: every row of its table
in simplejwt-behaviour.md. Rotation is in test_rotation.py, deactivation in test_deactivation.py."""

import time

import pytest

from authd_testlib import (
    BLANK,
    BLACKLISTED,
    CUSTOM,
    EXPIRED,
    INVALID,
    INVALID_TOKEN_CASES,
    NO_ACTIVE_ACCOUNT_FOR_TOKEN,
    NO_DATA,
    NO_EXP,
    NO_ID,
    NO_TYPE,
    NO_USER_IDENTIFICATION,
    NOT_A_STRING,
    NUL_CHARACTERS,
    NULL,
    REQUIRED,
    USER_NOT_FOUND,
    WRONG_TYPE,
    b64url,
    decode_jwt,
    expect,
    expect_absurd_claim_rejected,
    expect_json_parse_error,
    expect_tokens,
    field_errors,
    make_invalid_token,
    method_not_allowed,
    mint,
    not_a_dict,
    simplejwt_claims,
    surrogate_error,
    token_err,
    unsupported_media_type,
    without,
)

REFRESH = "/api/token/refresh/"


def refresh_claims(user_id, **extra):
    return simplejwt_claims(user_id, "refresh", **extra)


# --- success ----------------------------------------------------------------------------------------

def test_refresh_with_issued_refresh_token_is_200_access_only(default_server, users):
    tokens = default_server.obtain("Gokul", "123")
    access = expect_tokens(default_server.refresh(tokens["refresh"]), ("access",))["access"]
    new, old = decode_jwt(access).payload, decode_jwt(tokens["access"]).payload
    assert new["token_type"] == "access"
    assert new["user_id"] == old["user_id"]
    assert new["jti"] != old["jti"]
    expect(default_server.me(access), 200)


def test_refresh_without_rotation_can_reuse_the_same_refresh_token(default_server, users):
    refresh = default_server.obtain("Gokul", "123")["refresh"]
    first = expect_tokens(default_server.refresh(refresh), ("access",))["access"]
    second = expect_tokens(default_server.refresh(refresh), ("access",))["access"]
    assert decode_jwt(first).payload["jti"] != decode_jwt(second).payload["jti"]


def test_refresh_with_validly_signed_refresh_token_never_issued_is_200(default_server, signing_key, gokul_id):
    expect_tokens(default_server.refresh(mint(refresh_claims(gokul_id), signing_key)), ("access",))


def test_refresh_token_without_iat_is_200(default_server, signing_key, gokul_id):
    token = mint(without(refresh_claims(gokul_id), "iat"), signing_key)
    expect_tokens(default_server.refresh(token), ("access",))


def test_refresh_with_integer_user_id_is_200(default_server, signing_key, gokul_id):
    token = mint(refresh_claims(int(gokul_id)), signing_key)
    expect_tokens(default_server.refresh(token), ("access",))


# --- 400 field validation -------------------------------------------------------------------------------

def test_refresh_without_refresh_field_is_400_required(default_server):
    expect(default_server.post(REFRESH, {}), 400, field_errors(REQUIRED, "refresh"))


def test_refresh_with_empty_body_is_400_required(default_server):
    expect(default_server.post(REFRESH, data=b"", headers={"Content-Type": "application/json"}), 400,
           field_errors(REQUIRED, "refresh"))


@pytest.mark.parametrize("value", ["", "   "], ids=repr)
def test_refresh_with_blank_token_is_400_may_not_be_blank(default_server, value):
    expect(default_server.refresh(value), 400, field_errors(BLANK, "refresh"))


def test_refresh_with_null_token_is_400_may_not_be_null(default_server):
    expect(default_server.refresh(None), 400, field_errors(NULL, "refresh"))


@pytest.mark.parametrize("value", [["a.b.c"], {"token": "a.b.c"}, True], ids=repr)
def test_refresh_with_list_object_or_boolean_is_400_not_a_valid_string(default_server, value):
    expect(default_server.refresh(value), 400, field_errors(NOT_A_STRING, "refresh"))


def test_refresh_with_number_is_stringified_then_401_token_is_invalid(default_server):
    expect(default_server.refresh(12345), 401, token_err(INVALID))


def test_refresh_with_nul_in_token_is_400_null_characters_not_allowed(default_server, users):
    refresh = default_server.obtain("Gokul", "123")["refresh"]
    expect(default_server.refresh(refresh[:10] + "\u0000" + refresh[10:]), 400,
           field_errors(NUL_CHARACTERS, "refresh"))


def test_refresh_with_lone_surrogate_in_token_is_400_surrogate_not_allowed(default_server):
    expect(default_server.refresh("abc\udfffdef"), 400, {"refresh": [surrogate_error(0xDFFF)]})


def test_refresh_with_list_body_is_400_expected_a_dictionary(default_server):
    expect(default_server.post(REFRESH, ["a.b.c"]), 400, not_a_dict("list"))


def test_refresh_with_null_body_is_400_no_data_provided(default_server):
    expect(default_server.post(REFRESH, None), 400, NO_DATA)


def test_refresh_with_malformed_json_is_400_json_parse_error(default_server):
    expect_json_parse_error(default_server.post(REFRESH, data=b'{"refresh": ', headers={"Content-Type": "application/json"}))


def test_refresh_with_text_plain_is_415(default_server):
    expect(default_server.post(REFRESH, data=b'{"refresh": "x"}', headers={"Content-Type": "text/plain"}), 415,
           unsupported_media_type("text/plain"))


def test_refresh_with_get_is_405(default_server):
    resp = default_server.get(REFRESH)
    expect(resp, 405, method_not_allowed("GET"))
    assert "POST" in resp.headers.get("Allow", "")


# --- 401 token errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("case", INVALID_TOKEN_CASES)
def test_refresh_with_invalid_token_is_401_token_is_invalid(default_server, signing_key, gokul_id, case):
    token = make_invalid_token(case, signing_key, gokul_id, "refresh")
    expect(default_server.refresh(token), 401, token_err(INVALID))


def test_refresh_with_1mb_token_is_401_token_is_invalid(default_server, signing_key, gokul_id):
    # A 1 MB body is below simplejwt's 2.5 MiB limit, so simplejwt parses it: 401, not 413.
    head, _, sig = mint(refresh_claims(gokul_id), signing_key).split(".")
    token = "%s.%s.%s" % (head, b64url(b"x" * 750_000), sig)
    expect(default_server.refresh(token, timeout=30), 401, token_err(INVALID))


def test_refresh_with_expired_refresh_token_is_401_token_is_expired(default_server, signing_key, gokul_id):
    now = int(time.time())
    token = mint(refresh_claims(gokul_id, now=now - 86400 - 100), signing_key)
    expect(default_server.refresh(token), 401, token_err(EXPIRED))


def test_refresh_with_access_token_is_401_wrong_type(default_server, users):
    access = default_server.obtain("Gokul", "123")["access"]
    expect(default_server.refresh(access), 401, token_err(WRONG_TYPE))


def test_refresh_with_unknown_token_type_is_401_wrong_type(default_server, signing_key, gokul_id):
    token = mint(simplejwt_claims(gokul_id, "sliding"), signing_key)
    expect(default_server.refresh(token), 401, token_err(WRONG_TYPE))


def test_refresh_with_blacklisted_token_is_401_token_is_blacklisted(default_server, users):
    refresh = default_server.obtain("Gokul", "123")["refresh"]
    expect(default_server.blacklist(refresh), 200, {})
    expect(default_server.refresh(refresh), 401, token_err(BLACKLISTED))


def test_refresh_without_token_type_is_401_token_has_no_type(default_server, signing_key, gokul_id):
    token = mint(without(refresh_claims(gokul_id), "token_type"), signing_key)
    expect(default_server.refresh(token), 401, token_err(NO_TYPE))


def test_refresh_without_exp_is_401_token_has_no_exp_claim(default_server, signing_key, gokul_id):
    token = mint(without(refresh_claims(gokul_id), "exp"), signing_key)
    expect(default_server.refresh(token), 401, token_err(NO_EXP))


def test_refresh_without_jti_is_401_token_not_valid(default_server, signing_key, gokul_id):
    # simplejwt: 500 (its blacklist check reads payload["jti"] before "Token has no id" is raised).
    # authd: a JSON 401; "Token has no id" is what simplejwt would say without the bug.
    token = mint(without(refresh_claims(gokul_id), "jti"), signing_key)
    body = expect(default_server.refresh(token), 401)
    assert body in (token_err(NO_ID), token_err(INVALID)), body


def test_refresh_for_user_that_does_not_exist_is_401(default_server, signing_key):
    # simplejwt: 500 (User.DoesNotExist escapes). authd: a JSON 401, either "no active account" or
    # a token_not_valid / user_not_found error.
    token = mint(refresh_claims("987654321"), signing_key)
    resp = default_server.refresh(token)
    body = expect(resp, 401)
    if body != NO_ACTIVE_ACCOUNT_FOR_TOKEN:
        expect_absurd_claim_rejected(resp, protected=False, codes=("token_not_valid", "user_not_found"))


@pytest.mark.parametrize("user_id", ["abc", [1], {"id": 1}, "1.5", "-1x"], ids=repr)
def test_refresh_with_non_integer_user_id_is_401(default_server, signing_key, user_id):
    # simplejwt: 500 (Django cannot look the user up). authd: a JSON 401.
    token = mint(refresh_claims(user_id), signing_key)
    resp = default_server.refresh(token)
    body = expect(resp, 401)
    if body != NO_ACTIVE_ACCOUNT_FOR_TOKEN:
        expect_absurd_claim_rejected(resp, protected=False, codes=("token_not_valid", "user_not_found"))


@pytest.mark.parametrize("exp", ["9999999999", 1e20], ids=repr)
def test_refresh_with_numeric_string_or_huge_exp_is_401_token_not_valid(default_server, signing_key, gokul_id, exp):
    # simplejwt: 500 (PyJWT accepts int("9999999999") and int(1e20); simplejwt's datetime
    # conversion then fails). authd: 401 token_not_valid.
    token = mint(refresh_claims(gokul_id, exp=exp), signing_key)
    expect_absurd_claim_rejected(default_server.refresh(token), protected=False)


@pytest.mark.parametrize("exp", [True, False], ids=repr)
def test_refresh_with_boolean_exp_is_401_token_is_expired(default_server, signing_key, gokul_id, exp):
    # PyJWT reads int(True) == 1 and int(False) == 0: long expired, as simplejwt answers.
    token = mint(refresh_claims(gokul_id, exp=exp), signing_key)
    expect(default_server.refresh(token), 401, token_err(EXPIRED))


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_refresh_with_boolean_nbf_or_iat_is_200(default_server, signing_key, gokul_id, claim):
    # PyJWT reads them as 1 or 0: in the past, so the token is valid.
    claims = refresh_claims(gokul_id)
    claims[claim] = True
    expect_tokens(default_server.refresh(mint(claims, signing_key)), ("access",))


# --- refresh tokens without a (usable) user_id: 200 (Surprise 7) ------------------------------------------

def test_refresh_token_without_user_id_refreshes_to_access_without_user_id(default_server, signing_key):
    token = mint(without(refresh_claims("1"), "user_id"), signing_key)
    access = expect_tokens(default_server.refresh(token), ("access",))["access"]
    assert "user_id" not in decode_jwt(access).payload
    expect(default_server.me(access), 401, NO_USER_IDENTIFICATION)


@pytest.mark.parametrize("user_id", [None, 0], ids=repr)
def test_refresh_token_with_null_or_zero_user_id_refreshes_but_protected_route_says_user_not_found(
        default_server, signing_key, user_id):
    token = mint(refresh_claims(user_id), signing_key)
    access = expect_tokens(default_server.refresh(token), ("access",))["access"]
    assert decode_jwt(access).payload["user_id"] == user_id
    expect(default_server.me(access), 401, USER_NOT_FOUND)


# --- audience and issuer (custom profile) -----------------------------------------------------------------

def custom_refresh_claims(user_id, **extra):
    base = {"aud": CUSTOM["audience"], "iss": CUSTOM["issuer"]}
    base.update(extra)
    return simplejwt_claims(user_id, "refresh", lifetime=CUSTOM["refresh_lifetime"], **base)


def test_refresh_with_right_audience_and_issuer_is_200_and_keeps_them(custom_server, signing_key, gokul_id):
    token = mint(custom_refresh_claims(gokul_id), signing_key)
    access = expect_tokens(custom_server.refresh(token), ("access",))["access"]
    claims = decode_jwt(access).payload
    assert claims["aud"] == CUSTOM["audience"] and claims["iss"] == CUSTOM["issuer"]


@pytest.mark.parametrize("change", [
    {"aud": "someone-else"}, {"aud": None}, {"iss": "https://evil.example"}, {"iss": None},
    {"aud": ["someone-else", "another"]},
], ids=repr)
def test_refresh_with_wrong_or_missing_audience_or_issuer_is_401_token_is_invalid(
        custom_server, signing_key, gokul_id, change):
    token = mint(custom_refresh_claims(gokul_id, **change), signing_key)
    expect(custom_server.refresh(token), 401, token_err(INVALID))


def test_refresh_with_expired_token_beyond_leeway_is_401_token_is_expired(custom_server, signing_key, gokul_id):
    now = int(time.time())
    token = mint(custom_refresh_claims(gokul_id, exp=now - CUSTOM["leeway"] - 60), signing_key)
    expect(custom_server.refresh(token), 401, token_err(EXPIRED))


def test_refresh_with_token_expired_within_leeway_is_200(custom_server, signing_key, gokul_id):
    now = int(time.time())
    token = mint(custom_refresh_claims(gokul_id, exp=now - CUSTOM["leeway"] // 3), signing_key)
    expect_tokens(custom_server.refresh(token), ("access",))
