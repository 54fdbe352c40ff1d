"""Keys with ids, the JWK Set, and rotation without downtime (issue 11 item 5).

A key directory (AUTHD_SIGNING_KEYS_DIR) holds <kid>.pem / <kid>.key files written by
`authd keygen --dir`, and `active` naming the key that signs. authd re-reads it on SIGHUP: a new
key verifies as soon as it is there, signs once `active` names it, and its predecessor's tokens
stop verifying once its file is gone. A single key (AUTHD_SIGNING_KEY, _FILE) keeps simplejwt's
exact header."""

import json
import os
import signal
import threading
import time
from pathlib import Path

import jwt
import pytest

from authd_testlib import (
    INVALID,
    LEDGER,
    decode_jwt,
    expect,
    expect_refused_to_start,
    expect_tokens,
    mint,
    protected_err,
    simplejwt_claims,
    token_err,
)

RELOADED = "signing keys reloaded"
NOT_RELOADED = "signing keys not reloaded"


# --- helpers ---------------------------------------------------------------------------------------


def keygen(cli, directory: Path, kid: str, algorithm: str, *, activate: bool = False) -> Path:
    """`authd keygen --dir` a new key; its content goes in the ledger (test_logs.py looks for it)."""
    args = ["keygen", "--dir", str(directory), "--algorithm", algorithm, "--kid", kid]
    if algorithm.startswith(("RS", "PS")):
        args += ["--bits", "2048"]
    if activate:
        args.append("--activate")
    cli.run(*args)
    path = directory / (kid + (".key" if algorithm.startswith("HS") else ".pem"))
    LEDGER.add(path.read_text(), "signing key")
    return path


def key_dir_server(spawn_server, directory: Path, algorithm: str, **env):
    return spawn_server("default", AUTHD_SIGNING_KEY=None, AUTHD_SIGNING_KEYS_DIR=str(directory),
                        AUTHD_ALGORITHM=algorithm, **env)


def log_text(server) -> str:
    return server.stderr_text()


def hup(server, timeout: float = 10) -> str:
    """SIGHUP, then wait for the reload's log line; returns it."""
    before = log_text(server).count("signing keys ")
    server.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = [line for line in log_text(server).splitlines() if "signing keys " in line]
        if len(lines) > before:
            return lines[-1]
        assert server.alive, "authd exited on SIGHUP"
        time.sleep(0.02)
    raise AssertionError("no reload line within %ss after SIGHUP" % timeout)


def set_active(directory: Path, kid: str) -> None:
    temporary = directory / ".active.tmp"
    temporary.write_text(kid + "\n")
    os.replace(temporary, directory / "active")


def jwks(server) -> dict:
    resp = server.get("/.well-known/jwks.json")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/json", resp.content
    return resp.json()


def kids(server) -> list:
    return [key["kid"] for key in jwks(server)["keys"]]


def header_bytes(algorithm: str, kid: str | None) -> bytes:
    return (b'{"alg":"%s","kid":"%s","typ":"JWT"}' % (algorithm.encode(), kid.encode()) if kid
            else b'{"alg":"%s","typ":"JWT"}' % algorithm.encode())


def pyjwt_verify(jwk_set: dict, token: str, algorithm: str) -> dict:
    """What a PyJWKClient does with the served set: the key named by the token's kid."""
    key_set = jwt.PyJWKSet.from_dict(jwk_set)
    kid = jwt.get_unverified_header(token)["kid"]
    return jwt.decode(token, key_set[kid].key, algorithms=[algorithm])


# --- one key: simplejwt's header, unchanged ---------------------------------------------------------


def test_a_single_key_keeps_simplejwts_exact_header(default_server, rs256_server):
    for server, algorithm in ((default_server, "HS256"), (rs256_server, "RS256")):
        tokens = server.obtain("Gokul", "123")
        for kind in ("refresh", "access"):
            assert decode_jwt(tokens[kind]).header_bytes == header_bytes(algorithm, None)


def test_a_single_key_file_is_read_again_on_sighup_and_the_header_stays(spawn_server, tmp_path, make_user):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    def write_key():
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        LEDGER.add(pem, "signing key")
        (tmp_path / "key.pem").write_bytes(pem)

    write_key()
    user = make_user()
    server = spawn_server("default", AUTHD_SIGNING_KEY=None, AUTHD_SIGNING_KEY_FILE=str(tmp_path / "key.pem"),
                          AUTHD_ALGORITHM="ES256")
    old = server.obtain(user.username, user.password)
    first_jwk = jwks(server)["keys"]
    assert [key.get("kid") for key in first_jwk] == [None]
    write_key()
    assert RELOADED in hup(server)
    new = server.obtain(user.username, user.password)
    assert decode_jwt(new["access"]).header_bytes == header_bytes("ES256", None)
    assert jwks(server)["keys"] != first_jwk, "the replaced key file was not read again"
    # One key: the old key's tokens no longer verify (this is not a rotation; a directory is).
    expect(server.me(old["access"]), 401, protected_err(INVALID))
    expect(server.me(new["access"]), 200)


