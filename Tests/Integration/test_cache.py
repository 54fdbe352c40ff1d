"""The per-instance cache (AUTHD_CACHE, on by default): protected requests, refreshes and
verifications are answered without a database query once a user and token have been read; any
change made to them, by authd or by anyone with SQL, reaches every instance through PostgreSQL's
notifications; and while the listening connection is cut or silent, every read goes to PostgreSQL
again."""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse

import pytest

from authd_testlib import (
    BLACKLISTED, CACHE_LEASE, VERIFY_BLACKLISTED, NO_ACTIVE_ACCOUNT_FOR_TOKEN, USER_INACTIVE, USER_NOT_FOUND, auth_header, decode_jwt, expect,
    expect_refused_to_start, protected_err, token_err, unique, within,
)
from test_metrics import scrape, value

QUERIES = "authd_postgres_queries_total"


def queries(server) -> float:
    return value(scrape(server), QUERIES)


def trusted(server) -> bool:
    return value(scrape(server), "authd_cache_trusted") == 1


def cached_server(spawn_server, **env):
    """A dedicated server whose cache is listening (its counters start at zero). Refreshes do
    not rotate; verifications consult the blacklist (as simplejwt's do with
    BLACKLIST_AFTER_ROTATION)."""
    server = spawn_server("default", **{"AUTHD_BLACKLIST_AFTER_ROTATION": "true", **env})
    within(5, lambda: trusted(server), "the cache's first lease")
    return server


def warm(server, user):
    """A pair whose user and refresh token the server has read once (and so keeps)."""
    pair = server.obtain(user.username, user.password)
    expect(server.me(pair["access"]), 200)
    expect(server.refresh(pair["refresh"]), 200)
    return pair


def test_protected_requests_refreshes_and_verifications_ask_the_database_nothing_once_cached(spawn_server, make_user):
    server = cached_server(spawn_server)
    user = make_user("cache-hits")
    pair = warm(server, user)
    expect(server.verify(pair["refresh"]), 200, {})
    before = scrape(server)
    for _ in range(50):
        expect(server.me(pair["access"]), 200)
        expect(server.refresh(pair["refresh"]), 200)
        expect(server.verify(pair["refresh"]), 200, {})
    after = scrape(server)
    assert value(after, QUERIES) == value(before, QUERIES)
    hits = value(after, "authd_cache_lookups_total", result="hit") - value(before, "authd_cache_lookups_total", result="hit")
    assert hits == 150
    assert value(after, "authd_cache_entries") >= 2 and 0 < value(after, "authd_cache_bytes") <= value(after, "authd_cache_budget_bytes")


def test_with_the_cache_off_every_protected_request_asks_the_database(spawn_server, make_user):
    server = spawn_server("default", AUTHD_CACHE="off")
    user = make_user("cache-off")
    pair = warm(server, user)
    before = queries(server)
    for _ in range(20):
        expect(server.me(pair["access"]), 200)
    after = scrape(server)
    assert value(after, QUERIES) == before + 20
    assert not any(name.startswith("authd_cache") for name, _ in after)


