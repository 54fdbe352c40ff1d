"""Clients that go away: a login sent and the socket closed before the answer (while the password
hash or the database query is still running), half-sent requests, slow clients, pipelining.
The server must survive each and serve the next request at once."""

import json
import socket
import threading
import time

import pytest

from authd_testlib import (
    NO_ACTIVE_ACCOUNT,
    expect,
    expect_tokens,
    http_bytes,
    raw_exchange,
    send_and_disconnect,
)


def login_request(username, password):
    body = json.dumps({"username": username, "password": password}).encode()
    return http_bytes("POST", "/api/token/", body, headers=[("Content-Type", "application/json")])


def assert_serving(server, user=None):
    """The server is alive and answers; it logs `user` in (default Gokul). On the realcost server
    pass its own user: Gokul's 1000-iteration hash would be re-hashed there (Django's upgrade)."""
    assert server.alive, "authd died; stderr:\n%s" % server.stderr_text()[-3000:]
    expect(server.healthz(), 200, {"status": "ok"})
    username, password = (user.username, user.password) if user else ("Gokul", "123")
    expect_tokens(server.login(username, password, timeout=10), ("refresh", "access"))


@pytest.mark.parametrize("reset", [False, True], ids=["close", "reset"])
def test_client_closing_right_after_sending_a_login_does_not_hurt_the_server(realcost_server, realcost_user, reset):
    # With the real hash cost the answer takes a while: the client is gone well before it.
    for _ in range(3):
        send_and_disconnect(realcost_server.host, realcost_server.port,
                            login_request(realcost_user.username, realcost_user.password), reset=reset)
        send_and_disconnect(realcost_server.host, realcost_server.port,
                            login_request("no-such-user-xyz", "whatever-password"), reset=reset)
    assert_serving(realcost_server, realcost_user)


def test_many_clients_disconnecting_mid_login_at_once_do_not_hurt_the_server(realcost_server, realcost_user):
    threads = [threading.Thread(target=send_and_disconnect, args=(
        realcost_server.host, realcost_server.port, login_request(realcost_user.username, realcost_user.password)),
        kwargs={"reset": i % 2 == 0}) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert_serving(realcost_server, realcost_user)


def test_client_closing_while_the_database_query_runs_does_not_hurt_the_server(default_server, users):
    access = default_server.obtain("Gokul", "123")["access"]
    me = http_bytes("GET", "/api/users/me/", headers=[("Authorization", "Bearer " + access)], content_length=False)
    for i in range(20):
        send_and_disconnect(default_server.host, default_server.port, me, reset=i % 2 == 0)
        send_and_disconnect(default_server.host, default_server.port, login_request("Gokul", "123"), reset=i % 2 == 1)
    assert_serving(default_server)


@pytest.mark.parametrize("cut", [5, 30, -10], ids=["in-request-line", "in-headers", "in-body"])
def test_client_closing_in_the_middle_of_a_request_does_not_hurt_the_server(default_server, users, cut):
    request = login_request("Gokul", "123")
    for reset in (False, True):
        send_and_disconnect(default_server.host, default_server.port, request[:cut], reset=reset)
    assert_serving(default_server)


def test_body_shorter_than_content_length_then_close_does_not_hurt_the_server(default_server, users):
    request = http_bytes("POST", "/api/token/", b'{"username": "Go', headers=[
        ("Content-Type", "application/json"), ("Content-Length", "100")])
    send_and_disconnect(default_server.host, default_server.port, request)
    assert_serving(default_server)


def test_slow_partial_requests_do_not_block_other_clients(default_server, users):
    idle = []
    try:
        for i in range(30):
            sock = socket.create_connection((default_server.host, default_server.port), timeout=5)
            sock.sendall(b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n" if i % 2 else b"GET /heal")
            idle.append(sock)
        start = time.monotonic()
        expect_tokens(default_server.login("Gokul", "123", timeout=5), ("refresh", "access"))
        assert time.monotonic() - start < 2, "a login waited behind idle partial requests"
    finally:
        for sock in idle:
            sock.close()
    assert_serving(default_server)


def test_request_sent_in_small_pieces_is_answered(default_server, users):
    request = login_request("Gokul", "123")
    pieces = [request[i:i + 7] for i in range(0, len(request), 7)]
    resp = raw_exchange(default_server.host, default_server.port, pieces, pause=0.005)[0]
    expect_tokens(resp, ("refresh", "access"))


def test_pipelined_requests_are_answered_in_order(default_server, users):
    request = (http_bytes("GET", "/healthz", content_length=False) + login_request("Gokul", "wrong-password")
               + login_request("Gokul", "123") + http_bytes("GET", "/nope", content_length=False))
    responses = raw_exchange(default_server.host, default_server.port, request, responses=4)
    assert [r.status_code for r in responses] == [200, 401, 200, 404], [r.status_code for r in responses]
    expect(responses[0], 200, {"status": "ok"})
    expect(responses[1], 401, NO_ACTIVE_ACCOUNT)
    expect_tokens(responses[2], ("refresh", "access"))


def test_keep_alive_connection_serves_many_requests(default_server, users):
    import requests

    with requests.Session() as session:
        for _ in range(20):
            resp = session.post(default_server.base_url + "/api/token/", json={"username": "Gokul", "password": "123"},
                                timeout=10)
            expect_tokens(resp, ("refresh", "access"))


def test_connection_close_request_is_answered_then_the_connection_is_closed(default_server, users):
    request = http_bytes("GET", "/healthz", headers=[("Connection", "close")], content_length=False)
    start = time.monotonic()
    responses = raw_exchange(default_server.host, default_server.port, request, responses=2, timeout=6)
    assert len(responses) == 1
    assert time.monotonic() - start < 4, "the connection stayed open after Connection: close"
    expect(responses[0], 200, {"status": "ok"})
