"""Interoperability with a Django service sharing the key: authd's tokens decode with PyJWT 2.15
(what simplejwt uses) the way simplejwt's TokenBackend decodes them, and tokens that PyJWT mints
with simplejwt's claims are accepted by authd. Also the RS256 profile (PEM key file)."""

import time
import uuid

import jwt
import pytest

from authd_testlib import (
    CUSTOM,
    INVALID,
    LEDGER,
    decode_jwt,
    expect,
    expect_tokens,
    mint,
    protected_err,
    public_jwk,
    public_pem,
    simplejwt_claims,
    token_err,
)

ARTICLE_ACCESS_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNjk0ODUxMDk4LCJpYXQiOjE2OTQ4NT"
    "EwMzgsImp0aSI6ImE4OTcwNzAyMjA1ZjRmYjNiYTMxYzYxMzE1YzNiZTE3IiwidXNlcl9pZCI6MX0.HumqieCcbz92Dn6WJt4Hmtg0QtNQ8a"
    "z_y0JgNfW89-Q"
)


def simplejwt_decode(token, key, token_type, *, algorithm="HS256", audience=None, issuer=None):
    """What simplejwt 5.5 does with a token: TokenBackend.decode (PyJWT), then Token.verify."""
    claims = jwt.decode(token, key, algorithms=[algorithm], audience=audience, issuer=issuer, leeway=0,
                        options={"verify_aud": audience is not None, "verify_signature": True})
    assert "exp" in claims and "jti" in claims, claims
    assert claims.get("token_type") == token_type, claims
    return claims


def pyjwt_token(claims, key, algorithm="HS256"):
    token = jwt.encode(claims, key, algorithm=algorithm)
    LEDGER.add(token, "token")
    return token


# --- authd -> Django -----------------------------------------------------------------------------------

def test_authd_login_tokens_decode_with_pyjwt_and_the_same_secret(default_server, users, signing_key, gokul_id):
    pair = default_server.obtain("Gokul", "123")
    access = simplejwt_decode(pair["access"], signing_key, "access")
    refresh = simplejwt_decode(pair["refresh"], signing_key, "refresh")
    assert access["user_id"] == refresh["user_id"] == gokul_id
    assert jwt.get_unverified_header(pair["access"]) == {"alg": "HS256", "typ": "JWT"}


def test_authd_refreshed_and_rotated_tokens_decode_with_pyjwt(default_server, rotate_server, users, signing_key):
    refreshed = expect_tokens(default_server.refresh(default_server.obtain("Gokul", "123")["refresh"]), ("access",))
    simplejwt_decode(refreshed["access"], signing_key, "access")
    rotated = expect_tokens(rotate_server.refresh(rotate_server.obtain("Gokul", "123")["refresh"]), ("access", "refresh"))
    simplejwt_decode(rotated["access"], signing_key, "access")
    simplejwt_decode(rotated["refresh"], signing_key, "refresh")


def test_authd_tokens_with_audience_and_issuer_decode_with_pyjwt_requiring_them(custom_server, users, signing_key):
    pair = custom_server.obtain("Gokul", "123")
    for name in ("access", "refresh"):
        claims = simplejwt_decode(pair[name], signing_key, name, audience=CUSTOM["audience"], issuer=CUSTOM["issuer"])
        assert claims["aud"] == CUSTOM["audience"] and claims["iss"] == CUSTOM["issuer"]
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(pair["access"], signing_key, algorithms=["HS256"], audience="someone-else")


def test_authd_tokens_fail_pyjwt_verification_with_another_secret(default_server, users):
    pair = default_server.obtain("Gokul", "123")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(pair["access"], "not-the-secret-not-the-secret-not-the-secret", algorithms=["HS256"])


# --- Django (PyJWT) -> authd ----------------------------------------------------------------------------------

def test_pyjwt_minted_access_token_with_simplejwt_claims_opens_the_protected_route(default_server, signing_key, gokul_id):
    token = pyjwt_token(simplejwt_claims(gokul_id, "access"), signing_key)
    expect(default_server.me(token), 200, {"id": int(gokul_id), "username": "Gokul"})
    expect(default_server.verify(token), 200, {})


def test_pyjwt_minted_refresh_token_is_accepted_by_refresh_and_blacklist(default_server, signing_key, gokul_id):
    token = pyjwt_token(simplejwt_claims(gokul_id, "refresh"), signing_key)
    access = expect_tokens(default_server.refresh(token), ("access",))["access"]
    claims = simplejwt_decode(access, signing_key, "access")
    assert claims["user_id"] == gokul_id
    expect(default_server.me(access), 200)
    expect(default_server.blacklist(token), 200, {})


