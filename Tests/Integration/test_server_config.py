"""`authd serve` configuration: it refuses to start (non-zero exit, the reason on stderr) without
a signing key or with one too short for the algorithm, and honours the key file and algorithm."""

import glob
import re

import jwt
import pytest

from authd_testlib import LEDGER, decode_jwt, expect_refused_to_start, free_port


def base_env(database, **extra):
    env = {"DATABASE_URL": database.url, "AUTHD_LISTEN": "127.0.0.1:%d" % free_port(), "AUTHD_HASH_ITERATIONS": "1000"}
    env.update(extra)
    return env


def test_serve_without_signing_key_refuses_to_start_and_says_why(authd_bin, database):
    result = expect_refused_to_start(authd_bin, base_env(database))
    assert re.search(r"key", result.stderr, re.I), result.stderr


def test_serve_with_empty_signing_key_refuses_to_start(authd_bin, database):
    result = expect_refused_to_start(authd_bin, base_env(database, AUTHD_SIGNING_KEY=""))
    assert re.search(r"key", result.stderr, re.I), result.stderr


@pytest.mark.parametrize("algorithm,length", [("HS256", 31), ("HS384", 47), ("HS512", 63), ("HS512", 32)])
def test_serve_with_hmac_key_shorter_than_the_hash_refuses_to_start(authd_bin, database, algorithm, length):
    key = "k" * length
    result = expect_refused_to_start(authd_bin, base_env(database, AUTHD_SIGNING_KEY=key, AUTHD_ALGORITHM=algorithm))
    assert re.search(r"key", result.stderr, re.I), result.stderr
    assert key not in result.stderr, "the rejected key was echoed on stderr"


@pytest.mark.parametrize("algorithm", ["none", "None", "HS1", "nonsense"])
def test_serve_with_unknown_or_none_algorithm_refuses_to_start(authd_bin, database, algorithm):
    expect_refused_to_start(authd_bin, base_env(database, AUTHD_SIGNING_KEY="s" * 64, AUTHD_ALGORITHM=algorithm))


def test_serve_with_unreadable_key_file_refuses_to_start(authd_bin, database, work_dir):
    expect_refused_to_start(authd_bin, base_env(database, AUTHD_SIGNING_KEY_FILE=str(work_dir / "no-such-key")))


def test_serve_with_a_pem_public_key_as_hmac_secret_refuses_to_start(authd_bin, database):
    from authd_testlib import attacker_rsa_key, public_pem

    pem = public_pem(attacker_rsa_key()).decode()
    expect_refused_to_start(authd_bin, base_env(database, AUTHD_SIGNING_KEY=pem))


def test_serve_with_exactly_32_byte_hs256_key_starts(spawn_server, users):
    key = "0123456789abcdef0123456789abcdef"
    LEDGER.add(key, "signing key")
    server = spawn_server("default", AUTHD_SIGNING_KEY=key)
    pair = server.obtain("Gokul", "123")
    jwt.decode(pair["access"], key, algorithms=["HS256"])


def test_serve_with_hs512_and_a_64_byte_key_issues_hs512_tokens(spawn_server, users):
    key = "K" * 40 + "0123456789abcdefghijklmn"
    LEDGER.add(key, "signing key")
    server = spawn_server("default", AUTHD_SIGNING_KEY=key, AUTHD_ALGORITHM="HS512")
    pair = server.obtain("Gokul", "123")
    assert decode_jwt(pair["access"]).header_bytes == b'{"alg":"HS512","typ":"JWT"}'
    jwt.decode(pair["access"], key, algorithms=["HS512"])


def test_serve_reads_the_hmac_secret_from_the_key_file_byte_for_byte(spawn_server, users, work_dir):
    key = "file-secret-" + "f" * 40
    LEDGER.add(key, "signing key")
    path = work_dir / "hs256.key"
    path.write_bytes(key.encode())  # no trailing newline: its handling is not part of the contract
    path.chmod(0o600)
    server = spawn_server("default", AUTHD_SIGNING_KEY=None, AUTHD_SIGNING_KEY_FILE=str(path))
    pair = server.obtain("Gokul", "123")
    jwt.decode(pair["access"], key, algorithms=["HS256"])


def test_threads_are_named_after_what_they_do(default_server):
    # top -H, gdb and /proc show which loop or worker is busy.
    names = sorted(open(task + "/comm").read().strip()
                   for task in glob.glob("/proc/%d/task/*" % default_server.proc.pid))
    assert {"authd-loop-0", "authd-worker-0", "authd-log"} <= set(names), names
