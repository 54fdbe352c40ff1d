"""Brute-force protection (README, "Brute-force protection"): failed logins are counted in
PostgreSQL per (username, address) pair, per address and per username; past a limit the login
answers DRF's throttled answer (429, Retry-After, DRF's `detail`) before any hash is computed.
One address cannot lock a user out elsewhere, X-Forwarded-For counts only from trusted proxies,
and every instance on the database shares the counts.

Each test runs its own servers with small windows. Most trust 127.0.0.1 as a proxy and give each
client an X-Forwarded-For address of its own, so that the rest of the suite's failed logins (all
from 127.0.0.1) do not count against them."""

import re
import secrets
import subprocess
import time

from authd_testlib import NO_ACTIVE_ACCOUNT, drf_json, expect, expect_tokens, timed

SLIDING = "/api/token/sliding/"


def throttled_body(wait: int) -> dict:
    """DRF 3.18's Throttled detail (rest_framework/exceptions.py): ngettext, "second" for 1."""
    unit = "second" if wait == 1 else "seconds"
    return {"detail": "Request was throttled. Expected available in %d %s." % (wait, unit)}


def expect_throttled(resp, *, at_most: int) -> int:
    """429 with Retry-After N (1 <= N <= at_most) and DRF's body naming the same N, byte for byte."""
    assert resp.status_code == 429, "expected 429: %s %r" % (resp.status_code, resp.content)
    retry_after = resp.headers.get("Retry-After")
    assert retry_after is not None and re.fullmatch(r"[0-9]+", retry_after), resp.headers
    wait = int(retry_after)
    assert 1 <= wait <= at_most, (wait, at_most)
    expect(resp, 429, throttled_body(wait))
    assert resp.content == drf_json(throttled_body(wait))
    assert "WWW-Authenticate" not in resp.headers
    return wait


def new_address() -> str:
    """A client address nobody else in the run uses."""
    return "10.%d.%d.%d" % tuple(secrets.randbelow(254) + 1 for _ in range(3))


def login(server, username, password, address=None, path="/api/token/"):
    headers = {"X-Forwarded-For": address} if address else None
    return server.post(path, {"username": username, "password": password}, headers=headers)


def throttle_env(pair="off", address="off", user="off", **more):
    env = dict(AUTHD_LOGIN_THROTTLE_PAIR_RATE=pair, AUTHD_LOGIN_THROTTLE_ADDRESS_RATE=address,
               AUTHD_LOGIN_THROTTLE_USER_RATE=user, AUTHD_TRUSTED_PROXIES="127.0.0.1")
    env.update(more)
    return env


