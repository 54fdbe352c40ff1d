"""The "Token facts" section of simplejwt-behaviour.md: header bytes, claim set, user_id as a
string, jti format, lifetimes, claims copied on refresh, audience lists, algorithm pinning,
base64 padding, kid/typ/crit/nbf/iat handling and leeway."""

import re
import time
import uuid

import pytest

from authd_testlib import (
    ACCESS_LIFETIME,
    CUSTOM,
    EXPIRED,
    INVALID,
    REFRESH_LIFETIME,
    b64url,
    b64url_decode,
    decode_jwt,
    expect,
    expect_tokens,
    mint,
    protected_err,
    sign,
    simplejwt_claims,
    token_err,
)

HS256_HEADER = b'{"alg":"HS256","typ":"JWT"}'
CLAIMS = {"token_type", "exp", "iat", "jti", "user_id"}


def all_issued_tokens(default_server, rotate_server):
    """Tokens from every issuing path: login, refresh, rotation."""
    pair = default_server.obtain("Gokul", "123")
    refreshed = expect_tokens(default_server.refresh(pair["refresh"]), ("access",))
    rotated = expect_tokens(rotate_server.refresh(rotate_server.obtain("Gokul", "123")["refresh"]),
                            ("access", "refresh"))
    return {"login access": pair["access"], "login refresh": pair["refresh"],
            "refreshed access": refreshed["access"], "rotated access": rotated["access"],
            "rotated refresh": rotated["refresh"]}


def test_every_issued_token_header_is_exactly_alg_hs256_typ_jwt(default_server, rotate_server, users):
    for where, token in all_issued_tokens(default_server, rotate_server).items():
        assert decode_jwt(token).header_bytes == HS256_HEADER, where


def test_every_issued_token_has_exactly_simplejwts_claims(default_server, rotate_server, users, gokul_id):
    for where, token in all_issued_tokens(default_server, rotate_server).items():
        claims = decode_jwt(token).payload
        assert set(claims) == CLAIMS, (where, claims)
        assert claims["token_type"] == where.split()[-1], where
        assert type(claims["exp"]) is int and type(claims["iat"]) is int, (where, claims)
        assert claims["user_id"] == gokul_id, where


def test_user_id_claim_is_a_json_string_while_me_returns_an_integer_id(default_server, users):
    tokens = default_server.obtain("Gokul", "123")
    assert b'"user_id":"' in decode_jwt(tokens["access"]).payload_bytes.replace(b" ", b"")
    user_id = decode_jwt(tokens["access"]).payload["user_id"]
    assert isinstance(user_id, str) and re.fullmatch(r"[1-9][0-9]*", user_id)
    assert expect(default_server.me(tokens["access"]), 200)["id"] == int(user_id)


def test_jti_is_32_lowercase_hex_uuid4_and_never_repeats(default_server, users):
    seen = set()
    for _ in range(5):
        pair = default_server.obtain("Gokul", "123")
        for token in pair.values():
            jti = decode_jwt(token).payload["jti"]
            assert re.fullmatch(r"[0-9a-f]{32}", jti), jti
            assert uuid.UUID(hex=jti).version == 4 and uuid.UUID(hex=jti).variant == uuid.RFC_4122, jti
            assert jti not in seen
            seen.add(jti)


def test_refresh_exp_minus_iat_is_the_refresh_lifetime_and_access_is_lifetime_or_one_less(default_server, users):
    before = int(time.time())
    pair = default_server.obtain("Gokul", "123")
    after = int(time.time())
    refresh, access = decode_jwt(pair["refresh"]).payload, decode_jwt(pair["access"]).payload
    assert refresh["exp"] - refresh["iat"] == REFRESH_LIFETIME
    assert access["exp"] - access["iat"] in (ACCESS_LIFETIME, ACCESS_LIFETIME - 1)
    assert before <= refresh["iat"] <= after and before <= access["iat"] <= after


def test_access_and_refresh_of_one_pair_have_equal_exp_minus_lifetime(default_server, users):
    pair = default_server.obtain("Gokul", "123")
    refresh, access = decode_jwt(pair["refresh"]).payload, decode_jwt(pair["access"]).payload
    assert refresh["exp"] - REFRESH_LIFETIME == access["exp"] - ACCESS_LIFETIME


def test_refreshed_access_token_lives_the_access_lifetime_from_the_refresh(default_server, users):
    refresh = default_server.obtain("Gokul", "123")["refresh"]
    before = int(time.time())
    access = decode_jwt(expect_tokens(default_server.refresh(refresh), ("access",))["access"]).payload
    after = int(time.time())
    assert access["exp"] - access["iat"] in (ACCESS_LIFETIME, ACCESS_LIFETIME - 1)
    assert before + ACCESS_LIFETIME <= access["exp"] <= after + ACCESS_LIFETIME