# --- rotation with a key directory ---------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_rotation_add_activate_retire(cli, spawn_server, tmp_path, make_user, algorithm):
    directory = tmp_path / "keys"
    keygen(cli, directory, "k1", algorithm)  # the first key is made active
    assert (directory / "active").read_text() == "k1\n"
    assert (directory / "k1.pem").stat().st_mode & 0o777 == 0o600
    user = make_user()
    server = key_dir_server(spawn_server, directory, algorithm)

    old = server.obtain(user.username, user.password)
    for kind in ("refresh", "access"):
        # PyJWT's own header for headers={"kid": ...}: sorted names.
        assert decode_jwt(old[kind]).header_bytes == header_bytes(algorithm, "k1")
    assert kids(server) == ["k1"]

    # Add: k2 verifies (and is published) at once, but k1 still signs.
    keygen(cli, directory, "k2", algorithm)
    assert (directory / "active").read_text() == "k1\n", "keygen activated a key without --activate"
    line = hup(server)
    assert RELOADED in line and "active_kid=k1" in line, line
    assert kids(server) == ["k1", "k2"]
    assert decode_jwt(server.obtain(user.username, user.password)["access"]).header["kid"] == "k1"

    # Activate: new tokens carry k2; k1's tokens still verify, here and with PyJWT from the JWKS.
    set_active(directory, "k2")
    assert RELOADED in hup(server)
    key_set = jwks(server)
    assert [key["kid"] for key in key_set["keys"]] == ["k2", "k1"]
    for key in key_set["keys"]:
        assert key["use"] == "sig" and key["alg"] == algorithm
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key), "private members published"
    new = server.obtain(user.username, user.password)
    assert decode_jwt(new["access"]).header_bytes == header_bytes(algorithm, "k2")
    expect(server.me(old["access"]), 200)
    refreshed = expect_tokens(server.refresh(old["refresh"]), ("access",))["access"]
    assert decode_jwt(refreshed).header["kid"] == "k2", "a refresh signs with the active key"
    for token, kid in ((old["access"], "k1"), (old["refresh"], "k1"), (new["access"], "k2"), (refreshed, "k2")):
        assert jwt.get_unverified_header(token)["kid"] == kid
        assert pyjwt_verify(key_set, token, algorithm)["user_id"]

    # Retire: with k1's file gone, its tokens are invalid and it is no longer published.
    (directory / "k1.pem").unlink()
    assert RELOADED in hup(server)
    assert kids(server) == ["k2"]
    expect(server.me(old["access"]), 401, protected_err(INVALID))
    expect(server.refresh(old["refresh"]), 401, token_err(INVALID))
    expect(server.me(new["access"]), 200)
    expect(server.me(refreshed), 200)


def test_hmac_key_directory_publishes_nothing_and_selects_keys_by_kid(cli, spawn_server, tmp_path, users, gokul_id):
    directory = tmp_path / "keys"
    k1 = keygen(cli, directory, "k1", "HS256")
    k2 = keygen(cli, directory, "k2", "HS256")
    secrets = {"k1": k1.read_text().strip(), "k2": k2.read_text().strip()}
    server = key_dir_server(spawn_server, directory, "HS256")
    assert jwks(server) == {"keys": []}, "an HMAC secret was published"
    tokens = server.obtain("Gokul", "123")
    assert decode_jwt(tokens["access"]).header_bytes == header_bytes("HS256", "k1")

    claims = simplejwt_claims(gokul_id, "access")
    # PyJWT with kid: exactly what authd writes, and accepted.
    expect(server.me(jwt.encode(claims, secrets["k2"], algorithm="HS256", headers={"kid": "k2"})), 200)
    # A kid that names no key, even over a valid signature of the active key: invalid.
    unknown = mint(claims, secrets["k1"], header={"alg": "HS256", "kid": "k3", "typ": "JWT"})
    expect(server.me(unknown), 401, protected_err(INVALID))
    # A kid naming the other key than the one that signed: invalid.
    crossed = mint(claims, secrets["k1"], header={"alg": "HS256", "kid": "k2", "typ": "JWT"})
    expect(server.me(crossed), 401, protected_err(INVALID))
    # Without kid (simplejwt's header): checked against the active key alone.
    expect(server.me(mint(claims, secrets["k1"])), 200)
    expect(server.me(mint(claims, secrets["k2"])), 401, protected_err(INVALID))


# --- reloads that fail, and start-ups that are refused ------------------------------------------


