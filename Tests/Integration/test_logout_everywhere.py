"""Logout everywhere (not in simplejwt): POST /api/token/revoke-all/ with a Bearer access token, or
`authd user revoke-tokens NAME`, refuses every token of the user issued before that second,
access tokens on the protected route and refresh tokens on refresh, on every instance, while
later logins and other users are untouched."""

import time

from authd_testlib import BLACKLISTED, expect, protected_err, token_err

REVOKE_ALL = "/api/token/revoke-all/"


def logged_in_twice(server, user) -> list[dict]:
    pairs = [server.obtain(user.username, user.password) for _ in range(2)]
    time.sleep(1.05)  # cut-offs are whole seconds, as iat is: tokens of the same second stay valid
    return pairs


def expect_all_refused(server, pairs) -> None:
    for pair in pairs:
        expect(server.me(pair["access"]), 401, protected_err(BLACKLISTED))
        expect(server.refresh(pair["refresh"]), 401, token_err(BLACKLISTED))


def test_revoke_all_refuses_every_earlier_token_of_the_user_and_later_logins_work(default_server, make_user):
    user, bystander = make_user("logout"), make_user("bystander")
    pairs = logged_in_twice(default_server, user)
    other = default_server.obtain(bystander.username, bystander.password)
    expect(default_server.post(REVOKE_ALL, token=pairs[0]["access"]), 200, {})
    expect_all_refused(default_server, pairs)
    fresh = default_server.obtain(user.username, user.password)
    expect(default_server.me(fresh["access"]), 200)
    expect(default_server.refresh(fresh["refresh"]), 200)
    expect(default_server.me(other["access"]), 200)


def test_revoke_all_needs_a_valid_access_token(default_server, make_user):
    user = make_user("logout-anon")
    pair = default_server.obtain(user.username, user.password)
    expect(default_server.post(REVOKE_ALL), 401)
    expect(default_server.post(REVOKE_ALL, token=pair["refresh"]), 401)
    expect(default_server.me(pair["access"]), 200)


def test_revoke_all_on_one_instance_is_refused_at_once_on_another(default_server, servers, make_user):
    user = make_user("logout-two")
    other = servers.spawn("default")
    try:
        pairs = logged_in_twice(default_server, user)
        expect(other.post(REVOKE_ALL, token=pairs[1]["access"]), 200, {})
        expect_all_refused(default_server, pairs)
        expect_all_refused(other, pairs)
    finally:
        other.stop()


def test_user_revoke_tokens_logs_the_user_out_everywhere(default_server, cli, make_user):
    user = make_user("logout-cli")
    pairs = logged_in_twice(default_server, user)
    cli.run("user", "revoke-tokens", user.username)
    expect_all_refused(default_server, pairs)
    expect(default_server.me(default_server.obtain(user.username, user.password)["access"]), 200)
    result = cli.run("user", "revoke-tokens", "nobody-by-that-name", check=False)
    assert result.returncode != 0 and "no user with username" in result.stderr


def test_rotated_tokens_issued_before_a_logout_are_refused_too(rotate_server, make_user):
    user = make_user("logout-rotate")
    pair = rotate_server.obtain(user.username, user.password)
    rotated = expect(rotate_server.refresh(pair["refresh"]), 200)
    time.sleep(1.05)
    expect(rotate_server.post(REVOKE_ALL, token=rotated["access"]), 200, {})
    expect(rotate_server.refresh(rotated["refresh"]), 401, token_err(BLACKLISTED))
    expect(rotate_server.me(rotated["access"]), 401, protected_err(BLACKLISTED))