def test_pyjwt_minted_tokens_with_integer_user_id_like_the_articles_are_accepted(default_server, signing_key, gokul_id):
    # The article's sample tokens carry "user_id":1 (older simplejwt); such tokens still work.
    now = int(time.time())
    access = pyjwt_token({"token_type": "access", "exp": now + 60, "iat": now, "jti": uuid.uuid4().hex,
                          "user_id": int(gokul_id)}, signing_key)
    expect(default_server.me(access), 200, {"id": int(gokul_id), "username": "Gokul"})


def test_pyjwt_minted_token_with_another_secret_is_rejected(default_server, gokul_id):
    token = pyjwt_token(simplejwt_claims(gokul_id, "access"), "some-other-django-secret-key-0123456789")
    expect(default_server.me(token), 401, protected_err(INVALID))


def test_article_sample_access_token_is_401_token_is_invalid(default_server):
    # Signed with the article author's key: the signature fails before its 2023 exp is looked at.
    expect(default_server.me(ARTICLE_ACCESS_TOKEN), 401, protected_err(INVALID))
    expect(default_server.verify(ARTICLE_ACCESS_TOKEN), 401, token_err(INVALID))


# --- RS256 (AUTHD_ALGORITHM=RS256, AUTHD_SIGNING_KEY_FILE=<PKCS#8 PEM>) ------------------------------------------

def test_rs256_tokens_have_rs256_header_and_verify_with_pyjwt_and_the_public_key(rs256_server, servers, users):
    public_key = servers.rsa_private_key.public_key()
    pair = rs256_server.obtain("Gokul", "123")
    for name in ("access", "refresh"):
        assert decode_jwt(pair[name]).header_bytes == b'{"alg":"RS256","typ":"JWT"}'
        simplejwt_decode(pair[name], public_key, name, algorithm="RS256")
    refreshed = expect_tokens(rs256_server.refresh(pair["refresh"]), ("access",))["access"]
    simplejwt_decode(refreshed, public_key, "access", algorithm="RS256")


def test_pyjwt_minted_rs256_tokens_are_accepted_by_the_rs256_server(rs256_server, servers, gokul_id):
    private_key = servers.rsa_private_key
    access = pyjwt_token(simplejwt_claims(gokul_id, "access"), private_key, "RS256")
    expect(rs256_server.me(access), 200, {"id": int(gokul_id), "username": "Gokul"})
    refresh = pyjwt_token(simplejwt_claims(gokul_id, "refresh"), private_key, "RS256")
    expect_tokens(rs256_server.refresh(refresh), ("access",))


def test_rs256_server_refuses_hs256_token_keyed_with_its_own_public_key(rs256_server, servers, gokul_id):
    # The classic algorithm-confusion attack: HMAC keyed with the server's public key PEM.
    pem = public_pem(servers.rsa_private_key)
    token = mint(simplejwt_claims(gokul_id, "access"), pem, "HS256")
    expect(rs256_server.me(token), 401, protected_err(INVALID))
    refresh = mint(simplejwt_claims(gokul_id, "refresh"), pem, "HS256")
    expect(rs256_server.refresh(refresh), 401, token_err(INVALID))


def test_rs256_server_refuses_alg_none_other_rsa_keys_and_embedded_jwks(rs256_server, gokul_id):
    from authd_testlib import attacker_rsa_key

    claims = simplejwt_claims(gokul_id, "access")
    attacker = attacker_rsa_key()
    for token in (
        mint(claims, None, "none", header={"alg": "none", "typ": "JWT"}),
        mint(claims, attacker, "RS256"),
        mint(claims, attacker, "RS256", header={"alg": "RS256", "typ": "JWT", "jwk": public_jwk(attacker)}),
    ):
        expect(rs256_server.me(token), 401, protected_err(INVALID))


def test_rs256_server_refuses_tokens_signed_with_the_shared_hmac_secret(rs256_server, signing_key, gokul_id):
    token = mint(simplejwt_claims(gokul_id, "access"), signing_key, "HS256")
    expect(rs256_server.me(token), 401, protected_err(INVALID))


# --- the key set: services verify authd's tokens with its public key, found at a well-known URL ------------

def test_jwks_publishes_the_rs256_public_key_and_pyjwt_verifies_authd_tokens_with_it(rs256_server):
    resp = rs256_server.get("/.well-known/jwks.json")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/json"
    keys = resp.json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and keys[0]["use"] == "sig"
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(keys[0]), "private members published"
    key = jwt.PyJWKSet.from_dict(resp.json()).keys[0]
    tokens = rs256_server.obtain("Gokul", "123")
    for kind in ("access", "refresh"):
        claims = jwt.decode(tokens[kind], key.key, algorithms=["RS256"])
        assert claims["token_type"] == kind


def test_jwks_is_empty_with_an_hmac_secret(default_server):
    resp = default_server.get("/.well-known/jwks.json")
    assert resp.status_code == 200 and resp.json() == {"keys": []}
