"""The takeover suite (issue 10): authd takes over a real Django 5.2 + DRF + simplejwt 5.5.1
deployment (blacklist app installed) on the same PostgreSQL, and each side accepts what the other
made: users and their hashes, tokens, blacklisted tokens, sliding tokens, a custom user model.

Run from the repository root, after building authd (scripts/test does both):

    python3 -m pip install -r Tests/Django/requirements.txt
    AUTHD_BIN=$PWD/.build/debug/authd python3 -m pytest -q Tests/Django

What the session sets up (django_testlib.py has the details):
    * a private PostgreSQL cluster (scripts/test-postgres, as in Tests/Integration);
    * two databases taken over as an operator would: Django's `migrate`, then `authd migrate`:
      `takeover` (Django's auth.User) and `custom` (AUTH_USER_MODEL=accounts.EmailUser: email
      login, UUID keys; a database of its own, since AUTH_USER_MODEL cannot change once migrated);
    * pairs of servers on one database, each pair configured from one simplejwt settings dict
      (PROFILES below) that Django reads as SIMPLE_JWT and authd as AUTHD_* variables: a Django
      `manage.py runserver --noreload` (DEBUG off) and an `authd serve`, started on first use.
      Both sign with the same HS256 key. Passwords: Django's PASSWORD_HASHERS with the PBKDF2
      hashers at 1,000 iterations (project/api/hashers.py), authd with AUTHD_HASH_ITERATIONS=1000.

Environment: TAKEOVER_REFERENCE=django starts a second Django server where each pair's authd
would be: the suite then checks its own expectations against simplejwt itself (everything
passes except what only authd does: its CLI, its migrations). AUTHD_BIN (default <repo>/.build/debug/authd), AUTHD_TEST_POSTGRES_SCRIPT,
AUTHD_TEST_KEEP=1 (keep the cluster's directory). Logs of every process go to a directory
printed at the end of the run.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from django_testlib import (
    CUSTOM_USER_MODEL,
    HASHERS,
    LEDGER,
    SLIDING_TOKEN,
    Deployment,
)
from authd_testlib import authd_binary, make_work_dir, remove_cluster_data, start_private_cluster, stop_private_cluster

# One simplejwt settings dict per server pair (SIGNING_KEY and ALGORITHM are added to each).
PROFILES = {
    "plain": {},
    "revoke": {"CHECK_REVOKE_TOKEN": True},
    "rotate": {"ROTATE_REFRESH_TOKENS": True, "BLACKLIST_AFTER_ROTATION": True},
    "sliding": {"AUTH_TOKEN_CLASSES": [SLIDING_TOKEN], "SLIDING_TOKEN_LIFETIME": 600,
                "SLIDING_TOKEN_REFRESH_LIFETIME": 7200},
}

# PASSWORD_HASHERS with another hasher preferred: Django's own default list (no plain bcrypt,
# no md5) with that hasher moved first. Django gets its dotted paths (the PBKDF2 ones are the
# project's 1,000-iteration classes); authd gets Django's stock dotted paths, the other form
# AUTHD_PASSWORD_HASHERS accepts.
_DJANGO_DEFAULT_ORDER = ["pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256", "scrypt"]
_STOCK_PATHS = {
    "pbkdf2_sha256": "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "pbkdf2_sha1": "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "argon2": "django.contrib.auth.hashers.Argon2PasswordHasher",
    "bcrypt_sha256": "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "scrypt": "django.contrib.auth.hashers.ScryptPasswordHasher",
}


def preferred_hashers(first: str) -> tuple[list[str], list[str]]:
    """(Django's PASSWORD_HASHERS, authd's AUTHD_PASSWORD_HASHERS) with `first` preferred."""
    order = [first] + [name for name in _DJANGO_DEFAULT_ORDER if name != first]
    django_paths = dict((short, path) for path, short in HASHERS)
    return [django_paths[name] for name in order], [_STOCK_PATHS[name] for name in order]


_STATE: dict = {"log_dir": None}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _STATE["log_dir"] is not None:
        terminalreporter.write_line("takeover suite logs: %s" % _STATE["log_dir"])


@pytest.fixture(scope="session")
def authd_bin() -> Path:
    return authd_binary()


@pytest.fixture(scope="session")
def work_dir():
    directory = make_work_dir("authd-takeover-")
    _STATE["log_dir"] = directory / "logs"
    yield directory
    remove_cluster_data(directory)


@pytest.fixture(scope="session")
def log_dir(work_dir) -> Path:
    return work_dir / "logs"


@pytest.fixture(scope="session")
def cluster(work_dir):
    cluster = start_private_cluster(work_dir)
    yield cluster
    stop_private_cluster(cluster)


@pytest.fixture(scope="session")
def signing_key() -> str:
    """SIMPLE_JWT's SIGNING_KEY and authd's AUTHD_SIGNING_KEY (HS256)."""
    key = "django-takeover-hs256-" + secrets.token_hex(20)
    LEDGER.add(key, "signing key")
    return key


def _deployment(name, cluster, authd_bin, log_dir, work_dir, signing_key, user_model=None):
    return Deployment(name, cluster.url, authd_bin, log_dir, signing_key, user_model=user_model).prepare(work_dir)


@pytest.fixture(scope="session")
def takeover(cluster, authd_bin, log_dir, work_dir, signing_key):
    """The database of a Django project with auth.User, migrated by Django then by authd."""
    deployment = _deployment("takeover", cluster, authd_bin, log_dir, work_dir, signing_key)
    yield deployment
    deployment.stop_all()


@pytest.fixture(scope="session")
def custom_takeover(cluster, authd_bin, log_dir, work_dir, signing_key):
    """The database of a Django project with AUTH_USER_MODEL = accounts.EmailUser."""
    deployment = _deployment("custom", cluster, authd_bin, log_dir, work_dir, signing_key,
                             user_model=CUSTOM_USER_MODEL)
    yield deployment
    deployment.stop_all()


_PAIRS: dict = {}


def _pair(deployment: Deployment, name: str, profile: dict, **hashers):
    key = (deployment.name, name)
    if key not in _PAIRS:
        _PAIRS[key] = deployment.start_pair(name, profile, **hashers)
    return _PAIRS[key]


@pytest.fixture(scope="session")
def plain(takeover):
    """Django and authd with simplejwt's defaults (CHECK_REVOKE_TOKEN off)."""
    return _pair(takeover, "plain", PROFILES["plain"])


