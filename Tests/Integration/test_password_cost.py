"""The real password cost: Django 5.2's 1,000,000 PBKDF2-SHA256 iterations (the `realcost`
server runs without AUTHD_HASH_ITERATIONS; its user was created the same way). A login must take
under 2 s, an unknown username must cost about as much as a known one (no user enumeration by
timing), and the hashing must not stall the event loop.

Only users created with the real cost log in on this server: a 1000-iteration hash would be
re-hashed on login (Django's must_update), slowing every later login of that user."""

import statistics
import threading

from authd_testlib import NO_ACTIVE_ACCOUNT, expect, expect_tokens, timed


def test_login_with_the_default_1000000_iterations_succeeds_in_under_2s(realcost_server, realcost_user):
    resp, elapsed = timed(realcost_server.login, realcost_user.username, realcost_user.password, timeout=10)
    expect_tokens(resp, ("refresh", "access"))
    assert elapsed < 2.0, "a login with the real hash cost took %.2f s" % elapsed


def test_unknown_username_costs_about_as_much_as_a_wrong_password(realcost_server, realcost_user):
    def median_time(username, password):
        times = []
        for _ in range(3):
            resp, elapsed = timed(realcost_server.login, username, password, timeout=10)
            expect(resp, 401, NO_ACTIVE_ACCOUNT)
            times.append(elapsed)
        return statistics.median(times)

    known = median_time(realcost_user.username, "wrong-password-for-timing")
    unknown = median_time("no-such-user-for-timing", "wrong-password-for-timing")
    assert known > 0.02, "a wrong password on a 1,000,000-iteration hash took only %.3f s" % known
    assert unknown >= 0.3 * known, (
        "unknown user %.3f s vs wrong password %.3f s: usernames can be enumerated by timing" % (unknown, known))


def test_event_loop_stays_responsive_while_real_cost_logins_run(realcost_server, realcost_user):
    results = []

    def login():
        results.append(realcost_server.login(realcost_user.username, realcost_user.password, timeout=20))

    threads = [threading.Thread(target=login) for _ in range(4)]
    for t in threads:
        t.start()
    worst = 0.0
    while any(t.is_alive() for t in threads):
        resp, elapsed = timed(realcost_server.healthz)
        expect(resp, 200, {"status": "ok"})
        worst = max(worst, elapsed)
    for t in threads:
        t.join(timeout=20)
    assert len(results) == 4
    for resp in results:
        expect_tokens(resp, ("refresh", "access"))
    # On 2 cores both busy hashing, the loop still gets scheduled within a few time slices;
    # hashing on a loop thread would hold /healthz behind whole 0.3-0.6 s hashes.
    assert worst < 1.0, "GET /healthz took %.2f s while passwords were being hashed" % worst
