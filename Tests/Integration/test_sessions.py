"""GET /api/sessions/ lists the caller's live sessions (refresh-token families: one per login),
with the client's address and User-Agent at login; DELETE /api/sessions/{id}/ ends one. Nobody
sees or ends another user's sessions."""

from __future__ import annotations

import time

import pytest

from authd_testlib import BLACKLISTED, auth_header, decode_jwt, expect, expect_tokens, token_err

ROTATE = {"AUTHD_ROTATE_REFRESH_TOKENS": "true", "AUTHD_BLACKLIST_AFTER_ROTATION": "true"}


@pytest.fixture
def server(spawn_server):
    return spawn_server("default", AUTHD_SESSION_CLAIM="sid", **ROTATE)


def login(server, user, agent):
    return expect_tokens(server.post("/api/token/", {"username": user.username, "password": user.password},
                                     headers={"User-Agent": agent}), ("refresh", "access"))


def sessions(server, access):
    resp = server.get("/api/sessions/", headers=auth_header(access))
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_each_login_is_a_session_with_its_client_and_the_callers_is_marked(server, make_user):
    user = make_user()
    laptop = login(server, user, "laptop-browser/1.0")
    phone = login(server, user, "phone-app/2.0")
    listed = sessions(server, phone["access"])
    assert [s["user_agent"] for s in listed] == ["phone-app/2.0", "laptop-browser/1.0"]
    assert [s["current"] for s in listed] == [True, False]
    assert all(s["address"] == "127.0.0.1" for s in listed)
    assert listed[1]["id"] == decode_jwt(laptop["refresh"]).payload["jti"] == decode_jwt(laptop["access"]).payload["sid"]
    assert set(listed[0]) == {"id", "created", "last_used", "address", "user_agent", "current"}
    assert listed[0]["created"].endswith("Z") and listed[0]["last_used"] >= listed[0]["created"]


def test_a_rotation_moves_last_used_and_keeps_the_session(server, make_user):
    user = make_user()
    pair = login(server, user, "agent")
    before = sessions(server, pair["access"])[0]
    time.sleep(0.05)
    rotated = expect_tokens(server.refresh(pair["refresh"]), ("access", "refresh"))
    after = sessions(server, rotated["access"])
    assert len(after) == 1 and after[0]["id"] == before["id"] and after[0]["last_used"] > before["last_used"]
    assert after[0]["current"] is True


def test_ending_a_session_stops_its_refresh_tokens_and_leaves_the_others(server, make_user):
    user = make_user()
    laptop = login(server, user, "laptop")
    phone = login(server, user, "phone")
    laptop_id = decode_jwt(laptop["refresh"]).payload["jti"]
    resp = server.request("DELETE", "/api/sessions/%s/" % laptop_id, headers=auth_header(phone["access"]))
    assert resp.status_code == 204 and resp.content == b""
    expect(server.refresh(laptop["refresh"]), 401, token_err(BLACKLISTED))
    assert [s["user_agent"] for s in sessions(server, phone["access"])] == ["phone"]
    expect_tokens(server.refresh(phone["refresh"]), ("access", "refresh"))


def test_nobody_sees_or_ends_another_users_sessions(server, make_user):
    alice, mallory = make_user("alice"), make_user("mallory")
    alices = login(server, alice, "alice-agent")
    mallorys = login(server, mallory, "mallory-agent")
    assert [s["user_agent"] for s in sessions(server, mallorys["access"])] == ["mallory-agent"]
    alice_id = decode_jwt(alices["refresh"]).payload["jti"]
    expect(server.request("DELETE", "/api/sessions/%s/" % alice_id, headers=auth_header(mallorys["access"])), 404,
           {"detail": "Not found."})
    expect_tokens(server.refresh(alices["refresh"]), ("access", "refresh"))


def test_sessions_need_authentication_and_logout_everywhere_ends_them_all(server, make_user):
    expect(server.get("/api/sessions/"), 401, {"detail": "Authentication credentials were not provided."})
    expect(server.request("DELETE", "/api/sessions/x/"), 401, {"detail": "Authentication credentials were not provided."})
    user = make_user()
    first = login(server, user, "one")
    login(server, user, "two")
    time.sleep(1.05)
    expect(server.post("/api/token/revoke-all/", headers=auth_header(first["access"])), 200, {})
    fresh = login(server, user, "three")
    assert [s["user_agent"] for s in sessions(server, fresh["access"])] == ["three"]


def test_without_a_session_claim_tokens_keep_simplejwts_claims_and_none_is_current(spawn_server, make_user):
    server = spawn_server("default")
    user = make_user()
    pair = server.obtain(user.username, user.password)
    assert "sid" not in decode_jwt(pair["access"]).payload
    listed = sessions(server, pair["access"])
    assert len(listed) == 1 and listed[0]["current"] is False
