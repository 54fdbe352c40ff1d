"""manage.py testusers: the suite's hands inside Django. Reads a JSON list of operations on
standard input (passwords never go on a command line) and prints a JSON list of results:

  {"op": "create", "username": U, "password": P, "hasher": NAME?, "params": {...}?, "active": bool?}
      a user whose password Django hashed with hasher NAME (default: PASSWORD_HASHERS[0]); params
      set the hasher's attributes first (iterations, rounds, time_cost, memory_cost,
      parallelism, work_factor, block_size) to make a hash with other costs; "salt" gives the
      salt; "hash" stores that hash as it is (one no current hasher would make)
      -> {"id": str(pk), "hash": the stored hash}
  {"op": "show", "username": U, "password": P?}
      -> {"id", "hash", "algorithm", "is_active"} and, with a password, what Django's
         check_password says: "check" (it verifies) and "must_update" (Django would rehash
         it at login: other algorithm than PASSWORD_HASHERS[0], or the hasher's must_update)
  {"op": "set_password", "username": U, "password": P}      -> {"hash"}
  {"op": "blacklist_sliding", "token": T}   SlidingToken(T).blacklist() -> {"jti"}
  {"op": "outstanding", "jti": J}    the token's OutstandingToken row read through the ORM
      -> {"user_id": str or null, "blacklisted": bool} or null

U is the value of the user model's USERNAME_FIELD. An op may carry "hashers": a PASSWORD_HASHERS
list to apply while it runs (Django's override_settings, which resets the hasher caches).

With --serve the command reads one such JSON list per line and answers each with one line, until
standard input closes: the suite keeps one Django process instead of starting one per call.
"""

import json
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import get_hasher, identify_hasher, verify_password
from django.core.management.base import BaseCommand
from django.test import override_settings


def _create(User, op):
    # A fresh instance: get_hasher's are cached and shared, and params must not change them.
    hasher = type(get_hasher(op.get("hasher", "default")))()
    for name, value in (op.get("params") or {}).items():
        assert hasattr(hasher, name), "hasher %s has no %s" % (hasher.algorithm, name)
        setattr(hasher, name, value)
    user = User.objects.create_user(**{User.USERNAME_FIELD: op["username"]}, password=None)
    user.password = op.get("hash") or hasher.encode(op["password"], op.get("salt") or hasher.salt())
    if "active" in op:
        user.is_active = op["active"]
    user.save()
    return {"id": str(user.pk), "hash": user.password}


def _show(User, op):
    user = User.objects.get(**{User.USERNAME_FIELD: op["username"]})
    result = {"id": str(user.pk), "hash": user.password, "is_active": user.is_active,
              "algorithm": identify_hasher(user.password).algorithm}
    if "password" in op:
        # What Django's check_password does at login, without its setter (which would rehash).
        result["check"], result["must_update"] = verify_password(op["password"], user.password)
    return result


def _set_password(User, op):
    user = User.objects.get(**{User.USERNAME_FIELD: op["username"]})
    user.set_password(op["password"])
    user.save()
    return {"hash": user.password}


def _blacklist_sliding(op):
    from rest_framework_simplejwt.tokens import SlidingToken

    token = SlidingToken(op["token"])
    token.blacklist()
    return {"jti": token["jti"]}


def _outstanding(op):
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    row = OutstandingToken.objects.filter(jti=op["jti"]).first()
    if row is None:
        return None
    return {"user_id": None if row.user_id is None else str(row.user_id),
            "blacklisted": BlacklistedToken.objects.filter(token=row).exists()}


def _run(User, op):
    kind = op["op"]
    if kind == "create":
        return _create(User, op)
    if kind == "show":
        return _show(User, op)
    if kind == "set_password":
        return _set_password(User, op)
    if kind == "blacklist_sliding":
        return _blacklist_sliding(op)
    if kind == "outstanding":
        return _outstanding(op)
    raise ValueError("unknown op %r" % kind)


def _run_all(User, ops):
    results = []
    for op in ops:
        if op.get("hashers"):
            with override_settings(PASSWORD_HASHERS=op["hashers"]):
                results.append(_run(User, op))
        else:
            results.append(_run(User, op))
    return results


class Command(BaseCommand):
    help = "Create and inspect users and tokens for the takeover tests (JSON on stdin/stdout)."

    def add_arguments(self, parser):
        parser.add_argument("--serve", action="store_true", help="answer one JSON list per line")

    def handle(self, *args, **options):
        User = get_user_model()
        if not options["serve"]:
            self.stdout.write(json.dumps(_run_all(User, json.load(sys.stdin))))
            return
        for line in sys.stdin:
            try:
                answer = {"results": _run_all(User, json.loads(line))}
            except Exception as error:  # the suite shows it; the worker goes on
                answer = {"error": "%s: %s" % (type(error).__name__, error)}
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
