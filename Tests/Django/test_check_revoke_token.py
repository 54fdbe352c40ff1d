"""CHECK_REVOKE_TOKEN on both sides: tokens carry REVOKE_TOKEN_CLAIM (`hash_password`, the
upper-case hex MD5 of the stored password hash), and a password change on either side makes the
protected views of both refuse the tokens issued before it."""

import hashlib

import pytest

from authd_testlib import CACHE_LEASE, NO_ACTIVE_ACCOUNT, expect_within
from django_testlib import PASSWORD_CHANGED, claims, expect, expect_tokens, me_body, new_password, obtain_pair

SIDES = ["django", "authd"]


def _server(pair, side):
    return pair.django if side == "django" else pair.authd


def _md5(stored_hash: str) -> str:
    return hashlib.md5(stored_hash.encode()).hexdigest().upper()


def test_both_sides_put_the_upper_case_md5_of_the_stored_hash_in_every_token(revoke, takeover):
    user = takeover.create_user("claim")
    for _, server in revoke.both:
        tokens = obtain_pair(server, user)
        for name in ("access", "refresh"):
            assert claims(tokens[name]).get("hash_password") == _md5(user.hash), (server.base_url, name)


@pytest.mark.parametrize("issuer", SIDES, ids=["from_django", "from_authd"])
def test_after_a_password_change_at_django_tokens_issued_before_are_refused_by_both(revoke, takeover, issuer):
    user = takeover.create_user("changed")
    tokens = obtain_pair(_server(revoke, issuer), user)
    for _, server in revoke.both:
        expect(server.me(tokens["access"]), 200, me_body(user))
    takeover.users({"op": "set_password", "username": user.username, "password": new_password()})
    # authd has the user cached: the change reaches it through PostgreSQL's notification.
    for _, server in revoke.both:
        expect_within(CACHE_LEASE, lambda: server.me(tokens["access"]), 401, PASSWORD_CHANGED)


def test_after_a_password_change_at_authd_tokens_issued_before_are_refused_by_both(revoke, takeover):
    user = takeover.create_user("changed-cli")
    tokens = obtain_pair(revoke.django, user)
    password = new_password()
    takeover.cli.run("user", "set-password", user.username, stdin=password + "\n")
    for _, server in revoke.both:
        expect(server.me(tokens["access"]), 401, PASSWORD_CHANGED)
    user.password = password
    fresh = obtain_pair(revoke.authd, user)
    for _, server in revoke.both:
        expect(server.me(fresh["access"]), 200, me_body(user))


@pytest.mark.parametrize("refresher", SIDES, ids=["refreshed_at_django", "refreshed_at_authd"])
def test_old_refresh_token_still_refreshes_after_a_password_change_but_its_access_token_is_refused(
        revoke, takeover, refresher):
    # simplejwt's refresh view does not check the claim; the new access token copies the old one.
    user = takeover.create_user("old-refresh")
    refresh = obtain_pair(revoke.other(_server(revoke, refresher)), user)["refresh"]
    takeover.users({"op": "set_password", "username": user.username, "password": new_password()})
    access = expect_tokens(_server(revoke, refresher).refresh(refresh), ("access",))["access"]
    assert claims(access)["hash_password"] == _md5(user.hash)
    for _, server in revoke.both:
        expect(server.me(access), 401, PASSWORD_CHANGED)


def test_token_issued_with_check_revoke_token_off_is_refused_by_both_when_it_is_on(plain, revoke, takeover):
    user = takeover.create_user("no-claim")
    for _, issuing in plain.both:
        access = obtain_pair(issuing, user)["access"]
        assert "hash_password" not in claims(access)
        for _, server in revoke.both:
            expect(server.me(access), 401, PASSWORD_CHANGED)


def test_login_at_authd_that_rehashes_puts_the_md5_of_the_new_hash_in_the_claim(revoke, takeover):
    user = takeover.create_user("rehash-claim", hasher="pbkdf2_sha1")
    tokens = obtain_pair(revoke.authd, user)
    stored = takeover.show(user, check=False)["hash"]
    assert stored.startswith("pbkdf2_sha256$") and claims(tokens["access"])["hash_password"] == _md5(stored)
    expect(revoke.django.me(tokens["access"]), 200, me_body(user))


def test_login_with_the_old_password_after_a_change_is_refused_by_both(revoke, takeover):
    user = takeover.create_user("old-password")
    takeover.users({"op": "set_password", "username": user.username, "password": new_password()})
    for _, server in revoke.both:
        expect(server.post("/api/token/", user.login), 401, NO_ACTIVE_ACCOUNT)
