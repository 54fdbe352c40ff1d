"""The rest of simplejwt's settings, each as AUTHD_<NAME> with simplejwt's meaning: the header
(AUTH_HEADER_TYPES, AUTH_HEADER_NAME), claim names (TOKEN_TYPE_CLAIM, JTI_CLAIM), AUDIENCE as a
list, CHECK_REVOKE_TOKEN with REVOKE_TOKEN_CLAIM, sliding tokens (SLIDING_TOKEN_*,
AUTH_TOKEN_CLASSES and the two sliding views), user columns copied into tokens
(AUTHD_TOKEN_CLAIMS, what a get_token override does) and the views' paths."""

from __future__ import annotations

import hashlib
import time

import jwt
import pytest

from authd_testlib import (
    BLACKLISTED,
    CACHE_LEASE,
    WRONG_TYPE,
    decode_jwt,
    expect,
    expect_refused_to_start,
    expect_within,
    expect_tokens,
    protected_err,
    token_err,
)


def md5_upper(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest().upper()


def sliding_err(*messages: tuple[str, str, str]) -> dict:
    return {"detail": "Given token not valid for any token type", "code": "token_not_valid",
            "messages": [{"token_class": c, "token_type": t, "message": m} for c, t, m in messages]}


# -- the header


def test_auth_header_types_accept_each_scheme_and_the_challenge_names_the_first(spawn_server, make_user):
    user = make_user()
    server = spawn_server("default", AUTHD_AUTH_HEADER_TYPES="JWT, Bearer")
    access = server.obtain(user.username, user.password)["access"]
    for scheme in ("JWT", "Bearer"):
        expect(server.get("/api/users/me/", headers={"Authorization": "%s %s" % (scheme, access)}), 200)
    refused = server.get("/api/users/me/", headers={"Authorization": "Token " + access})
    assert refused.status_code == 401 and refused.json() == {"detail": "Authentication credentials were not provided."}
    assert refused.headers["WWW-Authenticate"] == 'JWT realm="api"'


def test_auth_header_name_is_djangos_meta_name_of_another_header(spawn_server, make_user):
    user = make_user()
    server = spawn_server("default", AUTHD_AUTH_HEADER_NAME="HTTP_X_ACCESS_TOKEN")
    access = server.obtain(user.username, user.password)["access"]
    expect(server.get("/api/users/me/", headers={"X-Access-Token": "Bearer " + access}), 200)
    expect(server.me(access), 401, {"detail": "Authentication credentials were not provided."})


# -- claim names and audiences


def test_token_type_and_jti_claims_can_be_renamed(spawn_server, make_user, sql):
    user = make_user()
    server = spawn_server("default", AUTHD_TOKEN_TYPE_CLAIM="typ_", AUTHD_JTI_CLAIM="tid")
    pair = server.obtain(user.username, user.password)
    claims = decode_jwt(pair["refresh"]).payload
    assert list(claims)[:4] == ["typ_", "exp", "iat", "tid"] and claims["typ_"] == "refresh"
    assert "token_type" not in claims and "jti" not in claims
    expect(server.me(pair["access"]), 200)
    expect_tokens(server.refresh(pair["refresh"]), ("access",))
    expect(server.blacklist(pair["refresh"]), 200, {})
    assert sql.value("SELECT count(*) FROM token_blacklist_outstandingtoken WHERE jti = %s", claims["tid"]) == 1
    expect(server.refresh(pair["refresh"]), 401, token_err(BLACKLISTED))


def test_an_audience_list_is_issued_as_a_list_and_any_one_of_it_is_accepted(spawn_server, make_user, signing_key):
    from authd_testlib import mint, simplejwt_claims

    user = make_user()
    server = spawn_server("default", AUTHD_AUDIENCE='["web", "mobile"]')
    pair = server.obtain(user.username, user.password)
    assert decode_jwt(pair["access"]).payload["aud"] == ["web", "mobile"]
    user_id = decode_jwt(pair["access"]).payload["user_id"]
    expect(server.me(mint(simplejwt_claims(user_id, aud="mobile"), signing_key)), 200)
    expect(server.me(mint(simplejwt_claims(user_id, aud="desktop"), signing_key)), 401, protected_err("Token is invalid"))


# -- CHECK_REVOKE_TOKEN


def test_check_revoke_token_puts_the_hash_md5_in_tokens_and_a_password_change_revokes_them(
        spawn_server, make_user, sql, cli):
    user = make_user()
    server = spawn_server("default", AUTHD_CHECK_REVOKE_TOKEN="true")
    pair = server.obtain(user.username, user.password)
    stored = sql.value("SELECT password FROM auth_user WHERE username = %s", user.username)
    for token in pair.values():
        assert decode_jwt(token).payload["hash_password"] == md5_upper(stored)
        assert list(decode_jwt(token).payload)[-1] == "hash_password"
    expect(server.me(pair["access"]), 200)

    cli.run("user", "set-password", user.username, stdin="an-entirely-new-password\n")
    changed = {"detail": "The user's password has been changed.", "code": "password_changed"}
    expect_within(CACHE_LEASE, lambda: server.me(pair["access"]), 401, changed)
    # As simplejwt: the refresh view does not check the claim, the access token it yields is refused.
    refreshed = expect_tokens(server.refresh(pair["refresh"]), ("access",))
    expect(server.me(refreshed["access"]), 401, changed)
    # A token without the claim (issued with the setting off) is refused too.
    plain = make_user()
    off = spawn_server("default")
    expect(server.me(off.obtain(plain.username, plain.password)["access"]), 401, changed)


def test_check_revoke_token_claims_the_new_hash_when_the_login_rehashes(spawn_server, make_user, sql):
    user = make_user()  # hashed with 1000 iterations; this server wants 2000: the login rehashes
    server = spawn_server("default", AUTHD_CHECK_REVOKE_TOKEN="true", AUTHD_HASH_ITERATIONS="2000")
    pair = server.obtain(user.username, user.password)
    stored = sql.value("SELECT password FROM auth_user WHERE username = %s", user.username)
    assert stored.startswith("pbkdf2_sha256$2000$")
    assert decode_jwt(pair["access"]).payload["hash_password"] == md5_upper(stored)
    expect(server.me(pair["access"]), 200)


# -- sliding tokens


@pytest.fixture
def sliding_server(spawn_server):
    return spawn_server("default", AUTHD_AUTH_TOKEN_CLASSES="rest_framework_simplejwt.tokens.SlidingToken",
                        AUTHD_SLIDING_TOKEN_LIFETIME="60", AUTHD_SLIDING_TOKEN_REFRESH_LIFETIME="600")


def test_a_sliding_token_authenticates_slides_and_keeps_its_id(sliding_server, make_user, sql):
    user = make_user()
    token = expect_tokens(sliding_server.post("/api/token/sliding/", {"username": user.username, "password": user.password}),
                          ("token",))["token"]
    claims = decode_jwt(token).payload
    assert list(claims) == ["token_type", "exp", "iat", "jti", "refresh_exp", "user_id"]
    assert claims["token_type"] == "sliding" and claims["exp"] - claims["iat"] == 60
    assert claims["refresh_exp"] - claims["iat"] == 600
    assert sql.value("SELECT token FROM token_blacklist_outstandingtoken WHERE jti = %s", claims["jti"]) == token
    expect(sliding_server.me(token), 200)
    time.sleep(1.05)
    slid = expect_tokens(sliding_server.post("/api/token/sliding/refresh/", {"token": token}), ("token",))["token"]
    new = decode_jwt(slid).payload
    assert new["jti"] == claims["jti"] and new["refresh_exp"] == claims["refresh_exp"] and new["iat"] > claims["iat"]
    # Access tokens do not authenticate where only sliding tokens do.
    access = sliding_server.obtain(user.username, user.password)["access"]
    expect(sliding_server.me(access), 401, sliding_err(("SlidingToken", "sliding", WRONG_TYPE)))


def test_a_blacklisted_sliding_token_is_refused_with_every_copy(sliding_server, make_user, sql):
    user = make_user()
    token = sliding_server.post("/api/token/sliding/", {"username": user.username, "password": user.password}).json()["token"]
    slid = sliding_server.post("/api/token/sliding/refresh/", {"token": token}).json()["token"]
    # What simplejwt's SlidingToken.blacklist() writes.
    sql.rows("INSERT INTO token_blacklist_blacklistedtoken (token_id, blacklisted_at) "
             "SELECT id, now() FROM token_blacklist_outstandingtoken WHERE jti = %s", decode_jwt(token).payload["jti"])
    for copy in (token, slid):
        # The slide cached the token's state: the blacklisting reaches it as a notification.
        expect_within(CACHE_LEASE, lambda: sliding_server.me(copy), 401, sliding_err(("SlidingToken", "sliding", BLACKLISTED)))
        expect(sliding_server.post("/api/token/sliding/refresh/", {"token": copy}), 401, token_err(BLACKLISTED))


def test_a_sliding_token_past_its_refresh_expiry_no_longer_slides(sliding_server, make_user, signing_key):
    from authd_testlib import mint

    now = int(time.time())
    claims = {"token_type": "sliding", "exp": now + 60, "iat": now - 700, "jti": "a" * 32, "refresh_exp": now - 100, "user_id": "1"}
    expect(sliding_server.post("/api/token/sliding/refresh/", {"token": mint(claims, signing_key)}), 401,
           token_err("Token 'refresh_exp' claim has expired"))
    del claims["refresh_exp"]
    expect(sliding_server.post("/api/token/sliding/refresh/", {"token": mint(claims, signing_key)}), 401,
           token_err("Token has no 'refresh_exp' claim"))


def test_both_token_classes_report_each_refusal(spawn_server, make_user):
    user = make_user()
    server = spawn_server("default", AUTHD_AUTH_TOKEN_CLASSES="AccessToken,SlidingToken")
    pair = server.obtain(user.username, user.password)
    sliding = server.post("/api/token/sliding/", {"username": user.username, "password": user.password}).json()["token"]
    expect(server.me(pair["access"]), 200)
    expect(server.me(sliding), 200)
    expect(server.me(pair["refresh"]), 401, sliding_err(("AccessToken", "access", WRONG_TYPE), ("SlidingToken", "sliding", WRONG_TYPE)))


# -- claims from user columns, and paths


def test_token_claims_copy_user_columns_into_every_token(spawn_server, cli, sql):
    from authd_testlib import LEDGER, unique

    name = unique("claims")
    LEDGER.add("claims-password-1", "password")
    cli.run("user", "create", name, "--email", "%s@example.com" % name, stdin="claims-password-1\n")
    sql.rows("UPDATE auth_user SET is_staff = true WHERE username = %s", name)
    server = spawn_server("default", AUTHD_TOKEN_CLAIMS="email, is_staff")
    pair = server.obtain(name, "claims-password-1")
    for token in pair.values():
        claims = decode_jwt(token).payload
        assert list(claims)[-3:] == ["user_id", "email", "is_staff"]
        assert claims["email"] == "%s@example.com" % name and claims["is_staff"] is True
    assert decode_jwt(expect_tokens(server.refresh(pair["refresh"]), ("access",))["access"]).payload["email"] == "%s@example.com" % name


def test_token_claims_naming_a_missing_column_refuse_to_start(authd_bin, database, migrated, signing_key):
    result = expect_refused_to_start(authd_bin, {"DATABASE_URL": database.url, "AUTHD_SIGNING_KEY": signing_key,
                                                 "AUTHD_TOKEN_CLAIMS": "email,shoe_size"})
    assert "shoe_size" in result.stderr and "AUTHD_TOKEN_CLAIMS" in result.stderr


def test_the_views_are_served_at_configured_paths_as_djoser_does(spawn_server, make_user):
    user = make_user()
    server = spawn_server("default", AUTHD_TOKEN_OBTAIN_PATH="/auth/jwt/create/", AUTHD_TOKEN_REFRESH_PATH="/auth/jwt/refresh/",
                          AUTHD_TOKEN_VERIFY_PATH="/auth/jwt/verify/")
    pair = expect_tokens(server.post("/auth/jwt/create/", {"username": user.username, "password": user.password}),
                         ("refresh", "access"))
    expect_tokens(server.post("/auth/jwt/refresh/", {"refresh": pair["refresh"]}), ("access",))
    expect(server.post("/auth/jwt/verify/", {"token": pair["access"]}), 200, {})
    expect(server.post("/api/token/", {"username": user.username, "password": user.password}), 404)
    moved = server.post("/auth/jwt/create", {"username": user.username, "password": user.password})
    assert moved.status_code == 301 and moved.headers["Location"] == "/auth/jwt/create/"


def test_two_views_on_one_path_refuse_to_start(authd_bin, database, signing_key):
    result = expect_refused_to_start(authd_bin, {"DATABASE_URL": database.url, "AUTHD_SIGNING_KEY": signing_key,
                                                 "AUTHD_TOKEN_VERIFY_PATH": "/api/token/refresh/"})
    assert "/api/token/refresh/" in result.stderr


def test_pyjwt_reads_a_sliding_token_as_simplejwt_would(sliding_server, make_user, signing_key):
    user = make_user()
    token = sliding_server.post("/api/token/sliding/", {"username": user.username, "password": user.password}).json()["token"]
    claims = jwt.decode(token, signing_key, algorithms=["HS256"])
    assert claims["token_type"] == "sliding"