@pytest.fixture(scope="session")
def revoke(takeover):
    """CHECK_REVOKE_TOKEN on, on both."""
    return _pair(takeover, "revoke", PROFILES["revoke"])


@pytest.fixture(scope="session")
def rotate(takeover):
    """ROTATE_REFRESH_TOKENS and BLACKLIST_AFTER_ROTATION on, on both."""
    return _pair(takeover, "rotate", PROFILES["rotate"])


@pytest.fixture(scope="session")
def sliding(takeover):
    """AUTH_TOKEN_CLASSES = (SlidingToken,) on both, lifetimes 600 s / 7200 s."""
    return _pair(takeover, "sliding", PROFILES["sliding"])


@pytest.fixture(scope="session")
def custom(custom_takeover):
    """Django and authd on the custom user model's database, simplejwt's defaults."""
    return _pair(custom_takeover, "plain", PROFILES["plain"])


@pytest.fixture(scope="session")
def preferring(takeover):
    """preferring(hasher) -> a pair whose PASSWORD_HASHERS put `hasher` first (Django's default
    list otherwise: no plain bcrypt, no md5)."""

    def factory(first: str):
        django_hashers, authd_hashers = preferred_hashers(first)
        return _pair(takeover, "prefer-" + first, PROFILES["plain"], django_hashers=django_hashers,
                     authd_hashers=authd_hashers)

    return factory


@pytest.fixture(params=["plain", "revoke"], ids=["check_revoke_off", "check_revoke_on"])
def either_revoke_setting(request):
    """The plain pair and the CHECK_REVOKE_TOKEN pair, in turn."""
    return request.getfixturevalue(request.param)
