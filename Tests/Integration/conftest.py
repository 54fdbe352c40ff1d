"""End-to-end tests of authd: the real `authd` binary against a real PostgreSQL, over HTTP.

Run from the repository root, after building authd:

    python3 -m pip install -r Tests/Integration/requirements.txt
    python3 -m pytest -q Tests/Integration

The contract is /work/shared/notes/simplejwt-behaviour.md: every status and JSON body of Django
REST Framework 3.18 + djangorestframework-simplejwt 5.5, except that where simplejwt answers 500
or an HTML page, authd answers a JSON 4xx.

Environment:
    AUTHD_BIN                    the binary (default <repo>/.build/debug/authd)
    AUTHD_TEST_SANITIZER         set by scripts/sanitize: the binary is sanitized, so tests that
                                 measure its memory (RSS) are skipped
    AUTHD_TEST_DATABASE_URL      use this database instead of a private cluster (the outage
                                 tests are then skipped: the suite cannot stop that server)
    AUTHD_TEST_POSTGRES_SCRIPT   the cluster script (default <repo>/scripts/test-postgres)
    AUTHD_TEST_KEEP              1: keep the cluster's data directory after the run

What the session sets up:
    * a private PostgreSQL cluster (scripts/test-postgres start DIR PORT, on a free port, in a
      fresh directory under /tmp), stopped at the end;
    * `authd migrate` from a directory without sql/, so the schema built into the binary is what
      every test runs on;
    * the users "Gokul"/"123" (the article), an inactive user and a user with a unicode name;
    * `authd serve` processes, started the first time a test asks for them, each on its own free
      port and all on the same database: `default`, `rotate` (ROTATE_REFRESH_TOKENS and
      BLACKLIST_AFTER_ROTATION), `custom` (audience, issuer, lifetimes 120/7200 s, leeway 30 s),
      `rs256` (RS256 with a PEM key file) and `realcost` (the default 1,000,000 PBKDF2
      iterations; all others use AUTHD_HASH_ITERATIONS=1000 so that logins are fast).
      A server that does not answer GET /healthz within 20 s, or exits, fails the test with its
      stderr. Each server's stdout and stderr go to files in the run's log directory (printed at
      the end), and test_logs.py, which always runs last, asserts that no password, token,
      password hash or signing key ever appears in them.

Tests do not depend on each other's order (test_logs.py aside) and create the users and tokens
they need, with unique usernames.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import pytest

from authd_testlib import (
    LEDGER,
    authd_binary,
    make_work_dir,
    remove_cluster_data,
    start_private_cluster,
    stop_private_cluster,
    AuthdCLI,
    AuthdServer,
    ExternalDatabase,
    HTTPClient,
    User,
    auth_header,
    new_password,
    obtain,
    raw_exchange,
    raw_request,
    send_and_disconnect,
    unique,
    wait_for_full_recovery,
)

from authd_testlib import CUSTOM

# The helpers the brief asks conftest to provide; they live in authd_testlib.py (importable from
# every test module) and are re-exported here.
__all__ = ["obtain", "auth_header", "raw_request", "raw_exchange", "send_and_disconnect", "HTTPClient"]

_STATE: dict = {"log_dir": None}


# ---------------------------------------------------------------------------------------------
# Ordering: test_logs.py runs last, whatever order the files were named or selected in.


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=lambda item: Path(str(item.fspath)).name == "test_logs.py")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _STATE["log_dir"] is not None:
        terminalreporter.write_line("authd integration logs: %s" % _STATE["log_dir"])


# ---------------------------------------------------------------------------------------------
# The binary, the work directory, the database.


@pytest.fixture(scope="session")
def authd_bin() -> Path:
    return authd_binary()


@pytest.fixture(scope="session")
def work_dir():
    directory = make_work_dir("authd-integration-")
    _STATE["log_dir"] = directory / "logs"
    yield directory
    remove_cluster_data(directory)


@pytest.fixture(scope="session")
def log_dir(work_dir) -> Path:
    return work_dir / "logs"


@pytest.fixture(scope="session")
def database(authd_bin, work_dir):
    """The database: AUTHD_TEST_DATABASE_URL, or a private cluster on a free port."""
    url = os.environ.get("AUTHD_TEST_DATABASE_URL")
    if url:
        yield ExternalDatabase(url)
        return
    cluster = start_private_cluster(work_dir)
    yield cluster
    stop_private_cluster(cluster)


@pytest.fixture(scope="session")
def cli(authd_bin, database, log_dir) -> AuthdCLI:
    return AuthdCLI(authd_bin, database.url, log_dir / "cli.log")


@pytest.fixture(scope="session")
def migrated(cli, tmp_path_factory) -> None:
    cli.run("migrate", timeout=120, cwd=tmp_path_factory.mktemp("elsewhere"))


# ---------------------------------------------------------------------------------------------
# Users.


class Users:
    def __init__(self, gokul: User, inactive: User, unicode: User) -> None:
        self.gokul = gokul
        self.inactive = inactive
        self.unicode = unicode


@pytest.fixture(scope="session")
def users(cli, migrated) -> Users:
    gokul = User("Gokul", "123")
    cli.ensure_user(gokul.username, gokul.password)
    inactive = User(unique("inactive"), new_password(), active=False)
    cli.create_user(inactive.username, inactive.password, active=False)
    # Precomposed ü and CJK letters: valid for Django's UnicodeUsernameValidator, NFKC-stable.
    uni = User("J\u00fcrgen.\u6d4b\u8bd5-" + secrets.token_hex(4), new_password())
    cli.create_user(uni.username, uni.password)
    return Users(gokul, inactive, uni)


@pytest.fixture
def make_user(cli, migrated):
    """make_user(prefix="user", active=True, password=None, hash_iterations="1000") -> User."""

    def factory(prefix: str = "user", *, active: bool = True, password: str | None = None,
                hash_iterations: str | None = "1000") -> User:
        user = User(unique(prefix), password or new_password(), active=active)
        cli.create_user(user.username, user.password, active=active, hash_iterations=hash_iterations)
        return user

    return factory


# ---------------------------------------------------------------------------------------------
# Servers.


class ServerPool:
    """Starts `authd serve` processes by profile (once each) and any number of dedicated ones."""

    def __init__(self, binary: Path, database, log_dir: Path, signing_key: str) -> None:
        self.binary = binary
        self.database = database
        self.log_dir = log_dir
        self.signing_key = signing_key
        self.shared: dict[str, AuthdServer] = {}
        self.everything: list[AuthdServer] = []
        self._rsa = None
        self._counter = 0

    # The RS256 key (generated on first use, written as PKCS#8 PEM, no trailing newline issue:
    # PEM text ends with one, as every PEM file does).
    @property
    def rsa_private_key(self):
        if self._rsa is None:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa

            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            path = self.log_dir.parent / "rs256-private.pem"
            path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
            path.chmod(0o600)
            self._rsa = (key, path)
        return self._rsa[0]

    def profile_env(self, profile: str) -> dict:
        env = {
            "DATABASE_URL": self.database.url,
            "AUTHD_SIGNING_KEY": self.signing_key,
            "AUTHD_HASH_ITERATIONS": "1000",
            # Brute-force protection stays on, so its queries run beside every login of the
            # suite, with limits no test reaches: the suite fails thousands of logins from
            # 127.0.0.1. test_login_throttle.py sets its own limits (None restores a default).
            "AUTHD_LOGIN_THROTTLE_PAIR_RATE": "1000/m",
            "AUTHD_LOGIN_THROTTLE_ADDRESS_RATE": "100000/m",
            "AUTHD_LOGIN_THROTTLE_USER_RATE": "1000/m",
        }
        if profile == "default":
            pass
        elif profile == "rotate":
            env.update(AUTHD_ROTATE_REFRESH_TOKENS="true", AUTHD_BLACKLIST_AFTER_ROTATION="true",
                       AUTHD_THREADS="2", AUTHD_WORKERS="2")
        elif profile == "custom":
            env.update(AUTHD_AUDIENCE=CUSTOM["audience"], AUTHD_ISSUER=CUSTOM["issuer"],
                       AUTHD_ACCESS_TOKEN_LIFETIME=str(CUSTOM["access_lifetime"]),
                       AUTHD_REFRESH_TOKEN_LIFETIME=str(CUSTOM["refresh_lifetime"]),
                       AUTHD_LEEWAY=str(CUSTOM["leeway"]))
        elif profile == "rs256":
            self.rsa_private_key  # noqa: B018 (writes the key file)
            env.update(AUTHD_ALGORITHM="RS256", AUTHD_SIGNING_KEY=None,
                       AUTHD_SIGNING_KEY_FILE=str(self._rsa[1]))
        elif profile == "realcost":
            env["AUTHD_HASH_ITERATIONS"] = None
        else:
            raise ValueError("unknown server profile %r" % profile)
        return env

    def get(self, profile: str) -> AuthdServer:
        """The shared server of a profile, started on first use (and again if it died)."""
        server = self.shared.get(profile)
        if server is None:
            server = AuthdServer(profile, self.binary, self.profile_env(profile), self.log_dir)
            self.shared[profile] = server
            self.everything.append(server)
        if not server.alive:
            server.start()
        return server

    def spawn(self, profile: str = "default", **overrides) -> AuthdServer:
        """A dedicated, started server (the caller stops it)."""
        self._counter += 1
        env = self.profile_env(profile)
        env.update(overrides)
        server = AuthdServer("%s-dedicated%d" % (profile, self._counter), self.binary, env, self.log_dir)
        self.everything.append(server)
        return server.start()

    def running(self) -> list[AuthdServer]:
        return [s for s in self.everything if s.alive]

    def log_files(self) -> list[Path]:
        return [p for s in self.everything for p in s.log_files]

    def stop_all(self) -> None:
        for server in self.everything:
            server.stop()


@pytest.fixture(scope="session")
def signing_key() -> str:
    key = "authd-integration-hs256-" + secrets.token_hex(20)
    LEDGER.add(key, "signing key")
    return key


@pytest.fixture(scope="session")
def servers(authd_bin, database, migrated, log_dir, signing_key):
    pool = ServerPool(authd_bin, database, log_dir, signing_key)
    yield pool
    pool.stop_all()


@pytest.fixture(scope="session")
def default_server(servers, users) -> AuthdServer:
    return servers.get("default")


@pytest.fixture(scope="session")
def rotate_server(servers, users) -> AuthdServer:
    return servers.get("rotate")


@pytest.fixture(scope="session")
def custom_server(servers, users) -> AuthdServer:
    return servers.get("custom")


@pytest.fixture(scope="session")
def rs256_server(servers, users) -> AuthdServer:
    return servers.get("rs256")


@pytest.fixture(scope="session")
def realcost_server(servers, users) -> AuthdServer:
    return servers.get("realcost")


@pytest.fixture
def spawn_server(servers):
    """spawn_server(profile="default", **ENV) -> a dedicated started server, stopped after the test."""
    spawned: list[AuthdServer] = []

    def factory(profile: str = "default", **overrides) -> AuthdServer:
        server = servers.spawn(profile, **overrides)
        spawned.append(server)
        return server

    yield factory
    for server in spawned:
        server.stop()


@pytest.fixture
def postgres(database, servers):
    """The private cluster, for tests that stop, restart or kill it. Skipped for an external
    database. Afterwards the cluster is running again and every running server is ready."""
    if not database.controllable:
        pytest.skip("AUTHD_TEST_DATABASE_URL is set: the suite cannot stop that database")
    yield database
    wait_for_full_recovery(database, servers.running())


@pytest.fixture(scope="session")
def gokul_id(default_server, users) -> str:
    """Gokul's user id as the user_id claim carries it (a string, e.g. "1")."""
    from authd_testlib import decode_jwt

    user_id = decode_jwt(default_server.obtain("Gokul", "123")["access"]).payload["user_id"]
    assert isinstance(user_id, str) and user_id.isdigit(), user_id
    return user_id