def metric(server, name: str, **labels) -> float:
    import requests
    from prometheus_client.parser import text_string_to_metric_families

    text = requests.get(server.base_url + "/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


def test_past_the_pair_limit_both_login_views_answer_drfs_429_even_with_the_right_password(spawn_server, make_user):
    server = spawn_server(**throttle_env(pair="3/30s"))
    user, address = make_user("pair"), new_address()
    for _ in range(3):
        expect(login(server, user.username, "wrong", address), 401, NO_ACTIVE_ACCOUNT)
    wait = expect_throttled(login(server, user.username, "wrong", address), at_most=30)
    assert wait >= 25, "the window is 30 s and the failures are a moment old: %d" % wait
    # Throttled before the password is looked at; the sliding view shares the count.
    expect_throttled(login(server, user.username, user.password, address), at_most=30)
    expect_throttled(login(server, user.username, user.password, address, path=SLIDING), at_most=30)
    assert metric(server, "authd_logins_total", result="throttled") == 3
    assert metric(server, "authd_logins_total", result="failed") == 3


def test_failures_on_the_sliding_view_count_too_and_one_second_is_singular(spawn_server, make_user):
    server = spawn_server(**throttle_env(pair="1/1s"))
    user, address = make_user("sliding"), new_address()
    expect(login(server, user.username, "wrong", address, path=SLIDING), 401, NO_ACTIVE_ACCOUNT)
    resp = login(server, user.username, "wrong", address)
    # Within the 1 s window: DRF rounds the wait up, to 1, and says "second".
    assert expect_throttled(resp, at_most=1) == 1
    assert resp.json() == {"detail": "Request was throttled. Expected available in 1 second."}


def test_a_throttled_login_computes_no_hash(spawn_server, realcost_user):
    # Django's real cost (1,000,000 PBKDF2 iterations): a checked password takes a visible time.
    server = spawn_server("realcost", **throttle_env(pair="2/60s"))
    address = new_address()
    hashed = []
    for _ in range(2):
        resp, elapsed = timed(login, server, realcost_user.username, "wrong-password", address)
        expect(resp, 401, NO_ACTIVE_ACCOUNT)
        hashed.append(elapsed)
    throttled = []
    for password in ["wrong-password", realcost_user.password] * 3:
        resp, elapsed = timed(login, server, realcost_user.username, password, address)
        expect_throttled(resp, at_most=60)
        throttled.append(elapsed)
    print("hashed login %.3f s, throttled %.4f s (worst of 6)" % (min(hashed), max(throttled)))
    assert min(hashed) > 0.05, hashed
    assert max(throttled) < min(0.1, min(hashed) / 3), (throttled, hashed)


def test_failures_from_one_address_do_not_lock_the_user_out_elsewhere(spawn_server, make_user):
    server = spawn_server(**throttle_env(pair="3/60s", address="50/60s", user="20/60s"))
    user, attacker, elsewhere = make_user("victim"), new_address(), new_address()
    for _ in range(3):
        expect(login(server, user.username, "guess", attacker), 401)
    for _ in range(10):
        expect_throttled(login(server, user.username, "guess", attacker), at_most=60)
    # The user, from another address, is neither throttled nor slowed.
    expect(login(server, user.username, "typo", elsewhere), 401, NO_ACTIVE_ACCOUNT)
    expect_tokens(login(server, user.username, user.password, elsewhere), ("refresh", "access"))
    # Even the per-user limit cannot be reached from one address: its throttled attempts are
    # not counted, so it stays at the pair limit.
    fresh = new_address()
    expect_tokens(login(server, user.username, user.password, fresh), ("refresh", "access"))


def test_x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(spawn_server, make_user, sql):
    user = make_user("xff")
    for trusted in (None, "192.0.2.0/24,2001:db8::/32"):
        server = spawn_server(**throttle_env(pair="2/60s", AUTHD_TRUSTED_PROXIES=trusted))
        username = user.username + ("-untrusted" if trusted is None else "-elsewhere")
        # A client that invents a new X-Forwarded-For for each guess is still 127.0.0.1.
        for _ in range(2):
            expect(login(server, username, "guess", new_address()), 401)
        expect_throttled(login(server, username, "guess", new_address()), at_most=60)
        expect_throttled(login(server, username, "guess"), at_most=60)
    assert sql.value("SELECT count(DISTINCT address) FROM authd_login_failure WHERE user_key = sha256(convert_to(%s, 'UTF8'))",
                     user.username + "-untrusted") == 1


def test_the_right_most_untrusted_forwarded_address_is_the_client(spawn_server, make_user, sql):
    server = spawn_server(**throttle_env(pair="2/60s", AUTHD_TRUSTED_PROXIES="127.0.0.1,172.16.0.0/12"))
    user, client = make_user("chain"), new_address()
    # What the client wrote (left of its address) changes every time; the proxies' part does not.
    for _ in range(2):
        chain = "%s, %s, 172.16.5.4" % (new_address(), client)
        expect(login(server, user.username, "guess", chain), 401)
    expect_throttled(login(server, user.username, "guess", "%s,%s" % (new_address(), client)), at_most=60)
    assert sql.rows("SELECT DISTINCT address FROM authd_login_failure WHERE user_key = sha256(convert_to(%s, 'UTF8'))",
                    user.username) == [(client,)]


def test_ipv6_clients_are_counted_by_their_64(spawn_server, make_user):
    server = spawn_server(**throttle_env(pair="2/60s"))
    user = make_user("ipv6")
    prefix = "2001:db8:%x:%x" % (secrets.randbelow(65536), secrets.randbelow(65536))
    expect(login(server, user.username, "guess", prefix + "::1"), 401)
    expect(login(server, user.username, "guess", prefix + ":abcd::2"), 401)
    expect_throttled(login(server, user.username, "guess", prefix + ":ffff:1:2:3"), at_most=60)
    expect(login(server, user.username, "guess", "2001:db8:ffff:ffff::1"), 401)


def test_two_instances_on_one_database_share_the_counts(spawn_server, make_user):
    env = throttle_env(pair="3/60s")
    first, second = spawn_server(**env), spawn_server(**env)
    user, address = make_user("shared"), new_address()
    expect(login(first, user.username, "guess", address), 401)
    expect(login(second, user.username, "guess", address), 401)
    expect(login(first, user.username, "guess", address), 401)
    expect_throttled(login(second, user.username, user.password, address), at_most=60)
    expect_throttled(login(first, user.username, user.password, address), at_most=60)


def test_password_spraying_from_one_address_is_throttled_by_the_address_limit(spawn_server, make_user):
    server = spawn_server(**throttle_env(pair="3/60s", address="8/60s", user="20/60s"))
    sprayer, bystander = new_address(), new_address()
    regular = make_user("regular")
    # A user who logged in from the sprayer's address before (a shared NAT) is known there.
    expect_tokens(login(server, regular.username, regular.password, sprayer), ("refresh", "access"))
    victims = [make_user("spray").username for _ in range(4)] + ["nobody-%s-%d" % (secrets.token_hex(4), n) for n in range(16)]
    answers = [login(server, name, "Summer2024!", sprayer).status_code for name in victims]
    assert answers == [401] * 8 + [429] * 12, answers
    expect_throttled(login(server, "yet-another-" + secrets.token_hex(4), "Winter2024!", sprayer), at_most=60)
    # Only that address: elsewhere the same usernames are answered as always,
    expect(login(server, victims[0], "Summer2024!", bystander), 401, NO_ACTIVE_ACCOUNT)
    # and the known user at the sprayer's address still logs in.
    expect_tokens(login(server, regular.username, regular.password, sprayer), ("refresh", "access"))


def test_past_the_user_limit_only_addresses_the_user_has_not_logged_in_from_wait(spawn_server, make_user):
    server = spawn_server(**throttle_env(pair="3/60s", address="50/60s", user="6/60s"))
    user, home = make_user("targeted"), new_address()
    expect_tokens(login(server, user.username, user.password, home), ("refresh", "access"))
    # A distributed guess: three addresses, two failures each.
    for _ in range(3):
        bot = new_address()
        for _ in range(2):
            expect(login(server, user.username, "guess", bot), 401)
    expect_throttled(login(server, user.username, "guess", new_address()), at_most=60)
    expect_throttled(login(server, user.username, user.password, new_address()), at_most=60)
    # From where the user logged in before: a typo is a 401, the password works.
    expect(login(server, user.username, "typo", home), 401, NO_ACTIVE_ACCOUNT)
    expect_tokens(login(server, user.username, user.password, home), ("refresh", "access"))


def test_the_window_slides_past_and_the_login_is_answered_again(spawn_server, make_user):
    server = spawn_server(**throttle_env(pair="2/2s"))
    user, address = make_user("window"), new_address()
    for _ in range(2):
        expect(login(server, user.username, "guess", address), 401)
    wait = expect_throttled(login(server, user.username, "guess", address), at_most=2)
    time.sleep(wait + 0.2)
    expect(login(server, user.username, "guess", address), 401, NO_ACTIVE_ACCOUNT)
    expect_tokens(login(server, user.username, user.password, address), ("refresh", "access"))


def test_a_successful_login_forgets_the_pairs_failures(spawn_server, make_user, sql):
    server = spawn_server(**throttle_env(pair="3/60s"))
    user, address = make_user("relief"), new_address()
    for _ in range(2):
        expect(login(server, user.username, "typo", address), 401)
    expect_tokens(login(server, user.username, user.password, address), ("refresh", "access"))
    # The write follows the answer: give it a moment.
    deadline = time.monotonic() + 5
    key = "sha256(convert_to(%s, 'UTF8'))"
    while sql.value("SELECT count(*) FROM authd_login_failure WHERE user_key = " + key, user.username) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sql.value("SELECT count(*) FROM authd_login_failure WHERE user_key = " + key, user.username) == 0
    assert sql.rows("SELECT address FROM authd_login_known WHERE user_key = " + key, user.username) == [(address,)]
    for _ in range(3):
        expect(login(server, user.username, "typo", address), 401)


def test_the_defaults_are_on_and_let_a_legitimate_user_through(spawn_server, make_user, authd_bin):
    server = spawn_server(**throttle_env(pair=None, address=None, user=None))
    user, address = make_user("legit"), new_address()
    # A user who mistypes nine times, logs in, and mistypes nine times more is never held back.
    for _ in range(9):
        expect(login(server, user.username, "typo", address), 401, NO_ACTIVE_ACCOUNT)
    expect_tokens(login(server, user.username, user.password, address), ("refresh", "access"))
    deadline = time.monotonic() + 5
    for _ in range(9):
        expect(login(server, user.username, "typo", address), 401, NO_ACTIVE_ACCOUNT)
    # The default pair limit: ten failures in fifteen minutes (the write after the success
    # answer lands before these, but allow for it).
    while time.monotonic() < deadline:
        resp = login(server, user.username, "typo", address)
        if resp.status_code == 429:
            break
        expect(resp, 401)
    wait = expect_throttled(resp, at_most=900)
    assert wait > 850, wait
    expect_tokens(login(server, user.username, user.password, new_address()), ("refresh", "access"))
    help_text = subprocess.run([str(authd_bin), "serve", "--help"], capture_output=True, text=True, timeout=30).stdout
    for name in ("AUTHD_LOGIN_THROTTLE", "AUTHD_LOGIN_THROTTLE_PAIR_RATE", "AUTHD_LOGIN_THROTTLE_ADDRESS_RATE",
                 "AUTHD_LOGIN_THROTTLE_USER_RATE", "AUTHD_LOGIN_THROTTLE_KNOWN_FOR", "AUTHD_TRUSTED_PROXIES"):
        assert re.search(r"^  %s$" % name, help_text, re.MULTILINE), name


def test_login_throttle_off_counts_nothing(spawn_server, make_user):
    server = spawn_server(**throttle_env(pair="1/60s", AUTHD_LOGIN_THROTTLE="off"))
    user, address = make_user("off"), new_address()
    for _ in range(5):
        expect(login(server, user.username, "guess", address), 401, NO_ACTIVE_ACCOUNT)
    expect_tokens(login(server, user.username, user.password, address), ("refresh", "access"))
