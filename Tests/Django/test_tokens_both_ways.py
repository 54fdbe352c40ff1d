"""Tokens both ways: an access token from either side is accepted by the other's protected view
(CHECK_REVOKE_TOKEN off and on, the same setting on both), a refresh token from either side
refreshes at the other, and both sides' tokens have the same shape."""

import pytest

from django_testlib import claims, expect, expect_tokens, me_body, obtain_pair

SIDES = ["django", "authd"]


def _server(pair, side):
    return pair.django if side == "django" else pair.authd


@pytest.mark.parametrize("issuer", SIDES, ids=["from_django", "from_authd"])
def test_access_token_from_either_side_is_accepted_by_the_others_protected_view(either_revoke_setting, takeover,
                                                                                issuer):
    pair = either_revoke_setting
    user = takeover.create_user("access")
    tokens = obtain_pair(_server(pair, issuer), user)
    for _, server in pair.both:
        expect(server.me(tokens["access"]), 200, me_body(user))


@pytest.mark.parametrize("issuer", SIDES, ids=["from_django", "from_authd"])
def test_refresh_token_from_either_side_refreshes_at_the_other_and_both_accept_the_new_access_token(
        either_revoke_setting, takeover, issuer):
    pair = either_revoke_setting
    user = takeover.create_user("refresh")
    issuing = _server(pair, issuer)
    refreshed = expect_tokens(pair.other(issuing).refresh(obtain_pair(issuing, user)["refresh"]), ("access",))
    for _, server in pair.both:
        expect(server.me(refreshed["access"]), 200, me_body(user))


@pytest.mark.parametrize("issuer", SIDES, ids=["from_django", "from_authd"])
def test_tokens_from_either_side_verify_at_the_other(plain, takeover, issuer):
    user = takeover.create_user("verify")
    issuing = _server(plain, issuer)
    tokens = obtain_pair(issuing, user)
    for name in ("access", "refresh"):
        expect(plain.other(issuing).verify(tokens[name]), 200, {})


@pytest.mark.parametrize("pair_name", ["plain", "revoke"], ids=["check_revoke_off", "check_revoke_on"])
def test_both_sides_issue_tokens_with_the_same_header_claims_and_user_id(request, takeover, pair_name):
    pair = request.getfixturevalue(pair_name)
    user = takeover.create_user("shape")
    from_django, from_authd = obtain_pair(pair.django, user), obtain_pair(pair.authd, user)
    for name in ("access", "refresh"):
        django_claims, authd_claims = claims(from_django[name]), claims(from_authd[name])
        assert list(authd_claims) == list(django_claims), (name, authd_claims, django_claims)
        assert authd_claims["user_id"] == django_claims["user_id"] == user.id
        assert authd_claims["token_type"] == django_claims["token_type"] == name
        assert authd_claims["exp"] - authd_claims["iat"] in (
            django_claims["exp"] - django_claims["iat"], django_claims["exp"] - django_claims["iat"] - 1)
        assert from_authd[name].split(".")[0] == from_django[name].split(".")[0]  # {"alg":"HS256","typ":"JWT"}


def test_rotated_refresh_token_from_either_side_refreshes_at_the_other(rotate, takeover):
    user = takeover.create_user("rotate")
    # Django rotates authd's token, authd rotates Django's, and the chain goes on.
    refresh = obtain_pair(rotate.authd, user)["refresh"]
    for server in (rotate.django, rotate.authd, rotate.django):
        rotated = expect_tokens(server.refresh(refresh), ("access", "refresh"))
        assert rotated["refresh"] != refresh
        expect(rotate.other(server).me(rotated["access"]), 200, me_body(user))
        refresh = rotated["refresh"]
