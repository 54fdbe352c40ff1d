"""simplejwt's blacklist tables are authd's revocation store: every refresh token authd issues
has its outstanding row (as simplejwt's `for_user` and `outstand` write it), a revocation is a
blacklisted row, and rows written by Django (or anyone) count exactly as authd's own."""

from __future__ import annotations

from authd_testlib import decode_jwt, expect, expect_tokens, token_err


def outstanding(sql, jti: str):
    return sql.rows(
        "SELECT user_id::text, token, extract(epoch FROM created_at), extract(epoch FROM expires_at) "
        "FROM token_blacklist_outstandingtoken WHERE jti = %s", jti)


def blacklisted(sql, jti: str) -> bool:
    return bool(sql.value(
        "SELECT count(*) FROM token_blacklist_blacklistedtoken b JOIN token_blacklist_outstandingtoken o "
        "ON o.id = b.token_id WHERE o.jti = %s", jti))


def test_login_records_the_refresh_token_as_outstanding_before_answering(default_server, make_user, sql):
    user = make_user()
    refresh = default_server.obtain(user.username, user.password)["refresh"]
    claims = decode_jwt(refresh).payload
    [(user_id, token, created, expires)] = outstanding(sql, claims["jti"])
    assert user_id == claims["user_id"] and token == refresh
    assert float(expires) == claims["exp"] and abs(float(created) - claims["iat"]) < 2
    assert not blacklisted(sql, claims["jti"])


def test_rotation_records_the_new_refresh_token_and_blacklists_the_old(rotate_server, make_user, sql):
    user = make_user()
    first = rotate_server.obtain(user.username, user.password)["refresh"]
    second = expect_tokens(rotate_server.refresh(first), ("access", "refresh"))["refresh"]
    assert blacklisted(sql, decode_jwt(first).payload["jti"])
    [(_, token, _, _)] = outstanding(sql, decode_jwt(second).payload["jti"])
    assert token == second and not blacklisted(sql, decode_jwt(second).payload["jti"])


def test_blacklist_writes_a_blacklisted_row_and_a_second_one_is_refused(default_server, make_user, sql):
    user = make_user()
    refresh = default_server.obtain(user.username, user.password)["refresh"]
    expect(default_server.blacklist(refresh), 200, {})
    assert blacklisted(sql, decode_jwt(refresh).payload["jti"])
    expect(default_server.blacklist(refresh), 401, token_err("Token is blacklisted"))


def test_a_token_blacklisted_by_django_is_refused_on_refresh_and_blacklist(default_server, rotate_server, make_user, sql):
    user = make_user()
    refresh = default_server.obtain(user.username, user.password)["refresh"]
    jti = decode_jwt(refresh).payload["jti"]
    # What simplejwt's blacklist() does: a blacklisted row for the outstanding token.
    sql.rows("INSERT INTO token_blacklist_blacklistedtoken (token_id, blacklisted_at) "
             "SELECT id, now() FROM token_blacklist_outstandingtoken WHERE jti = %s", jti)
    for server in (default_server, rotate_server):
        expect(server.refresh(refresh), 401, token_err("Token is blacklisted"))
    expect(default_server.blacklist(refresh), 401, token_err("Token is blacklisted"))


def test_a_token_authd_never_recorded_is_blacklisted_with_its_outstanding_row(default_server, make_user, sql):
    # Django-issued tokens (or tokens from before the switch) have no outstanding row at authd:
    # blacklisting creates it, as simplejwt's get_or_create does.
    user = make_user()
    refresh = default_server.obtain(user.username, user.password)["refresh"]
    jti = decode_jwt(refresh).payload["jti"]
    sql.rows("DELETE FROM token_blacklist_outstandingtoken WHERE jti = %s", jti)
    expect(default_server.blacklist(refresh), 200, {})
    [(user_id, token, _, _)] = outstanding(sql, jti)
    assert user_id == decode_jwt(refresh).payload["user_id"] and token == refresh
    expect(default_server.refresh(refresh), 401, token_err("Token is blacklisted"))


def test_flush_expired_deletes_expired_outstanding_and_blacklisted_rows_only(default_server, make_user, sql, cli):
    user = make_user()
    live = default_server.obtain(user.username, user.password)["refresh"]
    expect(default_server.blacklist(live), 200, {})
    stale = default_server.obtain(user.username, user.password)["refresh"]
    expect(default_server.blacklist(stale), 200, {})
    stale_jti = decode_jwt(stale).payload["jti"]
    sql.rows("UPDATE token_blacklist_outstandingtoken SET expires_at = now() - interval '1 hour' WHERE jti = %s", stale_jti)
    sql.rows("UPDATE authd_token_family SET expires_at = now() - interval '1 hour' WHERE jti = %s", stale_jti)
    result = cli.run("flush-expired")
    assert "removed" in result.stdout
    assert outstanding(sql, stale_jti) == [] and not blacklisted(sql, stale_jti)
    assert blacklisted(sql, decode_jwt(live).payload["jti"])
    # The session the stale token's login started goes with its family; the live one stays.
    assert sql.value("SELECT count(*) FROM authd_session WHERE family = %s", stale_jti) == 0
    assert sql.value("SELECT count(*) FROM authd_session WHERE family = %s", decode_jwt(live).payload["jti"]) == 1


def test_concurrent_rotations_of_one_token_have_one_winner_and_one_blacklisted_row(rotate_server, make_user, sql):
    from test_rotation import race

    user = make_user()
    refresh = rotate_server.obtain(user.username, user.password)["refresh"]
    results = [answer.status_code for answer in race([rotate_server], refresh, per_server=8)]
    assert sorted(results) == [200] + [401] * 7, results
    assert sql.value(
        "SELECT count(*) FROM token_blacklist_blacklistedtoken b JOIN token_blacklist_outstandingtoken o "
        "ON o.id = b.token_id WHERE o.jti = %s", decode_jwt(refresh).payload["jti"]) == 1
    # The winner's new token is outstanding; the losers issued nothing.
    assert sql.value("SELECT count(*) FROM token_blacklist_outstandingtoken WHERE user_id = "
                     "(SELECT id FROM auth_user WHERE username = %s)", user.username) == 2
