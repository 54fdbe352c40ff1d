"""A custom user model (AUTH_USER_MODEL = accounts.EmailUser: AbstractBaseUser + PermissionsMixin,
USERNAME_FIELD = "email", a UUID primary key, table accounts_emailuser) on a database of its own.
authd is given AUTHD_USER_TABLE=accounts_emailuser and AUTHD_USERNAME_FIELD=email."""

import uuid

import pytest

from authd_testlib import BLACKLISTED, NO_ACTIVE_ACCOUNT, REQUIRED, field_errors, token_err
from django_testlib import claims, expect, expect_tokens, me_body, obtain_pair

SIDES = ["django", "authd"]


def _server(pair, side):
    return pair.django if side == "django" else pair.authd


def test_django_email_user_logs_in_at_authd_with_the_email_field(custom, custom_takeover):
    user = custom_takeover.create_user("login")
    assert "@" in user.username and str(uuid.UUID(user.id)) == user.id
    tokens = obtain_pair(custom.authd, user)
    expect(custom.authd.me(tokens["access"]), 200, me_body(user))


def test_login_body_with_username_instead_of_email_is_400_email_required_at_both(custom, custom_takeover):
    user = custom_takeover.create_user("username-field")
    for _, server in custom.both:
        expect(server.post("/api/token/", {"username": user.username, "password": user.password}), 400,
               field_errors(REQUIRED, "email"))


def test_wrong_password_of_an_email_user_is_401_at_both(custom, custom_takeover):
    user = custom_takeover.create_user("wrong")
    for _, server in custom.both:
        expect(server.post("/api/token/", {"email": user.username, "password": user.password + "x"}), 401,
               NO_ACTIVE_ACCOUNT)


def test_both_sides_write_the_uuid_as_a_string_in_user_id(custom, custom_takeover):
    user = custom_takeover.create_user("claim")
    for _, server in custom.both:
        tokens = obtain_pair(server, user)
        for name in ("access", "refresh"):
            assert claims(tokens[name])["user_id"] == user.id, (server.base_url, name)


@pytest.mark.parametrize("issuer", SIDES, ids=["from_django", "from_authd"])
def test_access_token_of_a_uuid_user_from_either_side_is_accepted_by_the_others_protected_view(
        custom, custom_takeover, issuer):
    user = custom_takeover.create_user("me")
    access = obtain_pair(_server(custom, issuer), user)["access"]
    for _, server in custom.both:
        expect(server.me(access), 200, me_body(user))


@pytest.mark.parametrize("issuer", SIDES, ids=["from_django", "from_authd"])
def test_refresh_token_of_a_uuid_user_refreshes_at_the_other_side(custom, custom_takeover, issuer):
    user = custom_takeover.create_user("refresh")
    issuing = _server(custom, issuer)
    access = expect_tokens(custom.other(issuing).refresh(obtain_pair(issuing, user)["refresh"]), ("access",))["access"]
    assert claims(access)["user_id"] == user.id
    for _, server in custom.both:
        expect(server.me(access), 200, me_body(user))


@pytest.mark.parametrize("issuer", SIDES, ids=["issued_by_django", "issued_by_authd"])
def test_refresh_token_of_a_uuid_user_blacklisted_on_one_side_is_refused_by_the_other(custom, custom_takeover,
                                                                                       issuer):
    user = custom_takeover.create_user("blacklist")
    issuing = _server(custom, issuer)
    refresh = obtain_pair(issuing, user)["refresh"]
    expect(issuing.blacklist(refresh), 200, {})
    other = custom.other(issuing)
    expect(other.refresh(refresh), 401, token_err(BLACKLISTED))
    expect(other.blacklist(refresh), 401, token_err(BLACKLISTED))
    # The OutstandingToken row's user_id is the UUID (a uuid column on this database).
    row = custom_takeover.users({"op": "outstanding", "jti": claims(refresh)["jti"]})[0]
    assert row == {"user_id": user.id, "blacklisted": True}


def test_inactive_email_user_is_refused_by_both(custom, custom_takeover):
    user = custom_takeover.create_user("inactive", active=False)
    for _, server in custom.both:
        expect(server.post("/api/token/", user.login), 401, NO_ACTIVE_ACCOUNT)