@pytest.mark.parametrize("change", ["deactivate", "delete", "rename", "blacklist", "cutoff", "bulk"])
def test_a_change_made_with_sql_reaches_the_cache(change, spawn_server, make_user, sql):
    server = cached_server(spawn_server)
    user = make_user("cache-sql")
    pair = warm(server, user)
    me = lambda: server.me(pair["access"])  # noqa: E731
    refresh = lambda: server.refresh(pair["refresh"])  # noqa: E731
    if change == "deactivate":
        sql.rows("UPDATE auth_user SET is_active = false WHERE username = %s", user.username)
        within(CACHE_LEASE, lambda: me().status_code == 401, "the deactivation")
        expect(me(), 401, USER_INACTIVE)
        expect(refresh(), 401, NO_ACTIVE_ACCOUNT_FOR_TOKEN)
    elif change == "delete":
        sql.rows("DELETE FROM token_blacklist_outstandingtoken WHERE user_id = (SELECT id FROM auth_user WHERE username = %s)", user.username)
        sql.rows("DELETE FROM auth_user WHERE username = %s", user.username)
        within(CACHE_LEASE, lambda: me().status_code == 401, "the deletion")
        expect(me(), 401, USER_NOT_FOUND)
    elif change == "rename":
        renamed = unique("renamed")
        sql.rows("UPDATE auth_user SET username = %s WHERE username = %s", renamed, user.username)
        within(CACHE_LEASE, lambda: me().json().get("username") == renamed, "the new username")
    elif change == "blacklist":
        jti = decode_jwt(pair["refresh"]).payload["jti"]
        sql.rows("INSERT INTO token_blacklist_blacklistedtoken (token_id, blacklisted_at) "
                 "SELECT id, now() FROM token_blacklist_outstandingtoken WHERE jti = %s", jti)
        within(CACHE_LEASE, lambda: refresh().status_code == 401, "the blacklisting")
        expect(refresh(), 401, token_err(BLACKLISTED))
        expect(server.verify(pair["refresh"]), 400, VERIFY_BLACKLISTED)
        # Taking it off the blacklist (an operator's DELETE) is heard too.
        sql.rows("DELETE FROM token_blacklist_blacklistedtoken WHERE token_id = "
                 "(SELECT id FROM token_blacklist_outstandingtoken WHERE jti = %s)", jti)
        within(CACHE_LEASE, lambda: refresh().status_code == 200, "the un-blacklisting")
    elif change == "cutoff":
        user_id = str(sql.value("SELECT id FROM auth_user WHERE username = %s", user.username))
        sql.rows("INSERT INTO authd_token_cutoff (user_id, not_before) VALUES (%s, now() + interval '1 minute')", user_id)
        within(CACHE_LEASE, lambda: me().status_code == 401, "the cut-off")
        expect(me(), 401, protected_err(BLACKLISTED))
    elif change == "bulk":
        # More rows than the triggers name one by one: every user is forgotten at once.
        sql.rows("INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined) "
                 "SELECT '!', false, %s || n, '', '', '', false, true, now() FROM generate_series(1, 120) n", unique("bulk"))
        sql.rows("UPDATE auth_user SET is_active = (username <> %s) AND is_active", user.username)
        within(CACHE_LEASE, lambda: me().status_code == 401, "the bulk update")
        expect(me(), 401, USER_INACTIVE)


def test_logins_recorded_in_last_login_keep_the_user_cached(spawn_server, make_user, sql):
    server = cached_server(spawn_server, AUTHD_UPDATE_LAST_LOGIN="true")
    user = make_user("cache-last-login")
    pair = warm(server, user)
    before = scrape(server)
    for _ in range(3):
        server.obtain(user.username, user.password)
    assert sql.value("SELECT last_login IS NOT NULL FROM auth_user WHERE username = %s", user.username)
    time.sleep(0.2)  # the notification it would have sent
    expect(server.me(pair["access"]), 200)
    after = scrape(server)
    # last_login changed three times, and the user stayed cached: no invalidation, no miss.
    assert value(after, "authd_cache_invalidations_total") == value(before, "authd_cache_invalidations_total")
    assert value(after, "authd_cache_lookups_total", result="miss") == value(before, "authd_cache_lookups_total", result="miss")
    assert value(after, "authd_cache_lookups_total", result="hit") == value(before, "authd_cache_lookups_total", result="hit") + 1


def test_what_one_instance_writes_the_other_refuses_within_the_bound(spawn_server, make_user):
    one, two = cached_server(spawn_server), cached_server(spawn_server)
    user = make_user("cache-two")
    pair = warm(two, user)
    warm(one, user)
    expect(one.blacklist(pair["refresh"]), 200, {})
    within(CACHE_LEASE, lambda: two.refresh(pair["refresh"]).status_code == 401, "the blacklisting on the other instance")
    expect(two.verify(pair["refresh"]), 400, VERIFY_BLACKLISTED)
    time.sleep(1.05)  # cut-offs are whole seconds
    expect(one.post("/api/token/revoke-all/", headers=auth_header(pair["access"])), 200, {})
    within(CACHE_LEASE, lambda: two.me(pair["access"]).status_code == 401, "logout everywhere on the other instance")


class ListenerLine:
    """A TCP relay between authd's listening connection and PostgreSQL that a test can cut
    (connections closed, new ones refused) or freeze (sockets open, bytes held back)."""

    def __init__(self, database_url: str) -> None:
        parts = urllib.parse.urlsplit(database_url)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self.listener = socket.create_server(("127.0.0.1", 0))
        port = self.listener.getsockname()[1]
        self.url = urllib.parse.urlunsplit(parts._replace(netloc="%s@127.0.0.1:%d" % (parts.username or "postgres", port)))
        self.mode = "open"
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.mode == "cut":
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                while self.mode == "frozen":
                    time.sleep(0.01)
                if self.mode == "cut":
                    break
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        self.mode = "cut"
        for end in self.sockets:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.sockets = []

    def close(self) -> None:
        self.cut()
        self.listener.close()