def test_configured_lifetimes_audience_and_issuer_appear_in_issued_tokens(custom_server, users):
    pair = custom_server.obtain("Gokul", "123")
    refresh, access = decode_jwt(pair["refresh"]).payload, decode_jwt(pair["access"]).payload
    for claims in (refresh, access):
        assert set(claims) == CLAIMS | {"aud", "iss"}, claims
        assert claims["aud"] == CUSTOM["audience"] and claims["iss"] == CUSTOM["issuer"], claims
    assert refresh["exp"] - refresh["iat"] == CUSTOM["refresh_lifetime"]
    assert access["exp"] - access["iat"] in (CUSTOM["access_lifetime"], CUSTOM["access_lifetime"] - 1)
    assert refresh["exp"] - CUSTOM["refresh_lifetime"] == access["exp"] - CUSTOM["access_lifetime"]
    expect(custom_server.me(pair["access"]), 200)


def test_refresh_copies_custom_claims_of_the_refresh_token_into_the_access_token(default_server, signing_key, gokul_id):
    extra = {"scope": "read write", "roles": ["admin", "ops"], "org": {"id": 7, "name": "Ops"}}
    refresh = mint(simplejwt_claims(gokul_id, "refresh", **extra), signing_key)
    access = decode_jwt(expect_tokens(default_server.refresh(refresh), ("access",))["access"]).payload
    for name, value in extra.items():
        assert access[name] == value, (name, access)
    assert access["token_type"] == "access" and access["user_id"] == gokul_id
    assert access["jti"] != decode_jwt(refresh).payload["jti"]


def test_refresh_keeps_the_json_type_of_user_id(default_server, signing_key, gokul_id):
    refresh = mint(simplejwt_claims(int(gokul_id), "refresh"), signing_key)
    access = decode_jwt(expect_tokens(default_server.refresh(refresh), ("access",))["access"]).payload
    assert access["user_id"] == int(gokul_id) and type(access["user_id"]) is int


def test_rotation_keeps_custom_claims_in_the_new_refresh_token(rotate_server, signing_key, gokul_id):
    refresh = mint(simplejwt_claims(gokul_id, "refresh", scope="read"), signing_key)
    out = expect_tokens(rotate_server.refresh(refresh), ("access", "refresh"))
    assert decode_jwt(out["access"]).payload["scope"] == "read"
    assert decode_jwt(out["refresh"]).payload["scope"] == "read"


@pytest.mark.parametrize("aud", [[CUSTOM["audience"]], ["other", CUSTOM["audience"]], [CUSTOM["audience"], "other"]],
                         ids=repr)
def test_aud_list_containing_the_configured_audience_is_accepted(custom_server, signing_key, gokul_id, aud):
    access = mint(simplejwt_claims(gokul_id, "access", aud=aud, iss=CUSTOM["issuer"]), signing_key)
    expect(custom_server.me(access), 200)
    expect(custom_server.verify(access), 200, {})
    refresh = mint(simplejwt_claims(gokul_id, "refresh", aud=aud, iss=CUSTOM["issuer"]), signing_key)
    expect_tokens(custom_server.refresh(refresh), ("access",))


@pytest.mark.parametrize("alg", ["HS512", "HS384"])
def test_token_signed_with_same_secret_but_other_hmac_algorithm_is_rejected(default_server, signing_key, gokul_id, alg):
    access = mint(simplejwt_claims(gokul_id, "access"), signing_key, alg)
    refresh = mint(simplejwt_claims(gokul_id, "refresh"), signing_key, alg)
    expect(default_server.me(access), 401, protected_err(INVALID))
    expect(default_server.verify(access), 401, token_err(INVALID))
    expect(default_server.refresh(refresh), 401, token_err(INVALID))
    expect(default_server.blacklist(refresh), 401, token_err(INVALID))


# --- base64url strictness ---------------------------------------------------------------------------------

def test_correctly_padded_signature_segment_is_rejected_401_token_not_valid(default_server, users):
    # DEVIATION from simplejwt: PyJWT 2.15 accepts correct "=" padding on a segment, authd refuses
    # every padded segment (strict RFC 7515 base64url). A 32-byte HS256 MAC is 43 characters, so
    # its correct padding is one "=".
    pair = default_server.obtain("Gokul", "123")
    for name in ("access", "refresh"):
        head, payload, sig = pair[name].split(".")
        assert len(sig) == 43
        pair[name] = "%s.%s.%s=" % (head, payload, sig)
    expect(default_server.me(pair["access"]), 401, protected_err(INVALID))
    expect(default_server.verify(pair["access"]), 401, token_err(INVALID))
    expect(default_server.refresh(pair["refresh"]), 401, token_err(INVALID))


