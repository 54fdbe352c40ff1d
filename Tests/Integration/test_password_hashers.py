"""Every Django 5.2 password hasher, end to end: users whose hashes Django made (the Swift
fixture Tests/PasswordsTests/Fixtures/django_hashers.json) log in at authd; a hasher missing from
AUTHD_PASSWORD_HASHERS is refused as Django refuses it; after a login the stored hash is re-hashed
with the preferred hasher exactly when Django's verify_password says so, and every hash authd
writes is checked with Django's own check_password (imported here, with settings.configure);
bad and absurd hash rows are refused, never a crash, a 500 or a long stall."""

import json
import subprocess
import time

import django
import pytest
from django.conf import settings

from authd_testlib import LEDGER, NO_ACTIVE_ACCOUNT, REPO, expect, expect_tokens, new_password, unique

ALL_CLASSES = ["PBKDF2PasswordHasher", "PBKDF2SHA1PasswordHasher", "Argon2PasswordHasher", "BCryptSHA256PasswordHasher",
               "ScryptPasswordHasher", "BCryptPasswordHasher", "MD5PasswordHasher"]
if not settings.configured:
    settings.configure(PASSWORD_HASHERS=["django.contrib.auth.hashers." + c for c in ALL_CLASSES], USE_I18N=False)
    django.setup()

from django.contrib.auth import hashers as django_hashers  # noqa: E402  (needs settings first)

FIXTURE = json.loads((REPO / "Tests" / "PasswordsTests" / "Fixtures" / "django_hashers.json").read_text())
ALGORITHMS = ["pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256", "scrypt", "bcrypt", "md5"]


class PBKDF2At1000(django_hashers.PBKDF2PasswordHasher):
    """The preferred hasher of the test servers (AUTHD_HASH_ITERATIONS=1000), as Django has it."""
    iterations = 1000


class PBKDF2SHA1At1000(django_hashers.PBKDF2SHA1PasswordHasher):
    iterations = 1000


def django_preferred(algorithm):
    if algorithm == "pbkdf2_sha256":
        return PBKDF2At1000()
    if algorithm == "pbkdf2_sha1":
        return PBKDF2SHA1At1000()
    return django_hashers.get_hasher(algorithm)