@pytest.fixture
def listener_line(database):
    line = ListenerLine(database.url)
    yield line
    line.close()


def test_while_the_listening_connection_is_cut_every_read_goes_to_postgres(spawn_server, make_user, sql, listener_line):
    server = cached_server(spawn_server, AUTHD_CACHE_DATABASE_URL=listener_line.url)
    user = make_user("cache-cut")
    pair = warm(server, user)
    listener_line.cut()
    within(CACHE_LEASE, lambda: not trusted(server), "the cache's distrust")
    before = queries(server)
    expect(server.me(pair["access"]), 200)
    assert queries(server) == before + 1
    # A change no notification can announce now: the very next request sees it.
    sql.rows("UPDATE auth_user SET is_active = false WHERE username = %s", user.username)
    expect(server.me(pair["access"]), 401, USER_INACTIVE)
    sql.rows("UPDATE auth_user SET is_active = true WHERE username = %s", user.username)
    expect(server.me(pair["access"]), 200)
    time.sleep(1)  # the listener tries again meanwhile (after 0.1, 0.2, 0.4 s...): one log line for the outage
    assert server.stderr_text().count("listening connection lost") == 1
    # Back: the cache starts over and answers again.
    listener_line.mode = "open"
    within(5, lambda: trusted(server), "the listener's return")
    samples = scrape(server)
    assert value(samples, "authd_cache_resyncs_total") == 2
    expect(server.me(pair["access"]), 200)
    before = queries(server)
    expect(server.me(pair["access"]), 200)
    assert queries(server) == before


def test_a_listening_connection_that_goes_silent_stops_the_cache_within_its_lease(spawn_server, make_user, sql, listener_line):
    server = cached_server(spawn_server, AUTHD_CACHE_DATABASE_URL=listener_line.url)
    user = make_user("cache-frozen")
    pair = warm(server, user)
    listener_line.mode = "frozen"
    stopped = within(CACHE_LEASE + 0.5, lambda: not trusted(server), "the lease's end")
    assert stopped <= CACHE_LEASE + 0.5
    sql.rows("UPDATE auth_user SET is_active = false WHERE username = %s", user.username)
    expect(server.me(pair["access"]), 401, USER_INACTIVE)
    listener_line.mode = "open"
    within(10, lambda: trusted(server), "the listener's return")
    expect(server.me(pair["access"]), 401, USER_INACTIVE)


def test_without_the_notification_triggers_the_cache_is_not_used(spawn_server, fresh_database, authd_bin, log_dir):
    from authd_testlib import AuthdCLI

    sql = fresh_database()
    cli = AuthdCLI(authd_bin, sql.url, log_dir / "cache-cli.log")
    env = {"DATABASE_URL": sql.url}
    # Triggers made for another id field than the one served: not the ones the cache needs.
    cli.run("migrate", env={"AUTHD_USER_ID_FIELD": "username"})
    cli.create_user("trigger-less", "pw-trigger-less")
    server = spawn_server("default", **env)
    time.sleep(0.5)
    pair = server.obtain("trigger-less", "pw-trigger-less")
    before = queries(server)
    for _ in range(3):
        expect(server.me(pair["access"]), 200)
    assert queries(server) == before + 3 and not trusted(server)
    assert "change-notification triggers" in server.stderr_text() and "run authd migrate" in server.stderr_text()
    # `authd migrate` puts them right for the settings it is run with.
    cli.run("migrate")
    again = spawn_server("default", **env)
    within(5, lambda: trusted(again), "the cache's first lease")


def test_a_transaction_mode_pooler_needs_a_direct_listening_connection(authd_bin, database, signing_key):
    env = {"DATABASE_URL": database.url, "AUTHD_SIGNING_KEY": signing_key, "AUTHD_DB_PREPARED_STATEMENTS": "false"}
    result = expect_refused_to_start(authd_bin, env)
    assert "AUTHD_CACHE_DATABASE_URL" in result.stderr


def test_the_budget_bounds_what_the_cache_holds(spawn_server, make_user):
    budget = 2000
    server = cached_server(spawn_server, AUTHD_CACHE_BUDGET=str(budget))
    pairs = []
    for index in range(12):
        user = make_user("cache-budget")
        pairs.append((user, warm(server, user)))
    samples = scrape(server)
    assert 0 < value(samples, "authd_cache_bytes") <= budget and value(samples, "authd_cache_budget_bytes") == budget
    assert value(samples, "authd_cache_entries") < 24
    for user, pair in pairs:
        assert server.me(pair["access"]).json()["username"] == user.username