def test_correctly_padded_payload_segment_is_rejected_401_token_not_valid(default_server, signing_key, gokul_id):
    # DEVIATION from simplejwt (see above), on the payload: find claims whose segment needs padding.
    for filler in range(4):
        claims = simplejwt_claims(gokul_id, "access", pad="x" * filler)
        token = mint(claims, signing_key)
        head, payload, sig = token.split(".")
        if len(payload) % 4:
            break
    padded_payload = payload + "=" * (-len(payload) % 4)
    # Sign what is sent (the padded text), as a lenient signer would: only the padding is wrong.
    sig = b64url(sign(("%s.%s" % (head, padded_payload)).encode(), signing_key, "HS256"))
    expect(default_server.me("%s.%s.%s" % (head, padded_payload, sig)), 401, protected_err(INVALID))
    expect(default_server.me(token), 200)  # the same claims unpadded are fine


def test_wrongly_padded_signature_segment_is_rejected(default_server, users):
    access = default_server.obtain("Gokul", "123")["access"]
    for padding in ("==", "===", "===="):
        expect(default_server.me(access + padding), 401, protected_err(INVALID))


def test_non_canonical_base64url_signature_is_rejected(default_server, users):
    # 43 characters carry 258 bits for a 256-bit MAC: the last character's 2 low bits must be 0.
    # Setting one gives a text that lenient decoders map to the same MAC; PyJWT 2.15 and authd refuse it.
    access = default_server.obtain("Gokul", "123")["access"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    head, payload, sig = access.split(".")
    last = alphabet.index(sig[-1])
    assert last & 3 == 0, "authd's own signature is not canonical base64url"
    mutated = sig[:-1] + alphabet[last | 1]
    assert b64url_decode(mutated) == b64url_decode(sig)
    expect(default_server.me("%s.%s.%s" % (head, payload, mutated)), 401, protected_err(INVALID))


# --- header and time claims --------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [
    {"alg": "HS256", "typ": "JWT", "kid": "some-key-id"},
    {"alg": "HS256", "typ": "at+jwt"},
    {"alg": "HS256"},
    {"typ": "JWT", "alg": "HS256"},
], ids=repr)
def test_kid_is_ignored_and_typ_is_not_checked(default_server, signing_key, gokul_id, header):
    token = mint(simplejwt_claims(gokul_id, "access"), signing_key, header=header)
    expect(default_server.me(token), 200)


def test_crit_header_makes_the_token_invalid(default_server, signing_key, gokul_id):
    header = {"alg": "HS256", "typ": "JWT", "crit": ["exp"]}
    expect(default_server.me(mint(simplejwt_claims(gokul_id, "access"), signing_key, header=header)), 401,
           protected_err(INVALID))


def test_nbf_in_the_past_is_accepted_and_in_the_future_rejected(default_server, signing_key, gokul_id):
    now = int(time.time())
    expect(default_server.me(mint(simplejwt_claims(gokul_id, "access", nbf=now - 5), signing_key)), 200)
    expect(default_server.me(mint(simplejwt_claims(gokul_id, "access", nbf=now + 60), signing_key)), 401,
           protected_err(INVALID))


def test_iat_in_the_future_is_rejected(default_server, signing_key, gokul_id):
    now = int(time.time())
    token = mint(simplejwt_claims(gokul_id, "access", iat=now + 60), signing_key)
    expect(default_server.me(token), 401, protected_err(INVALID))
    expect(default_server.verify(token), 401, token_err(INVALID))


def test_leeway_applies_to_exp(custom_server, signing_key, gokul_id):
    now = int(time.time())

    def access(exp):
        return mint(simplejwt_claims(gokul_id, "access", exp=exp, aud=CUSTOM["audience"], iss=CUSTOM["issuer"]),
                    signing_key)

    expect(custom_server.me(access(now - CUSTOM["leeway"] // 3)), 200)
    expect(custom_server.me(access(now - CUSTOM["leeway"] - 60)), 401, protected_err(EXPIRED))


def test_leeway_applies_to_nbf(custom_server, default_server, signing_key, gokul_id):
    now = int(time.time())
    claims = simplejwt_claims(gokul_id, "access", nbf=now + CUSTOM["leeway"] // 3, aud=CUSTOM["audience"],
                              iss=CUSTOM["issuer"])
    expect(custom_server.me(mint(claims, signing_key)), 200)
    expect(default_server.me(mint(claims, signing_key)), 401, protected_err(INVALID))  # no leeway there
    far = dict(claims, nbf=now + CUSTOM["leeway"] + 60)
    expect(custom_server.me(mint(far, signing_key)), 401, protected_err(INVALID))
