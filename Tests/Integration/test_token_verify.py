"""POST /api/token/verify/ (simplejwt's TokenVerifyView): every row of its table in
simplejwt-behaviour.md. It checks signature, exp and jti only: any token type, any user."""

import time

import pytest

from authd_testlib import (
    BLANK,
    CUSTOM,
    EXPIRED,
    INVALID,
    INVALID_TOKEN_CASES,
    NO_EXP,
    NO_ID,
    NOT_A_STRING,
    NULL,
    REQUIRED,
    VERIFY_BLACKLISTED,
    expect,
    expect_absurd_claim_rejected,
    field_errors,
    make_invalid_token,
    method_not_allowed,
    mint,
    not_a_dict,
    simplejwt_claims,
    token_err,
    without,
)

VERIFY = "/api/token/verify/"


# --- 200 {} -----------------------------------------------------------------------------------------

def test_verify_issued_access_token_is_200_empty_object(default_server, users):
    tokens = default_server.obtain("Gokul", "123")
    resp = default_server.verify(tokens["access"])
    expect(resp, 200, {})
    assert "WWW-Authenticate" not in resp.headers


def test_verify_issued_refresh_token_is_200_empty_object(default_server, users):
    expect(default_server.verify(default_server.obtain("Gokul", "123")["refresh"]), 200, {})


@pytest.mark.parametrize("claims_change", [
    {"token_type": None}, {"token_type": "sliding"}, {"token_type": 42}, {"iat": None},
    {"user_id": None}, {"user_id": "987654321"}, {"user_id": "abc"},
], ids=repr)
def test_verify_any_validly_signed_token_with_exp_and_jti_is_200(default_server, signing_key, gokul_id, claims_change):
    # No/odd token_type, no iat, unknown or odd user: verify does not look at any of them.
    claims = simplejwt_claims(gokul_id, "access")
    for name, value in claims_change.items():
        if value is None:
            claims.pop(name)
        else:
            claims[name] = value
    expect(default_server.verify(mint(claims, signing_key)), 200, {})


def test_verify_token_of_inactive_user_is_200(default_server, signing_key, make_user, user_id_of, cli):
    user = make_user("verify-inactive")
    user_id = user_id_of(user)
    cli.run("user", "deactivate", user.username)
    expect(default_server.verify(mint(simplejwt_claims(user_id, "access"), signing_key)), 200, {})
    expect(default_server.verify(mint(simplejwt_claims(user_id, "refresh"), signing_key)), 200, {})


def test_verify_blacklisted_refresh_token_on_default_profile_is_200(default_server, users):
    # Surprise 3: without BLACKLIST_AFTER_ROTATION the blacklist is not consulted by verify.
    refresh = default_server.obtain("Gokul", "123")["refresh"]
    expect(default_server.blacklist(refresh), 200, {})
    expect(default_server.verify(refresh), 200, {})


def test_verify_blacklisted_refresh_token_on_rotate_profile_is_400_non_field_errors(rotate_server, users):
    refresh = rotate_server.obtain("Gokul", "123")["refresh"]
    expect(rotate_server.blacklist(refresh), 200, {})
    resp = rotate_server.verify(refresh)
    expect(resp, 400, VERIFY_BLACKLISTED)


def test_verify_access_token_of_blacklisted_refresh_on_rotate_profile_is_200(rotate_server, users):
    tokens = rotate_server.obtain("Gokul", "123")
    expect(rotate_server.blacklist(tokens["refresh"]), 200, {})
    expect(rotate_server.verify(tokens["access"]), 200, {})


# --- 401 -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", INVALID_TOKEN_CASES)
def test_verify_invalid_token_is_401_token_is_invalid(default_server, signing_key, gokul_id, case):
    expect(default_server.verify(make_invalid_token(case, signing_key, gokul_id, "access")), 401, token_err(INVALID))


def test_verify_expired_token_is_401_token_is_expired(default_server, signing_key, gokul_id):
    token = mint(simplejwt_claims(gokul_id, "access", now=int(time.time()) - 400), signing_key)
    expect(default_server.verify(token), 401, token_err(EXPIRED))


def test_verify_token_without_jti_is_401_token_has_no_id(default_server, signing_key, gokul_id):
    token = mint(without(simplejwt_claims(gokul_id, "access"), "jti"), signing_key)
    expect(default_server.verify(token), 401, token_err(NO_ID))


def test_verify_token_without_exp_is_401_token_has_no_exp_claim(default_server, signing_key, gokul_id):
    token = mint(without(simplejwt_claims(gokul_id, "access"), "exp"), signing_key)
    expect(default_server.verify(token), 401, token_err(NO_EXP))


@pytest.mark.parametrize("exp", ["9999999999", 1e20], ids=repr)
def test_verify_token_with_numeric_string_or_huge_exp_is_401_token_not_valid(default_server, signing_key, gokul_id, exp):
    # simplejwt: 500 (datetime conversion of the exp PyJWT accepted). authd: 401 token_not_valid.
    token = mint(simplejwt_claims(gokul_id, "access", exp=exp), signing_key)
    expect_absurd_claim_rejected(default_server.verify(token), protected=False)


def test_verify_token_with_wrong_audience_is_401_token_is_invalid(custom_server, signing_key, gokul_id):
    token = mint(simplejwt_claims(gokul_id, "access", aud="someone-else", iss=CUSTOM["issuer"]), signing_key)
    expect(custom_server.verify(token), 401, token_err(INVALID))


def test_verify_token_with_right_audience_and_issuer_is_200(custom_server, signing_key, gokul_id):
    token = mint(simplejwt_claims(gokul_id, "access", aud=CUSTOM["audience"], iss=CUSTOM["issuer"]), signing_key)
    expect(custom_server.verify(token), 200, {})


# --- 400 / 405 ---------------------------------------------------------------------------------------------

def test_verify_without_token_field_is_400_token_required(default_server):
    expect(default_server.post(VERIFY, {}), 400, field_errors(REQUIRED, "token"))


def test_verify_with_refresh_field_instead_of_token_is_400_token_required(default_server, users):
    refresh = default_server.obtain("Gokul", "123")["refresh"]
    expect(default_server.post(VERIFY, {"refresh": refresh}), 400, field_errors(REQUIRED, "token"))


def test_verify_with_blank_token_is_400_may_not_be_blank(default_server):
    expect(default_server.verify(""), 400, field_errors(BLANK, "token"))


def test_verify_with_null_token_is_400_may_not_be_null(default_server):
    expect(default_server.verify(None), 400, field_errors(NULL, "token"))


def test_verify_with_list_token_is_400_not_a_valid_string(default_server):
    expect(default_server.verify(["a.b.c"]), 400, field_errors(NOT_A_STRING, "token"))


def test_verify_with_string_body_is_400_expected_a_dictionary(default_server):
    expect(default_server.post(VERIFY, "a.b.c"), 400, not_a_dict("str"))


def test_verify_with_get_is_405(default_server):
    expect(default_server.get(VERIFY), 405, method_not_allowed("GET"))
