"""Helpers for the takeover suite: a real Django 5.2 + DRF + simplejwt project (project/) beside
authd on one PostgreSQL database. The processes, HTTP client, JWT and body helpers are
Tests/Integration/authd_testlib.py's, imported from there.

A takeover, in the order an operator would do it (Deployment.prepare):
  1. a fresh database in the test cluster;
  2. Django's `manage.py migrate` (auth_user or the custom user table, token_blacklist_*);
  3. `authd migrate` on that database (it must accept what Django made);
then a Django server (`manage.py runserver --noreload`) and an authd server (`authd serve`)
side by side on it, configured from ONE simplejwt settings dict (a Profile): Django reads it as
SIMPLE_JWT, authd gets the same settings as AUTHD_* variables (authd_env_for_simple_jwt).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "Integration"))

from authd_testlib import (  # noqa: E402  (the path above makes it importable)
    LEDGER,
    REPO,
    AuthdCLI,
    AuthdServer,
    HTTPClient,
    clean_environment,
    decode_jwt,
    expect,
    expect_tokens,
    free_port,
    new_password,
    unique,
)

PROJECT = HERE / "project"

# The test project's PASSWORD_HASHERS (project/djangosite/settings.py's default): every hasher
# Django 5.2 ships, in Django's order, plain bcrypt and md5 appended. Each entry: Django's
# dotted path and the algorithm name authd is given (AUTHD_PASSWORD_HASHERS takes either; the
# two PBKDF2 entries are the project's 1,000-iteration subclasses, so authd gets their names).
HASHERS = [
    ("api.hashers.PBKDF2PasswordHasher", "pbkdf2_sha256"),
    ("api.hashers.PBKDF2SHA1PasswordHasher", "pbkdf2_sha1"),
    ("django.contrib.auth.hashers.Argon2PasswordHasher", "argon2"),
    ("django.contrib.auth.hashers.BCryptSHA256PasswordHasher", "bcrypt_sha256"),
    ("django.contrib.auth.hashers.BCryptPasswordHasher", "bcrypt"),
    ("django.contrib.auth.hashers.ScryptPasswordHasher", "scrypt"),
    ("django.contrib.auth.hashers.MD5PasswordHasher", "md5"),
]
PBKDF2_ITERATIONS = 1000  # project/api/hashers.py; authd: AUTHD_HASH_ITERATIONS

CUSTOM_USER_MODEL = "accounts.EmailUser"
CUSTOM_USER_TABLE = "accounts_emailuser"

SLIDING_TOKEN = "rest_framework_simplejwt.tokens.SlidingToken"
ACCESS_TOKEN = "rest_framework_simplejwt.tokens.AccessToken"

PASSWORD_CHANGED = {"detail": "The user's password has been changed.", "code": "password_changed"}


# ---------------------------------------------------------------------------------------------
# Settings: one simplejwt dict, read by Django as SIMPLE_JWT and translated for authd.

_AUTHD_NAMES = {
    "SIGNING_KEY": "AUTHD_SIGNING_KEY",
    "ALGORITHM": "AUTHD_ALGORITHM",
    "ACCESS_TOKEN_LIFETIME": "AUTHD_ACCESS_TOKEN_LIFETIME",
    "REFRESH_TOKEN_LIFETIME": "AUTHD_REFRESH_TOKEN_LIFETIME",
    "SLIDING_TOKEN_LIFETIME": "AUTHD_SLIDING_TOKEN_LIFETIME",
    "SLIDING_TOKEN_REFRESH_LIFETIME": "AUTHD_SLIDING_TOKEN_REFRESH_LIFETIME",
    "ROTATE_REFRESH_TOKENS": "AUTHD_ROTATE_REFRESH_TOKENS",
    "BLACKLIST_AFTER_ROTATION": "AUTHD_BLACKLIST_AFTER_ROTATION",
    "CHECK_REVOKE_TOKEN": "AUTHD_CHECK_REVOKE_TOKEN",
    "REVOKE_TOKEN_CLAIM": "AUTHD_REVOKE_TOKEN_CLAIM",
    "AUTH_TOKEN_CLASSES": "AUTHD_AUTH_TOKEN_CLASSES",
    "USER_ID_FIELD": "AUTHD_USER_ID_FIELD",
    "USER_ID_CLAIM": "AUTHD_USER_ID_CLAIM",
    "UPDATE_LAST_LOGIN": "AUTHD_UPDATE_LAST_LOGIN",
}


def authd_env_for_simple_jwt(simple_jwt: dict) -> dict:
    """The AUTHD_* variables that say what `simple_jwt` says to Django."""
    env = {}
    for name, value in simple_jwt.items():
        target = _AUTHD_NAMES[name]  # a KeyError here: a setting authd has no variable for
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            value = ",".join(value)
        env[target] = str(value)
    return env


# ---------------------------------------------------------------------------------------------
# The Django side: manage.py and runserver.


def django_environment(database_url: str, simple_jwt: dict, *, user_model: str | None = None,
                       hashers: list[str] | None = None) -> dict:
    env = clean_environment()
    for name in list(env):
        if name.startswith("DJANGO_"):
            del env[name]
    env["DJANGO_SETTINGS_MODULE"] = "djangosite.settings"
    env["DJANGO_DATABASE_URL"] = database_url
    env["DJANGO_SIMPLE_JWT"] = json.dumps(simple_jwt)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # nothing written into the work tree
    if user_model is not None:
        env["DJANGO_AUTH_USER_MODEL"] = user_model
    if hashers is not None:
        env["DJANGO_PASSWORD_HASHERS"] = ",".join(hashers)
    return env


class DjangoServer(HTTPClient):
    """`manage.py runserver --noreload` on its own port (DEBUG off); output goes to files."""

    def __init__(self, name: str, env: dict, log_dir: Path) -> None:
        super().__init__("127.0.0.1", free_port())
        self.name = name
        self.env = env
        self.log_dir = log_dir
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> "DjangoServer":
        out_path = self.log_dir / ("django-%s.stdout.log" % self.name)
        err_path = self.log_dir / ("django-%s.stderr.log" % self.name)
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", "--noreload", "%s:%d" % (self.host, self.port)],
                cwd=PROJECT, env=self.env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                pytest.fail("Django runserver (%s) exited with status %s; stderr:\n%s" % (
                    self.name, self.proc.returncode, err_path.read_text(errors="replace")[-4000:]), pytrace=False)
            try:
                # Any HTTP answer means it serves (this one is a 401).
                requests.get(self.base_url + "/api/users/me/", timeout=1)
                return self
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail("Django runserver (%s) did not answer within %ss; stderr:\n%s" % (
                    self.name, timeout, err_path.read_text(errors="replace")[-4000:]), pytrace=False)
            time.sleep(0.1)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def login_body(username_field: str, username: str, password: str) -> dict:
    return {username_field: username, "password": password}


# ---------------------------------------------------------------------------------------------
# One database taken over: Django migrated it first, then authd.


class Deployment:
    """A database in the test cluster holding one Django project's tables (auth.User or the
    custom user model), migrated by Django and then by authd. `users()` runs the project's
    `manage.py testusers` command (see project/api/management/commands/testusers.py)."""

    def __init__(self, name: str, admin_url: str, authd_bin: Path, log_dir: Path, signing_key: str,
                 *, user_model: str | None = None) -> None:
        self.name = name
        self.database = "%s_%s" % (name, unique("db").split("-")[1])
        self.admin_url = admin_url
        self.url = admin_url.rsplit("/", 1)[0] + "/" + self.database
        self.authd_bin = authd_bin
        self.log_dir = log_dir
        self.signing_key = signing_key
        self.user_model = user_model
        self.username_field = "email" if user_model == CUSTOM_USER_MODEL else "username"
        self.cli = AuthdCLI(authd_bin, self.url, log_dir / ("authd-cli-%s.log" % name))
        self.servers: list[Any] = []
        self.worker: subprocess.Popen | None = None

    # -- set-up

    def prepare(self, work_dir: Path) -> "Deployment":
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute('CREATE DATABASE "%s"' % self.database)
        result = self.manage("migrate", "--no-input", timeout=300)
        assert result.returncode == 0, "Django migrate failed:\n%s%s" % (result.stdout, result.stderr)
        self.django_schema = self.schema()
        # From a directory without sql/: the schema built into the binary.
        elsewhere = work_dir / "elsewhere"
        elsewhere.mkdir(exist_ok=True)
        self.cli.run("migrate", timeout=120, cwd=elsewhere, env=self.user_model_env())
        return self

    def schema(self) -> dict:
        """Every table's columns, constraints and indexes, as PostgreSQL describes them."""
        tables: dict = {}
        for table, column, data_type, nullable, default in sql(self.url, """
                SELECT table_name, column_name, data_type, is_nullable, column_default
                FROM information_schema.columns WHERE table_schema = 'public'
                ORDER BY table_name, ordinal_position"""):
            tables.setdefault(table, []).append((column, data_type, nullable, default))
        for table, definition in sql(self.url, """
                SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint
                WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"""):
            tables.setdefault(table, []).append(("constraint", definition))
        for table, definition in sql(self.url, """
                SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'
                ORDER BY 1, 2"""):
            tables.setdefault(table, []).append(("index", definition))
        return tables

    def manage(self, *args: str, stdin: str | None = None, timeout: float = 120,
               hashers: list[str] | None = None, simple_jwt: dict | None = None) -> subprocess.CompletedProcess:
        env = django_environment(self.url, simple_jwt or self.simple_jwt({}), user_model=self.user_model,
                                 hashers=hashers)
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT, env=env, input=stdin,
                                capture_output=True, text=True, timeout=timeout)
        with open(self.log_dir / ("django-manage-%s.log" % self.name), "a", encoding="utf-8") as log:
            log.write("$ manage.py %s\nexit %d\n--- stdout\n%s--- stderr\n%s\n" % (
                " ".join(args), result.returncode, result.stdout, result.stderr))
        return result

    # -- settings

    def simple_jwt(self, profile: dict) -> dict:
        settings = {"SIGNING_KEY": self.signing_key, "ALGORITHM": "HS256"}
        settings.update(profile)
        return settings

    def user_model_env(self) -> dict:
        """What authd needs to know of the user model, for `migrate` and `serve` alike."""
        if self.user_model == CUSTOM_USER_MODEL:
            return {"AUTHD_USER_TABLE": CUSTOM_USER_TABLE, "AUTHD_USERNAME_FIELD": "email"}
        return {}

    def authd_env(self, profile: dict, hashers: list[str] | None = None) -> dict:
        env = {
            "DATABASE_URL": self.url,
            "AUTHD_HASH_ITERATIONS": str(PBKDF2_ITERATIONS),
            "AUTHD_PASSWORD_HASHERS": ",".join(hashers or [short for _, short in HASHERS]),
            "AUTHD_THREADS": "2",
            "AUTHD_WORKERS": "2",
        }
        env.update(self.user_model_env())
        env.update(authd_env_for_simple_jwt(self.simple_jwt(profile)))
        return env

    # -- servers

    def start_pair(self, name: str, profile: dict, *, django_hashers: list[str] | None = None,
                   authd_hashers: list[str] | None = None) -> "Pair":
        django = DjangoServer("%s-%s" % (self.name, name), django_environment(
            self.url, self.simple_jwt(profile), user_model=self.user_model, hashers=django_hashers), self.log_dir)
        self.servers.append(django)
        django.start()
        if os.environ.get("TAKEOVER_REFERENCE") == "django":
            # The suite's own check: a second Django server where authd would be, so that every
            # expectation is seen to hold for simplejwt itself.
            authd = DjangoServer("%s-%s-reference" % (self.name, name), django.env, self.log_dir)
        else:
            authd = AuthdServer("%s-%s" % (self.name, name), self.authd_bin, self.authd_env(profile, authd_hashers),
                                self.log_dir)
        self.servers.append(authd)
        authd.start()
        return Pair(self, django, authd, profile, django_hashers)

    def stop_all(self) -> None:
        for server in self.servers:
            server.stop()
        if self.worker is not None:
            self.worker.stdin.close()
            try:
                self.worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.worker.kill()
                self.worker.wait(timeout=10)

    # -- users, through Django

    def users(self, *ops: dict, hashers: list[str] | None = None) -> list:
        """Run `manage.py testusers` ops in the deployment's worker (one Django process kept
        running, `testusers --serve`); `hashers` is the PASSWORD_HASHERS they run under."""
        ops = [dict(op, hashers=hashers) if hashers else op for op in ops]
        for op in ops:
            if "password" in op:
                LEDGER.add(op["password"], "password")
        if self.worker is None or self.worker.poll() is not None:
            self.worker = subprocess.Popen(
                [sys.executable, "manage.py", "testusers", "--serve"], cwd=PROJECT, text=True,
                env=django_environment(self.url, self.simple_jwt({}), user_model=self.user_model),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=open(self.log_dir / ("django-testusers-%s.stderr.log" % self.name), "a"))
        self.worker.stdin.write(json.dumps(ops) + "\n")
        self.worker.stdin.flush()
        line = self.worker.stdout.readline()
        assert line, "manage.py testusers --serve exited (status %s): see the logs" % self.worker.poll()
        answer = json.loads(line)
        assert "error" not in answer, "manage.py testusers: %s" % answer["error"]
        return answer["results"]

    def create_user(self, prefix: str = "user", *, hasher: str | None = None, params: dict | None = None,
                    active: bool = True, password: str | None = None, salt: str | None = None,
                    stored_hash: str | None = None) -> "DjangoUser":
        username = unique(prefix)
        if self.username_field == "email":
            username = username + "@example.com"
        password = password or new_password()
        op = {"op": "create", "username": username, "password": password, "active": active}
        if hasher is not None:
            op["hasher"] = hasher
        if params:
            op["params"] = params
        if salt is not None:
            op["salt"] = salt
        if stored_hash is not None:
            op["hash"] = stored_hash
        created = self.users(op)[0]
        return DjangoUser(username, password, created["id"], created["hash"], self)

    def show(self, user: "DjangoUser", *, check: bool = True, hashers: list[str] | None = None) -> dict:
        op = {"op": "show", "username": user.username}
        if check:
            op["password"] = user.password
        return self.users(op, hashers=hashers)[0]