@pytest.fixture
def user_id_of(default_server):
    """user_id_of(user) -> the user's id string, read from a freshly obtained access token."""
    from authd_testlib import decode_jwt

    def lookup(user: User) -> str:
        return decode_jwt(default_server.obtain(user.username, user.password)["access"]).payload["user_id"]

    return lookup


@pytest.fixture(scope="session")
def realcost_user(cli, migrated) -> User:
    """A user whose hash has Django's real 1,000,000 PBKDF2 iterations (created without
    AUTHD_HASH_ITERATIONS), so that logging in takes a noticeable time."""
    user = User(unique("realcost"), new_password())
    cli.create_user(user.username, user.password, hash_iterations=None)
    return user


# ---------------------------------------------------------------------------------------------
# SQL, as Django or an operator would run it beside authd.


class SQL:
    """Statements on one database of the test cluster (autocommit), for rows authd must see or
    must have written."""

    def __init__(self, url: str) -> None:
        self.url = url

    def rows(self, query: str, *params) -> list[tuple]:
        import psycopg

        connection = psycopg.connect(self.url, autocommit=True)
        try:
            with connection.cursor() as cursor:
                cursor.execute(query, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    def value(self, query: str, *params):
        found = self.rows(query, *params)
        return found[0][0] if found else None


@pytest.fixture(scope="session")
def sql(database, migrated) -> SQL:
    return SQL(database.url)


@pytest.fixture
def fresh_database(database):
    """fresh_database() -> SQL on a new, empty database in the test cluster (dropped afterwards)."""
    made: list[str] = []

    def factory() -> SQL:
        name = unique("db").lower()
        SQL(database.url).rows('CREATE DATABASE "%s"' % name)
        made.append(name)
        return SQL(re.sub(r"/[^/?]*(\?|$)", r"/%s\1" % name, database.url, count=1))

    yield factory
    for name in made:
        SQL(database.url).rows('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
