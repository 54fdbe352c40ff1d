"""The `rotate` profile (ROTATE_REFRESH_TOKENS and BLACKLIST_AFTER_ROTATION): every refresh returns
a new refresh token and revokes the old one, the revocation is in the database (it survives
restarts and other servers see it), and concurrent refreshes of one token cannot all win
(simplejwt's Surprise 8, a race authd must not have)."""

import threading
import time

from authd_testlib import (
    BLACKLISTED,
    REFRESH_LIFETIME,
    VERIFY_BLACKLISTED,
    decode_jwt,
    expect,
    expect_tokens,
    mint,
    simplejwt_claims,
    token_err,
)


def rotate(server, refresh):
    return expect_tokens(server.refresh(refresh), ("access", "refresh"))


def test_rotate_refresh_returns_access_then_a_new_refresh_token(rotate_server, users):
    pair = rotate_server.obtain("Gokul", "123")
    out = rotate(rotate_server, pair["refresh"])
    old, new = decode_jwt(pair["refresh"]).payload, decode_jwt(out["refresh"]).payload
    assert new["token_type"] == "refresh" and new["user_id"] == old["user_id"]
    assert new["jti"] != old["jti"]
    assert decode_jwt(out["access"]).payload["user_id"] == old["user_id"]
    expect(rotate_server.me(out["access"]), 200)


def test_rotated_refresh_token_gets_a_full_new_lifetime_sliding_window(rotate_server, signing_key, gokul_id):
    issued = int(time.time()) - 1000
    old = mint(simplejwt_claims(gokul_id, "refresh", now=issued), signing_key)
    before = int(time.time())
    new = decode_jwt(rotate(rotate_server, old)["refresh"]).payload
    assert new["exp"] - new["iat"] == REFRESH_LIFETIME
    assert new["iat"] >= before
    assert new["exp"] >= issued + REFRESH_LIFETIME + 1000


def test_old_refresh_token_after_rotation_is_401_token_is_blacklisted(rotate_server, users):
    old = rotate_server.obtain("Gokul", "123")["refresh"]
    rotate(rotate_server, old)
    expect(rotate_server.refresh(old), 401, token_err(BLACKLISTED))


def test_validly_signed_token_never_issued_rotates_once(rotate_server, signing_key, gokul_id):
    old = mint(simplejwt_claims(gokul_id, "refresh"), signing_key)
    rotate(rotate_server, old)
    expect(rotate_server.refresh(old), 401, token_err(BLACKLISTED))


def test_chain_of_rotations_each_refresh_token_works_exactly_once(rotate_server, users):
    token = rotate_server.obtain("Gokul", "123")["refresh"]
    used = []
    for _ in range(4):
        nxt = rotate(rotate_server, token)["refresh"]
        used.append(token)
        token = nxt
    newest = rotate(rotate_server, token)["refresh"]
    for old in used:
        expect(rotate_server.refresh(old), 401, token_err(BLACKLISTED))
    # Replaying a rotated token is reuse: the family is revoked, the newest token with it
    # (test_token_families.py).
    expect(rotate_server.refresh(newest), 401, token_err(BLACKLISTED))


def test_verify_of_rotated_away_refresh_token_is_400_non_field_errors(rotate_server, users):
    old = rotate_server.obtain("Gokul", "123")["refresh"]
    new = rotate(rotate_server, old)["refresh"]
    expect(rotate_server.verify(old), 400, VERIFY_BLACKLISTED)
    expect(rotate_server.verify(new), 200, {})


def test_access_tokens_issued_before_rotation_keep_working(rotate_server, users):
    pair = rotate_server.obtain("Gokul", "123")
    rotate(rotate_server, pair["refresh"])
    expect(rotate_server.me(pair["access"]), 200)
    expect(rotate_server.verify(pair["access"]), 200, {})


def test_rotated_token_is_refused_by_the_default_server_sharing_the_database(rotate_server, default_server, users):
    old = rotate_server.obtain("Gokul", "123")["refresh"]
    rotate(rotate_server, old)
    expect(default_server.refresh(old), 401, token_err(BLACKLISTED))
    expect(default_server.blacklist(old), 401, token_err(BLACKLISTED))
    # The default profile's verify does not consult the blacklist (Surprise 3).
    expect(default_server.verify(old), 200, {})


def test_blacklist_after_rotation_persists_across_a_server_restart(spawn_server, users):
    server = spawn_server("rotate")
    old = server.obtain("Gokul", "123")["refresh"]
    new = rotate(server, old)["refresh"]
    server.restart()
    expect(server.verify(old), 400, VERIFY_BLACKLISTED)
    newer = rotate(server, new)["refresh"]
    expect(server.refresh(old), 401, token_err(BLACKLISTED))
    expect(server.verify(newer), 400, VERIFY_BLACKLISTED)  # the replay revoked the family


def race(servers, token, per_server):
    """Refresh `token` from per_server threads on each server, all released at once."""
    workers = [s for s in servers for _ in range(per_server)]
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(i, server):
        barrier.wait()
        try:
            results[i] = server.refresh(token, timeout=20)
        except Exception as error:  # reported below
            results[i] = error

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def check_race(results, winner_server):
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    winners = [r for r in results if r.status_code == 200]
    assert len(winners) == 1, "%d of %d concurrent refreshes of one token succeeded: %s" % (
        len(winners), len(results), [r.status_code for r in results])
    for r in results:
        if r.status_code != 200:
            expect(r, 401, token_err(BLACKLISTED))
    # The winner's successor is valid unless a loser arrived after the winner committed: that is
    # reuse, which revokes the family (test_token_families.py); either way it is never a 500.
    new = expect_tokens(winners[0], ("access", "refresh"))["refresh"]
    assert winner_server.refresh(new).status_code in (200, 401)


def test_concurrent_refreshes_of_one_token_at_most_one_succeeds(rotate_server, users):
    for _ in range(3):
        token = rotate_server.obtain("Gokul", "123")["refresh"]
        check_race(race([rotate_server], token, per_server=8), rotate_server)


def test_concurrent_refreshes_of_one_token_on_two_servers_at_most_one_succeeds(rotate_server, spawn_server, users):
    other = spawn_server("rotate")
    for _ in range(3):
        token = rotate_server.obtain("Gokul", "123")["refresh"]
        check_race(race([rotate_server, other], token, per_server=4), rotate_server)
