"""Refresh-token families and reuse detection (RFC 9700 §4.14.2), with rotation and
blacklist-after-rotation on: every refresh token belongs to the family its login started;
presenting a token that was already rotated is refused as before *and* blacklists its whole
family, so the thief's copy and the victim's newest token both stop working. Within
AUTHD_REFRESH_REUSE_INTERVAL a client that lost the answer gets the same successor again."""

from __future__ import annotations

import time

import pytest

from authd_testlib import BLACKLISTED, decode_jwt, expect, expect_tokens, token_err
from test_rotation import race

ROTATE = {"AUTHD_ROTATE_REFRESH_TOKENS": "true", "AUTHD_BLACKLIST_AFTER_ROTATION": "true"}


@pytest.fixture
def rotating(spawn_server):
    return spawn_server("default", **ROTATE)


def rotate(server, refresh: str) -> str:
    return expect_tokens(server.refresh(refresh), ("access", "refresh"))["refresh"]


def test_a_stolen_token_used_after_the_victim_rotated_revokes_the_family(rotating, make_user):
    user = make_user()
    stolen = rotating.obtain(user.username, user.password)["refresh"]
    victims = rotate(rotating, stolen)          # the victim refreshes first
    victims = rotate(rotating, victims)
    expect(rotating.refresh(stolen), 401, token_err(BLACKLISTED))   # the thief replays the old token
    expect(rotating.refresh(victims), 401, token_err(BLACKLISTED))  # ...and the victim's newest dies too
    # A new login starts a new family, untouched.
    fresh = rotating.obtain(user.username, user.password)["refresh"]
    rotate(rotating, fresh)


def test_a_thief_who_rotates_first_loses_the_family_when_the_victim_comes_back(rotating, make_user):
    user = make_user()
    stolen = rotating.obtain(user.username, user.password)["refresh"]
    thiefs = rotate(rotating, stolen)           # the thief refreshes first
    expect(rotating.refresh(stolen), 401, token_err(BLACKLISTED))   # the victim's (same) token: reuse
    expect(rotating.refresh(thiefs), 401, token_err(BLACKLISTED))   # the thief's successor is revoked


def test_reuse_is_counted_and_logged_without_the_token(rotating, make_user):
    from test_metrics import scrape, value

    user = make_user()
    first = rotating.obtain(user.username, user.password)["refresh"]
    rotate(rotating, first)
    before = value(scrape(rotating), "authd_token_reuse_total")
    expect(rotating.refresh(first), 401)
    assert value(scrape(rotating), "authd_token_reuse_total") == before + 1
    deadline = time.monotonic() + 3
    while "refresh token reused" not in rotating.stderr_text() and time.monotonic() < deadline:
        time.sleep(0.05)  # the log is written by its own thread
    log = rotating.stderr_text()
    assert "refresh token reused" in log and first not in log


def test_other_families_of_the_user_are_untouched(rotating, make_user):
    user = make_user()
    laptop = rotating.obtain(user.username, user.password)["refresh"]
    phone = rotating.obtain(user.username, user.password)["refresh"]
    rotate(rotating, laptop)
    expect(rotating.refresh(laptop), 401)
    rotate(rotating, phone)


def test_within_the_reuse_interval_the_same_successor_is_handed_out_again(spawn_server, make_user):
    server = spawn_server("default", AUTHD_REFRESH_REUSE_INTERVAL="2", **ROTATE)
    user = make_user()
    first = server.obtain(user.username, user.password)["refresh"]
    successor = rotate(server, first)
    again = expect_tokens(server.refresh(first), ("access", "refresh"))
    assert again["refresh"] == successor
    assert decode_jwt(again["access"]).payload["user_id"] == decode_jwt(successor).payload["user_id"]
    time.sleep(2.2)
    expect(server.refresh(first), 401, token_err(BLACKLISTED))      # too late: reuse
    expect(server.refresh(successor), 401, token_err(BLACKLISTED))  # the family is gone


@pytest.mark.parametrize("interval", ["0", "5"])
def test_concurrent_refreshes_of_one_token_yield_exactly_one_successor(spawn_server, make_user, interval):
    server = spawn_server("default", AUTHD_REFRESH_REUSE_INTERVAL=interval, **ROTATE)
    user = make_user()
    refresh = server.obtain(user.username, user.password)["refresh"]
    answers = race([server], refresh, per_server=8)
    statuses = sorted(a.status_code for a in answers)
    successors = {a.json()["refresh"] for a in answers if a.status_code == 200}
    assert statuses.count(200) >= 1 and set(statuses) <= {200, 401}, statuses
    assert len(successors) == 1, "more than one successor: %d" % len(successors)
    if interval == "0":
        assert statuses.count(200) == 1, statuses


def test_two_instances_share_families(spawn_server, make_user):
    one = spawn_server("default", **ROTATE)
    two = spawn_server("default", **ROTATE)
    user = make_user()
    first = one.obtain(user.username, user.password)["refresh"]
    successor = rotate(one, first)
    expect(two.refresh(first), 401, token_err(BLACKLISTED))       # reuse seen by the other instance
    expect(one.refresh(successor), 401, token_err(BLACKLISTED))


def test_without_blacklisting_rotation_keeps_simplejwts_behaviour(spawn_server, make_user, sql):
    server = spawn_server("default", AUTHD_ROTATE_REFRESH_TOKENS="true")
    user = make_user()
    first = server.obtain(user.username, user.password)["refresh"]
    second = rotate(server, first)
    rotate(server, first)   # the old token stays valid, as in simplejwt
    rotate(server, second)
    family = sql.value("SELECT family FROM authd_token_family WHERE jti = %s", decode_jwt(first).payload["jti"])
    assert family == sql.value("SELECT family FROM authd_token_family WHERE jti = %s", decode_jwt(second).payload["jti"])
