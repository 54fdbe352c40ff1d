"""Settings of the takeover test project, all read from the environment so that each test
deployment (and each authd beside it) is configured from one place, conftest.py:

    DJANGO_DATABASE_URL      postgresql://USER@HOST:PORT/DBNAME (required)
    DJANGO_SECRET_KEY        Django's SECRET_KEY (not the JWT key)
    DJANGO_PASSWORD_HASHERS  PASSWORD_HASHERS, dotted paths separated by commas
    DJANGO_AUTH_USER_MODEL   AUTH_USER_MODEL (default auth.User); accounts.EmailUser installs
                             the accounts app (email login, UUID keys)
    DJANGO_SIMPLE_JWT        SIMPLE_JWT as a JSON object; *_LIFETIME values in seconds
"""

import json
import os
from datetime import timedelta
from urllib.parse import unquote, urlsplit

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "takeover-test-project-not-a-secret")
ROOT_URLCONF = "djangosite.urls"
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

AUTH_USER_MODEL = os.environ.get("DJANGO_AUTH_USER_MODEL", "auth.User")

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "api",
]
if AUTH_USER_MODEL.startswith("accounts."):
    INSTALLED_APPS.append("accounts")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]


def _database(url: str) -> dict:
    parts = urlsplit(url)
    assert parts.scheme in ("postgres", "postgresql"), url
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }


DATABASES = {"default": _database(os.environ["DJANGO_DATABASE_URL"])}

# Django 5.2's own list, every hasher it ships, with the two PBKDF2 hashers at 1,000 iterations
# (api/hashers.py) so that logins are fast; authd is started with AUTHD_HASH_ITERATIONS=1000.
PASSWORD_HASHERS = os.environ.get("DJANGO_PASSWORD_HASHERS", ",".join([
    "api.hashers.PBKDF2PasswordHasher",
    "api.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
])).split(",")


def _simple_jwt(text: str) -> dict:
    settings = json.loads(text)
    for name, value in list(settings.items()):
        if name.endswith("_LIFETIME"):
            settings[name] = timedelta(seconds=value)
    return settings


SIMPLE_JWT = _simple_jwt(os.environ.get("DJANGO_SIMPLE_JWT", "{}"))

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}
