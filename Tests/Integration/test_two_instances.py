"""Two authd processes on one PostgreSQL: whatever one of them revokes, the other refuses at once
when it reads the database, and within the cache's bound when it has the user or token cached. (Logout everywhere, deactivation and refresh-token reuse have their
own two-instance tests beside their features; the throttle's are in test_login_throttle.py.)"""

from __future__ import annotations

import time

from authd_testlib import BLACKLISTED, CACHE_LEASE, auth_header, expect, expect_tokens, token_err, within


def test_a_token_blacklisted_on_one_instance_is_refused_by_the_other(spawn_server, make_user):
    one, two = spawn_server("default"), spawn_server("default")
    user = make_user()
    refresh = one.obtain(user.username, user.password)["refresh"]
    expect(one.blacklist(refresh), 200, {})
    expect(two.refresh(refresh), 401, token_err(BLACKLISTED))
    expect(two.blacklist(refresh), 401, token_err(BLACKLISTED))


def test_a_password_changed_on_one_instance_ends_the_other_sessions_on_the_other(spawn_server, make_user):
    one, two = spawn_server("default"), spawn_server("default")
    user = make_user()
    elsewhere = two.obtain(user.username, user.password)
    here = one.obtain(user.username, user.password)
    time.sleep(1.05)  # cut-offs are whole seconds
    new = expect_tokens(one.post("/api/users/me/password/", {"old_password": user.password, "new_password": "changed-on-one-1"},
                                 headers=auth_header(here["access"])), ("refresh", "access"))
    assert two.me(elsewhere["access"]).status_code == 401
    expect(two.refresh(elsewhere["refresh"]), 401, token_err(BLACKLISTED))
    expect(two.me(new["access"]), 200)
    expect(two.login(user.username, user.password), 401)
    two.obtain(user.username, "changed-on-one-1")


def test_a_sliding_token_blacklisted_on_one_instance_is_refused_by_the_other(spawn_server, make_user, sql):
    env = {"AUTHD_AUTH_TOKEN_CLASSES": "SlidingToken"}
    one, two = spawn_server("default", **env), spawn_server("default", **env)
    user = make_user()
    token = one.post("/api/token/sliding/", {"username": user.username, "password": user.password}).json()["token"]
    expect(two.me(token), 200)
    from authd_testlib import decode_jwt

    sql.rows("INSERT INTO token_blacklist_blacklistedtoken (token_id, blacklisted_at) "
             "SELECT id, now() FROM token_blacklist_outstandingtoken WHERE jti = %s", decode_jwt(token).payload["jti"])
    # `two` has the token's state cached: the blacklisting reaches it as a notification.
    within(CACHE_LEASE, lambda: one.me(token).status_code == 401 and two.me(token).status_code == 401, "the blacklisting")
