"""POST /api/users/me/password/: the caller's old and new password. The new one is hashed with the
preferred hasher, every earlier token of the user stops working (refresh tokens blacklisted where
Django sees them too, access tokens refused), and the caller gets a new pair to go on with."""

from __future__ import annotations

import time

from authd_testlib import BLACKLISTED, auth_header, decode_jwt, expect, expect_tokens, field_errors, token_err

PATH = "/api/users/me/password/"
WRONG_OLD = "Your old password was entered incorrectly. Please enter it again."


def change(server, access, old, new, **kw):
    return server.post(PATH, {"old_password": old, "new_password": new}, headers=auth_header(access), **kw)


def test_a_password_change_keeps_the_caller_and_ends_every_other_session(default_server, make_user, sql):
    user = make_user()
    other = default_server.obtain(user.username, user.password)          # another device
    mine = default_server.obtain(user.username, user.password)
    time.sleep(1.05)  # cut-offs are whole seconds
    new_password = "a-brand-new-passphrase"
    pair = expect_tokens(change(default_server, mine["access"], user.password, new_password), ("refresh", "access"))
    stored = sql.value("SELECT password FROM auth_user WHERE username = %s", user.username)
    assert stored.startswith("pbkdf2_sha256$") and new_password not in stored

    expect(default_server.me(pair["access"]), 200)
    expect_tokens(default_server.refresh(pair["refresh"]), ("access",))
    for old in (other, mine):
        assert default_server.me(old["access"]).status_code == 401
        expect(default_server.refresh(old["refresh"]), 401, token_err(BLACKLISTED))
        # Blacklisted in simplejwt's own tables, so a Django beside authd refuses them too.
        assert sql.value(
            "SELECT count(*) FROM token_blacklist_blacklistedtoken b JOIN token_blacklist_outstandingtoken o ON o.id = b.token_id "
            "WHERE o.jti = %s", decode_jwt(old["refresh"]).payload["jti"]) == 1
    expect(default_server.login(user.username, user.password), 401)
    default_server.obtain(user.username, new_password)


def test_a_wrong_old_password_or_a_weak_new_one_are_field_errors(default_server, make_user):
    user = make_user()
    access = default_server.obtain(user.username, user.password)["access"]
    expect(change(default_server, access, "not-it", "another-good-one"), 400, field_errors(WRONG_OLD, "old_password"))
    expect(change(default_server, access, user.password, "short"), 400,
           {"new_password": ["This password is too short. It must contain at least 8 characters."]})
    expect(change(default_server, access, user.password, "1234567890"), 400,
           {"new_password": ["This password is entirely numeric."]})
    expect(default_server.post(PATH, {}, headers=auth_header(access)), 400,
           field_errors("This field is required.", "old_password", "new_password"))
    default_server.obtain(user.username, user.password)  # nothing changed


def test_the_route_authenticates_first(default_server):
    expect(default_server.post(PATH, {"old_password": "a", "new_password": "b"}), 401,
           {"detail": "Authentication credentials were not provided."})
    expect(default_server.get(PATH), 401, {"detail": "Authentication credentials were not provided."})


def test_the_minimum_length_is_a_setting(spawn_server, make_user):
    server = spawn_server("default", AUTHD_PASSWORD_MIN_LENGTH="20")
    user = make_user()
    access = server.obtain(user.username, user.password)["access"]
    expect(change(server, access, user.password, "only-eighteen-char"), 400,
           {"new_password": ["This password is too short. It must contain at least 20 characters."]})
