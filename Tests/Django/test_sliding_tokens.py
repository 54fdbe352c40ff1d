"""Sliding tokens both ways (AUTH_TOKEN_CLASSES = (SlidingToken,), SLIDING_TOKEN_LIFETIME 600 s,
SLIDING_TOKEN_REFRESH_LIFETIME 7200 s on both): a sliding token from either side is accepted by
the other's protected view and refreshes at the other, keeping its jti and refresh_exp; each is
an OutstandingToken, and one blacklisted in Django is refused by authd, refreshed copies too."""

import pytest

from authd_testlib import BLACKLISTED, CACHE_LEASE, WRONG_TYPE, expect_within, token_err
from django_testlib import claims, expect, expect_tokens, me_body, obtain_pair, obtain_sliding

SIDES = ["django", "authd"]


def _server(pair, side):
    return pair.django if side == "django" else pair.authd


def sliding_err(message: str) -> dict:
    """The protected view's token error when SlidingToken is the only AUTH_TOKEN_CLASS."""
    return {
        "detail": "Given token not valid for any token type",
        "code": "token_not_valid",
        "messages": [{"token_class": "SlidingToken", "token_type": "sliding", "message": message}],
    }


@pytest.mark.parametrize("issuer", SIDES, ids=["from_django", "from_authd"])
def test_sliding_token_from_either_side_is_accepted_by_the_others_protected_view(sliding, takeover, issuer):
    user = takeover.create_user("sliding")
    token = obtain_sliding(_server(sliding, issuer), user)
    for _, server in sliding.both:
        expect(server.me(token), 200, me_body(user))


def test_both_sides_issue_sliding_tokens_with_the_same_claims_and_lifetimes(sliding, takeover):
    user = takeover.create_user("sliding-shape")
    from_django, from_authd = (claims(obtain_sliding(server, user)) for server in (sliding.django, sliding.authd))
    assert list(from_authd) == list(from_django) == ["token_type", "exp", "iat", "jti", "refresh_exp", "user_id"]
    for token in (from_django, from_authd):
        assert token["token_type"] == "sliding" and token["user_id"] == user.id
        assert token["exp"] - token["iat"] == 600 and token["refresh_exp"] - token["iat"] == 7200


@pytest.mark.parametrize("issuer", SIDES, ids=["from_django", "from_authd"])
def test_sliding_token_from_either_side_refreshes_at_the_other_keeping_jti_and_refresh_exp(sliding, takeover,
                                                                                         issuer):
    user = takeover.create_user("slide")
    issuing = _server(sliding, issuer)
    token = obtain_sliding(issuing, user)
    refreshed = expect_tokens(sliding.other(issuing).post("/api/token/sliding/refresh/", {"token": token}),
                              ("token",))["token"]
    before, after = claims(token), claims(refreshed)
    assert after["jti"] == before["jti"] and after["refresh_exp"] == before["refresh_exp"]
    assert after["exp"] >= before["exp"] and after["user_id"] == user.id
    for _, server in sliding.both:
        expect(server.me(refreshed), 200, me_body(user))


def test_authd_records_each_sliding_token_it_issues_as_an_outstanding_token(sliding, takeover):
    user = takeover.create_user("sliding-row")
    jti = claims(obtain_sliding(sliding.authd, user))["jti"]
    assert takeover.users({"op": "outstanding", "jti": jti})[0] == {"user_id": user.id, "blacklisted": False}


@pytest.mark.parametrize("issuer", SIDES, ids=["from_django", "from_authd"])
def test_sliding_token_blacklisted_in_django_is_refused_by_both_with_every_refreshed_copy(sliding, takeover, issuer):
    user = takeover.create_user("sliding-black")
    token = obtain_sliding(_server(sliding, issuer), user)
    copy = expect_tokens(sliding.authd.post("/api/token/sliding/refresh/", {"token": token}), ("token",))["token"]
    takeover.users({"op": "blacklist_sliding", "token": token})
    for _, server in sliding.both:
        for presented in (token, copy):
            # authd has the token's state cached: the blacklisting reaches it as a notification.
            expect_within(CACHE_LEASE, lambda: server.me(presented), 401, sliding_err(BLACKLISTED))
            expect(server.post("/api/token/sliding/refresh/", {"token": presented}), 401, token_err(BLACKLISTED))


def test_access_token_is_refused_by_both_when_only_sliding_tokens_authenticate(sliding, takeover):
    user = takeover.create_user("sliding-access")
    for _, issuing in sliding.both:
        access = obtain_pair(issuing, user)["access"]
        for _, server in sliding.both:
            expect(server.me(access), 401, sliding_err(WRONG_TYPE))