@dataclass
class DjangoUser:
    username: str
    password: str
    id: str  # str(pk): what the user_id claim carries
    hash: str  # the stored hash when created
    deployment: Deployment = field(repr=False)

    @property
    def login(self) -> dict:
        return login_body(self.deployment.username_field, self.username, self.password)


@dataclass
class Pair:
    """A Django server and an authd server on one database, with the same simplejwt settings."""

    deployment: Deployment
    django: DjangoServer
    authd: AuthdServer
    profile: dict
    django_hashers: list[str] | None = None

    @property
    def both(self) -> list[tuple[str, HTTPClient]]:
        return [("django", self.django), ("authd", self.authd)]

    def other(self, server: HTTPClient) -> HTTPClient:
        return self.authd if server is self.django else self.django


def obtain_pair(server: HTTPClient, user: DjangoUser, path: str = "/api/token/") -> dict:
    """Log `user` in on `server` (its model's username field); assert 200; the token pair."""
    return expect_tokens(server.post(path, user.login), ("refresh", "access"))


def obtain_sliding(server: HTTPClient, user: DjangoUser) -> str:
    return expect_tokens(server.post("/api/token/sliding/", user.login), ("token",))["token"]


def claims(token: str) -> dict:
    return decode_jwt(token).payload


def me_body(user: DjangoUser) -> dict:
    """What the protected view answers for `user`: the key as Django renders it (an int for
    auth.User, the UUID's string for the custom model) and the username field's value."""
    key: Any = int(user.id) if user.id.isdigit() else user.id
    return {"id": key, "username": user.username}


def sql(url: str, query: str, *params: Any) -> list[tuple]:
    """Rows of one query on the deployment's database (psycopg, Django's own driver)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(query, params).fetchall()
