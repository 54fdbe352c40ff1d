"""manage.py testusers: the suite's hands inside Django. Reads a JSON list of operations on
standard input (passwords never go on a command line) and prints a JSON list of results:

  {"op": "create", "username": U, "password": P, "hasher": NAME?, "params": {...}?, "active": bool?}
      a user whose password Django hashed with hasher NAME (default: PASSWORD_HASHERS[0]); params
      set the hasher's attributes first (iterations, rounds, time_cost, memory_cost,
      parallelism, work_factor, block_size) to make a hash with other costs
      -> {"id": str(pk), "hash": the stored hash}
  {"op": "show", "username": U, "password": P?}
      -> {"id", "hash", "algorithm", "is_active"} and, with a password, what Django's
         check_password says: "check" (it verifies) and "must_update" (Django would rehash
         it at login: other algorithm than PASSWORD_HASHERS[0], or the hasher's must_update)
  {"op": "set_password", "username": U, "password": P}      -> {"hash"}
  {"op": "blacklist_sliding", "token": T}   SlidingToken(T).blacklist() -> {"jti"}
  {"op": "outstanding", "jti": J}    the token's OutstandingToken row read through the ORM
      -> {"user_id": str or null, "blacklisted": bool} or null

U is the value of the user model's USERNAME_FIELD.
"""

import json
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import get_hasher, identify_hasher, verify_password
from django.core.management.base import BaseCommand


def _create(User, op):
    hasher = get_hasher(op.get("hasher", "default"))
    for name, value in (op.get("params") or {}).items():
        assert hasattr(hasher, name), "hasher %s has no %s" % (hasher.algorithm, name)
        setattr(hasher, name, value)
    user = User.objects.create_user(**{User.USERNAME_FIELD: op["username"]}, password=None)
    user.password = hasher.encode(op["password"], hasher.salt())
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


class Command(BaseCommand):
    help = "Create and inspect users and tokens for the takeover tests (JSON on stdin/stdout)."

    def handle(self, *args, **options):
        User = get_user_model()
        results = []
        for op in json.load(sys.stdin):
            kind = op["op"]
            if kind == "create":
                results.append(_create(User, op))
            elif kind == "show":
                results.append(_show(User, op))
            elif kind == "set_password":
                results.append(_set_password(User, op))
            elif kind == "blacklist_sliding":
                results.append(_blacklist_sliding(op))
            elif kind == "outstanding":
                results.append(_outstanding(op))
            else:
                raise ValueError("unknown op %r" % kind)
        self.stdout.write(json.dumps(results))
