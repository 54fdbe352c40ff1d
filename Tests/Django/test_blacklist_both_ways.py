"""Blacklisting both ways: simplejwt's token_blacklist tables are the one revocation store. A refresh
token blacklisted on either side (through /api/token/blacklist/ or by rotation) is refused by the
other's refresh and blacklist views; authd records each refresh token it issues as an
OutstandingToken row, as simplejwt does."""

import pytest

from authd_testlib import BLACKLISTED, VERIFY_BLACKLISTED, token_err
from django_testlib import claims, expect, expect_tokens, me_body, obtain_pair

SIDES = ["django", "authd"]


def _server(pair, side):
    return pair.django if side == "django" else pair.authd


@pytest.mark.parametrize("issuer", SIDES, ids=["issued_by_django", "issued_by_authd"])
@pytest.mark.parametrize("blacklister", SIDES, ids=["blacklisted_at_django", "blacklisted_at_authd"])
def test_refresh_token_blacklisted_on_one_side_is_refused_by_the_others_refresh_and_blacklist_views(
        plain, takeover, issuer, blacklister):
    user = takeover.create_user("blacklist")
    refresh = obtain_pair(_server(plain, issuer), user)["refresh"]
    blacklisting = _server(plain, blacklister)
    expect(blacklisting.blacklist(refresh), 200, {})
    other = plain.other(blacklisting)
    expect(other.refresh(refresh), 401, token_err(BLACKLISTED))
    expect(other.blacklist(refresh), 401, token_err(BLACKLISTED))
    # And on the side that blacklisted it, as simplejwt answers.
    expect(blacklisting.refresh(refresh), 401, token_err(BLACKLISTED))


def test_authd_records_each_refresh_token_it_issues_as_an_outstanding_token(plain, takeover):
    user = takeover.create_user("outstanding")
    tokens = obtain_pair(plain.authd, user)
    jti = claims(tokens["refresh"])["jti"]
    assert takeover.users({"op": "outstanding", "jti": jti})[0] == {"user_id": user.id, "blacklisted": False}
    # Access tokens get no row, in simplejwt and in authd.
    assert takeover.users({"op": "outstanding", "jti": claims(tokens["access"])["jti"]})[0] is None


def test_token_blacklisted_at_authd_is_blacklisted_in_djangos_tables(plain, takeover):
    user = takeover.create_user("orm")
    refresh = obtain_pair(plain.django, user)["refresh"]
    expect(plain.authd.blacklist(refresh), 200, {})
    jti = claims(refresh)["jti"]
    assert takeover.users({"op": "outstanding", "jti": jti})[0] == {"user_id": user.id, "blacklisted": True}


def test_validly_signed_refresh_token_neither_side_issued_blacklisted_at_authd_is_refused_by_django(
        plain, takeover, signing_key):
    # simplejwt creates the outstanding row when it blacklists a token it has none for.
    from authd_testlib import mint, simplejwt_claims

    user = takeover.create_user("minted")
    token = mint(simplejwt_claims(user.id, "refresh"), signing_key)
    expect(plain.authd.blacklist(token), 200, {})
    expect(plain.django.refresh(token), 401, token_err(BLACKLISTED))


def test_blacklisting_leaves_access_tokens_already_issued_valid_on_both(plain, takeover):
    user = takeover.create_user("access-lives")
    tokens = obtain_pair(plain.authd, user)
    expect(plain.django.blacklist(tokens["refresh"]), 200, {})
    for _, server in plain.both:
        expect(server.me(tokens["access"]), 200, me_body(user))


@pytest.mark.parametrize("rotator", SIDES, ids=["rotated_at_django", "rotated_at_authd"])
def test_refresh_token_rotated_on_one_side_is_refused_by_the_others_refresh_and_verify_views(rotate, takeover,
                                                                                             rotator):
    user = takeover.create_user("rotated")
    rotating = _server(rotate, rotator)
    old = obtain_pair(rotate.other(rotating), user)["refresh"]
    new = expect_tokens(rotating.refresh(old), ("access", "refresh"))["refresh"]
    other = rotate.other(rotating)
    expect(other.refresh(old), 401, token_err(BLACKLISTED))
    # With BLACKLIST_AFTER_ROTATION on, simplejwt's verify view consults the blacklist: 400.
    expect(other.verify(old), 400, VERIFY_BLACKLISTED)
    expect(other.verify(new), 200, {})
    expect_tokens(other.refresh(new), ("access", "refresh"))
