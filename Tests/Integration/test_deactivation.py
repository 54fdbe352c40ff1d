"""`authd user deactivate` takes effect at once (within the cache's bound where an instance has
the user cached): refresh answers simplejwt's code-less "No active account found for the given
token." (Surprise 5), the protected route user_inactive, login "no active account"; `authd user
activate` undoes it."""

from authd_testlib import (
    CACHE_LEASE,
    NO_ACTIVE_ACCOUNT,
    NO_ACTIVE_ACCOUNT_FOR_TOKEN,
    USER_INACTIVE,
    expect,
    expect_tokens,
    expect_within,
)


def deactivated_user_with_tokens(server, make_user, cli):
    user = make_user("deact")
    tokens = server.obtain(user.username, user.password)
    cli.run("user", "deactivate", user.username)
    return user, tokens


def test_refresh_after_deactivation_is_401_no_active_account_for_the_given_token_without_code(
        default_server, make_user, cli):
    _, tokens = deactivated_user_with_tokens(default_server, make_user, cli)
    resp = default_server.refresh(tokens["refresh"])
    body = expect(resp, 401, NO_ACTIVE_ACCOUNT_FOR_TOKEN)
    assert "code" not in body


def test_me_after_deactivation_is_401_user_inactive_within_the_cache_bound(default_server, make_user, cli):
    user = make_user("deact-me")
    tokens = default_server.obtain(user.username, user.password)
    expect(default_server.me(tokens["access"]), 200)  # now cached
    cli.run("user", "deactivate", user.username)
    expect_within(CACHE_LEASE, lambda: default_server.me(tokens["access"]), 401, USER_INACTIVE)


def test_login_after_deactivation_is_401_no_active_account(default_server, make_user, cli):
    user, _ = deactivated_user_with_tokens(default_server, make_user, cli)
    expect(default_server.login(user.username, user.password), 401, NO_ACTIVE_ACCOUNT)


def test_deactivation_is_seen_by_every_server_sharing_the_database(default_server, rotate_server, make_user, cli):
    _, tokens = deactivated_user_with_tokens(default_server, make_user, cli)
    expect(rotate_server.me(tokens["access"]), 401, USER_INACTIVE)
    expect(rotate_server.refresh(tokens["refresh"]), 401, NO_ACTIVE_ACCOUNT_FOR_TOKEN)


def test_refresh_of_inactive_user_on_rotate_profile_does_not_revoke_the_token(rotate_server, make_user, cli):
    # simplejwt checks the user before it rotates: the token is refused, not consumed.
    user = make_user("deact-rot")
    tokens = rotate_server.obtain(user.username, user.password)
    cli.run("user", "deactivate", user.username)
    expect(rotate_server.refresh(tokens["refresh"]), 401, NO_ACTIVE_ACCOUNT_FOR_TOKEN)
    cli.run("user", "activate", user.username)
    expect_tokens(rotate_server.refresh(tokens["refresh"]), ("access", "refresh"))


def test_verify_and_blacklist_still_accept_tokens_of_an_inactive_user(default_server, make_user, cli):
    # Neither endpoint looks at the user.
    _, tokens = deactivated_user_with_tokens(default_server, make_user, cli)
    expect(default_server.verify(tokens["access"]), 200, {})
    expect(default_server.verify(tokens["refresh"]), 200, {})
    expect(default_server.blacklist(tokens["refresh"]), 200, {})


def test_activate_restores_login_refresh_and_me(default_server, make_user, cli):
    user, tokens = deactivated_user_with_tokens(default_server, make_user, cli)
    cli.run("user", "activate", user.username)
    expect(default_server.me(tokens["access"]), 200)
    expect_tokens(default_server.refresh(tokens["refresh"]), ("access",))
    default_server.obtain(user.username, user.password)


def test_user_created_inactive_cannot_log_in_until_activated(default_server, cli, migrated):
    from authd_testlib import User, new_password, unique

    user = User(unique("born-inactive"), new_password(), active=False)
    cli.create_user(user.username, user.password, active=False)
    expect(default_server.login(user.username, user.password), 401, NO_ACTIVE_ACCOUNT)
    cli.run("user", "activate", user.username)
    default_server.obtain(user.username, user.password)