def psql(database, script, **variables) -> str:
    """Runs `script` with psql; :'name' in it is the quoted value of `name`."""
    args = ["psql", database.url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"]
    for name, value in variables.items():
        args += ["-v", "%s=%s" % (name, value)]
    result = subprocess.run(args, input=script, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def insert_user(database, encoded, active=True) -> str:
    """A Django auth_user row with this password column, as a Django database holds it."""
    LEDGER.add(encoded, "password hash")
    username = unique("hasher")
    psql(database, "INSERT INTO auth_user (username, password, is_active) VALUES (:'name', :'hash', %s);"
         % ("true" if active else "false"), name=username, hash=encoded)
    return username


def stored_hash(database, username) -> str:
    return psql(database, "SELECT password FROM auth_user WHERE username = :'name';", name=username)


def wait_for_change(database, username, before, timeout=10.0) -> str:
    """The rehash is written after the answer: wait for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = stored_hash(database, username)
        if now != before:
            return now
        time.sleep(0.05)
    return before


@pytest.fixture(scope="module")
def every_hasher_server(servers):
    """All seven hashers, by Django's class paths, PBKDF2 (at 1000 iterations) preferred."""
    server = servers.spawn(AUTHD_PASSWORD_HASHERS=",".join("django.contrib.auth.hashers." + c for c in ALL_CLASSES))
    yield server
    server.stop()


# DRF refuses a blank password field (400) before any check: those cases are for the Swift tests.
LOGIN_CASES = [c for c in FIXTURE["cases"] if c["password"].strip()]


@pytest.mark.parametrize("case", LOGIN_CASES, ids=lambda c: "%s: %s" % (c["algorithm"], c["note"]))
def test_a_user_with_a_django_hash_logs_in_and_gets_the_rehash_django_would_make(every_hasher_server, database, case):
    LEDGER.add(case["password"], "password")
    username = insert_user(database, case["encoded"])
    for wrong in [p for p in case["rejects"] if p.strip()][:2] + case["raises"][:1]:
        LEDGER.add(wrong, "password")
        expect(every_hasher_server.login(username, wrong, timeout=30), 401, NO_ACTIVE_ACCOUNT)
    assert stored_hash(database, username) == case["encoded"], "a refused login never rewrites the hash"

    expect_tokens(every_hasher_server.login(username, case["password"], timeout=30), ("refresh", "access"))
    _, must_update = django_hashers.verify_password(case["password"], case["encoded"], preferred=PBKDF2At1000())
    after = wait_for_change(database, username, case["encoded"], timeout=10 if must_update else 1)
    if must_update:
        LEDGER.add(after, "password hash")
        assert after.startswith("pbkdf2_sha256$1000$"), after[:20]
        assert django_hashers.check_password(case["password"], after), "Django must accept the hash authd stored"
        assert not django_hashers.verify_password(case["password"], after, preferred=PBKDF2At1000())[1]
        expect_tokens(every_hasher_server.login(username, case["password"], timeout=30), ("refresh", "access"))
    else:
        assert after == case["encoded"], "Django keeps this hash: so must authd"


def test_a_hasher_missing_from_the_list_is_refused_like_a_wrong_password(spawn_server, database):
    server = spawn_server(AUTHD_PASSWORD_HASHERS="pbkdf2_sha256,argon2")
    refused = [c for c in LOGIN_CASES if c["algorithm"] in ("pbkdf2_sha1", "bcrypt_sha256", "scrypt", "bcrypt", "md5")]
    assert {c["algorithm"] for c in refused} == {"pbkdf2_sha1", "bcrypt_sha256", "scrypt", "bcrypt", "md5"}
    for case in refused:
        username = insert_user(database, case["encoded"])
        expect(server.login(username, case["password"], timeout=30), 401, NO_ACTIVE_ACCOUNT)
        assert stored_hash(database, username) == case["encoded"]


@pytest.mark.parametrize("preferred", ALGORITHMS)
def test_the_first_hasher_makes_the_hashes_and_django_verifies_them(spawn_server, cli, database, preferred):
    setting = "%s,pbkdf2_sha256" % preferred if preferred != "pbkdf2_sha256" else "pbkdf2_sha256,argon2"
    server = spawn_server(AUTHD_PASSWORD_HASHERS=setting)
    django_hasher = django_preferred(preferred)

    # A login upgrades an older hash (Django's pbkdf2_sha256 at 1000 iterations, or argon2).
    password = new_password() + "-pässwörd"
    LEDGER.add(password, "password")
    if preferred == "pbkdf2_sha256":
        old = django_hashers.get_hasher("argon2").encode(password, django_hashers.get_hasher("argon2").salt())
    else:
        old = PBKDF2At1000().encode(password, PBKDF2At1000().salt())
    username = insert_user(database, old)
    expect_tokens(server.login(username, password, timeout=30), ("refresh", "access"))
    new = wait_for_change(database, username, old)
    LEDGER.add(new, "password hash")
    assert new.startswith(preferred + "$"), new[:16]
    assert django_hashers.check_password(password, new)
    assert not django_hashers.check_password(password + "x", new)
    assert not django_hashers.verify_password(password, new, preferred=django_hasher)[1], "Django must not ask for a rehash"
    # No rehash loop: the next login keeps it.
    expect_tokens(server.login(username, password, timeout=30), ("refresh", "access"))
    time.sleep(0.3)
    assert stored_hash(database, username) == new

    # `authd user create` makes the same kind of hash.
    created = unique("created")
    cli.run("user", "create", created, stdin=password + "\n", env={"AUTHD_PASSWORD_HASHERS": setting})
    made = stored_hash(database, created)
    LEDGER.add(made, "password hash")
    assert made.startswith(preferred + "$") and django_hashers.check_password(password, made)
    assert not django_hashers.verify_password(password, made, preferred=django_hasher)[1]


def test_an_inactive_user_is_refused_but_rehashed_as_django_does(every_hasher_server, database):
    case = next(c for c in LOGIN_CASES if c["algorithm"] == "md5")
    username = insert_user(database, case["encoded"], active=False)
    expect(every_hasher_server.login(username, case["password"], timeout=30), 401, NO_ACTIVE_ACCOUNT)
    after = wait_for_change(database, username, case["encoded"])
    LEDGER.add(after, "password hash")
    assert after.startswith("pbkdf2_sha256$1000$") and django_hashers.check_password(case["password"], after)


ABSURD = [
    "", "!", "!" + "x" * 40, "pbkdf2_sha256$", "argon2", "argon2$", "bcrypt$", "scrypt$", "md5$", "unknown$1$2$3",
    "pbkdf2_sha256$999999999$salt$aGFzaA==",
    "pbkdf2_sha1$50000001$salt$aGFzaA==",
    "argon2$argon2id$v=19$m=4294967295,t=4294967295,p=16777215$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
    "argon2$argon2id$v=19$m=2097152,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
    "argon2$argon2id$v=19$m=102400,t=100,p=8$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
    "argon2$argon2id$v=99$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
    "bcrypt_sha256$$2b$31$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
    "bcrypt$$2b$99$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
    "scrypt$1073741824$salt$8$1$aGFzaA==",
    "scrypt$16384$salt$8$999999999$aGFzaA==",
    "scrypt$2$salt$999999999$999999999$aGFzaA==",
    "md5$$",
    "md5$s$" + "é" * 60,
] + [m["encoded"] for m in FIXTURE["malformed"]]


def test_bad_and_absurd_hash_rows_are_refused_quickly_and_never_crash(every_hasher_server, database):
    for encoded in ABSURD:
        username = insert_user(database, encoded)
        start = time.monotonic()
        resp = every_hasher_server.login(username, "123", timeout=30)
        elapsed = time.monotonic() - start
        expect(resp, 401, NO_ACTIVE_ACCOUNT)
        assert elapsed < 5, "%r took %.1f s" % (encoded[:24], elapsed)
        assert stored_hash(database, username) == encoded
    expect(every_hasher_server.healthz(), 200, {"status": "ok"})
    assert every_hasher_server.alive


def test_unknown_hashers_in_the_setting_stop_authd_with_a_reason(cli):
    for value in ("django.contrib.auth.hashers.UnsaltedMD5PasswordHasher", "myapp.hashers.Mine", ",", "argon3"):
        result = cli.run("user", "create", unique("never"), stdin="pw\n", check=False, env={"AUTHD_PASSWORD_HASHERS": value})
        assert result.returncode != 0 and "AUTHD_PASSWORD_HASHERS" in result.stderr, result.stderr