def test_a_bad_key_on_reload_keeps_the_old_keys_and_says_why(cli, spawn_server, tmp_path, make_user):
    directory = tmp_path / "keys"
    keygen(cli, directory, "k1", "ES256")
    user = make_user()
    server = key_dir_server(spawn_server, directory, "ES256")
    old = server.obtain(user.username, user.password)
    published = jwks(server)

    garbage = "-----BEGIN PRIVATE KEY-----\nbm90LWEta2V5LWF0LWFsbC1ub3QtYS1rZXktYXQtYWxs\n-----END PRIVATE KEY-----\n"
    LEDGER.add(garbage, "signing key")
    (directory / "k2.pem").write_text(garbage)
    set_active(directory, "k2")
    line = hup(server)
    assert NOT_RELOADED in line and "k2.pem" in line, line
    assert jwks(server) == published
    expect(server.me(old["access"]), 200)
    assert decode_jwt(server.obtain(user.username, user.password)["access"]).header["kid"] == "k1"

    # `active` naming a key that does not exist: refused the same way.
    (directory / "k2.pem").unlink()
    line = hup(server)
    assert NOT_RELOADED in line and "k2" in line, line
    expect(server.me(old["access"]), 200)

    # Fixed: the next SIGHUP takes it.
    keygen(cli, directory, "k2", "ES256")
    assert RELOADED in hup(server)
    assert kids(server) == ["k2", "k1"]
    assert "bm90LWEta2V5" not in log_text(server), "key material in the log"


def test_key_directory_start_up_refusals(authd_bin, database, tmp_path, cli):
    directory = tmp_path / "keys"
    keygen(cli, directory, "k1", "HS256")
    base = {"DATABASE_URL": database.url, "AUTHD_SIGNING_KEYS_DIR": str(directory)}
    # Both layouts at once.
    result = expect_refused_to_start(authd_bin, {**base, "AUTHD_SIGNING_KEY": "x" * 40})
    assert "AUTHD_SIGNING_KEYS_DIR" in result.stderr
    # No `active`.
    (directory / "active").unlink()
    result = expect_refused_to_start(authd_bin, base)
    assert "active" in result.stderr
    # The key files do not fit the algorithm.
    set_active(directory, "k1")
    result = expect_refused_to_start(authd_bin, {**base, "AUTHD_ALGORITHM": "ES256"})
    assert "k1.key" in result.stderr


def test_keygen_never_overwrites_a_key_and_activates_only_when_asked(cli, tmp_path):
    directory = tmp_path / "keys"
    first = keygen(cli, directory, "k1", "HS256")
    content = first.read_text()
    result = cli.run("keygen", "--dir", str(directory), "--kid", "k1", check=False)
    assert result.returncode != 0 and "exists" in result.stderr
    assert first.read_text() == content
    assert (directory.stat().st_mode & 0o777) == 0o700
    keygen(cli, directory, "k2", "HS256")
    assert (directory / "active").read_text() == "k1\n"
    keygen(cli, directory, "k3", "HS256", activate=True)
    assert (directory / "active").read_text() == "k3\n"
    result = cli.run("keygen", "--dir", str(directory), "--kid", "../escape", check=False)
    assert result.returncode != 0 and not (tmp_path / "escape.key").exists()
    # In the layout, nothing secret goes to standard output.
    result = cli.run("keygen", "--dir", str(directory), "--kid", "k4")
    assert (directory / "k4.key").read_text().strip() not in result.stdout


# --- rotation under load ---------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["ES256", "RS256"])  # RS256 signs on the workers
def test_rotation_under_load_drops_no_request(cli, spawn_server, tmp_path, make_user, algorithm):
    """Threads refresh and call /me while the active key flips on each of several SIGHUPs (and a
    key is added): every answer is 200, and tokens of both keys were issued and accepted."""
    directory = tmp_path / "keys"
    keygen(cli, directory, "k1", algorithm)
    keygen(cli, directory, "k2", algorithm)
    server = key_dir_server(spawn_server, directory, algorithm, AUTHD_THREADS="2", AUTHD_WORKERS="2")
    users = [make_user() for _ in range(4)]
    stop = threading.Event()
    failures: list[str] = []
    seen_kids: set[str] = set()
    counts = {"requests": 0}
    lock = threading.Lock()

    def client(user):
        done = 0
        try:
            tokens = server.obtain(user.username, user.password)
            while not stop.is_set():
                resp = server.refresh(tokens["refresh"])
                if resp.status_code != 200:
                    failures.append("refresh %d %r" % (resp.status_code, resp.content[:200]))
                    return
                access = resp.json()["access"]
                LEDGER.add(access, "token")
                resp = server.me(access)
                if resp.status_code != 200:
                    failures.append("me %d %r (kid %s)" % (resp.status_code, resp.content[:200],
                                                           decode_jwt(access).header.get("kid")))
                    return
                done += 2
                with lock:
                    seen_kids.add(decode_jwt(access).header["kid"])
        except Exception as error:  # noqa: BLE001 (a dropped connection is a failure to report)
            failures.append("%s: %s" % (type(error).__name__, error))
        finally:
            with lock:
                counts["requests"] += done

    threads = [threading.Thread(target=client, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    try:
        active = "k1"
        for round_number in range(8):
            time.sleep(0.4)
            if round_number == 3:
                keygen(cli, directory, "k3", algorithm)
            active = "k2" if active == "k1" else "k1"
            set_active(directory, active)
            assert RELOADED in hup(server)
        time.sleep(0.4)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not failures, failures[:5]
    assert seen_kids == {"k1", "k2"}, seen_kids
    assert counts["requests"] > 100, counts
    print("%s: %d requests during 8 reloads" % (algorithm, counts["requests"]))
    assert log_text(server).count(RELOADED) == 8
