"""Every Django password hasher: users whose hash Django made log in at authd, and the hash authd
writes when it upgrades one at login (Django's must_update) is a hash Django verifies and would
not upgrade again. authd gets Django's PASSWORD_HASHERS as AUTHD_PASSWORD_HASHERS."""

import pytest

from authd_testlib import NO_ACTIVE_ACCOUNT
from django_testlib import HASHERS, PBKDF2_ITERATIONS, expect, me_body, new_password, obtain_pair

ALL = [short for _, short in HASHERS]
PREFIX = {name: name + "$" for name in ALL}


@pytest.mark.parametrize("hasher", ALL)
def test_user_hashed_by_django_with_each_hasher_logs_in_at_authd(plain, takeover, hasher):
    user = takeover.create_user(hasher, hasher=hasher)
    assert user.hash.startswith(PREFIX[hasher]), user.hash
    tokens = obtain_pair(plain.authd, user)
    expect(plain.authd.me(tokens["access"]), 200, me_body(user))
    expect(plain.django.me(tokens["access"]), 200, me_body(user))


@pytest.mark.parametrize("hasher", ALL)
def test_wrong_password_of_a_user_of_each_hasher_is_refused_by_both_and_keeps_the_hash(plain, takeover, hasher):
    user = takeover.create_user(hasher, hasher=hasher)
    for _, server in plain.both:
        expect(server.post("/api/token/", {"username": user.username, "password": user.password + "x"}),
               401, NO_ACTIVE_ACCOUNT)
    assert takeover.show(user, check=False)["hash"] == user.hash


@pytest.mark.parametrize("hasher", [name for name in ALL if name != "pbkdf2_sha256"])
def test_authd_rehash_at_login_of_each_other_hasher_is_a_pbkdf2_sha256_hash_django_verifies(plain, takeover, hasher):
    user = takeover.create_user(hasher, hasher=hasher)
    assert takeover.show(user)["must_update"] is True  # Django would rehash it at login too
    obtain_pair(plain.authd, user)
    shown = takeover.show(user)
    assert shown["hash"].startswith("pbkdf2_sha256$%d$" % PBKDF2_ITERATIONS), shown["hash"]
    assert shown["check"] is True and shown["must_update"] is False, shown
    # Django logs the user in with authd's hash and leaves it as it is.
    obtain_pair(plain.django, user)
    assert takeover.show(user, check=False)["hash"] == shown["hash"]


def test_pbkdf2_sha256_user_at_the_configured_cost_keeps_its_hash_at_authd_login(plain, takeover):
    user = takeover.create_user("current")
    obtain_pair(plain.authd, user)
    assert takeover.show(user, check=False)["hash"] == user.hash


@pytest.mark.parametrize("case,params,salt", [
    ("fewer_iterations", {"iterations": 500}, None),
    ("more_iterations", {"iterations": 2000}, None),
    ("salt_shorter_than_22_characters", None, "shortsalt"),
], ids=["fewer_iterations", "more_iterations", "short_salt"])
def test_pbkdf2_sha256_hash_django_would_update_is_rehashed_by_authd_as_django_would(plain, takeover, case, params,
                                                                                      salt):
    user = takeover.create_user(case, hasher="pbkdf2_sha256", params=params, salt=salt)
    before = takeover.show(user)
    assert before["check"] is True and before["must_update"] is True, before
    obtain_pair(plain.authd, user)
    shown = takeover.show(user)
    assert shown["hash"] != user.hash and shown["hash"].startswith("pbkdf2_sha256$%d$" % PBKDF2_ITERATIONS)
    assert len(shown["hash"].split("$")[2]) >= 22, shown["hash"]
    assert shown["check"] is True and shown["must_update"] is False, shown


def test_argon2i_hash_from_before_django_3_2_logs_in_at_authd_and_is_rehashed(plain, takeover):
    import argon2

    # What Django 2.x's Argon2PasswordHasher stored: argon2i, m=512, t=2, p=2.
    legacy = argon2.PasswordHasher(time_cost=2, memory_cost=512, parallelism=2, type=argon2.Type.I)
    password = new_password()
    user = takeover.create_user("argon2i", password=password, stored_hash="argon2" + legacy.hash(password))
    assert takeover.show(user)["check"] is True
    tokens = obtain_pair(plain.authd, user)
    expect(plain.django.me(tokens["access"]), 200, me_body(user))
    shown = takeover.show(user)
    assert shown["hash"].startswith("pbkdf2_sha256$") and shown["check"] and not shown["must_update"], shown


# --- Another hasher preferred (PASSWORD_HASHERS[0]): Django's default list with it first. ------------

@pytest.mark.parametrize("first", ["argon2", "bcrypt_sha256", "scrypt"])
def test_authd_rehashes_a_pbkdf2_user_with_the_preferred_hasher_and_django_verifies_it(preferring, takeover, first):
    pair = preferring(first)
    user = takeover.create_user("to-" + first)
    obtain_pair(pair.authd, user)
    shown = takeover.show(user, hashers=pair.django_hashers)
    assert shown["algorithm"] == first, shown["hash"]
    assert shown["check"] is True and shown["must_update"] is False, shown
    obtain_pair(pair.django, user)
    assert takeover.show(user, check=False)["hash"] == shown["hash"]


@pytest.mark.parametrize("first,params", [
    ("argon2", {"time_cost": 1}),
    ("argon2", {"memory_cost": 65536}),
    ("bcrypt_sha256", {"rounds": 4}),
    ("scrypt", {"work_factor": 2 ** 10}),
], ids=["argon2_t1", "argon2_m65536", "bcrypt_sha256_rounds4", "scrypt_n1024"])
def test_preferred_hasher_hash_at_other_costs_is_rehashed_by_authd_at_djangos_costs(preferring, takeover, first,
                                                                                     params):
    pair = preferring(first)
    user = takeover.create_user(first, hasher=first, params=params)
    before = takeover.show(user, hashers=pair.django_hashers)
    assert before["check"] is True and before["must_update"] is True, before
    tokens = obtain_pair(pair.authd, user)
    shown = takeover.show(user, hashers=pair.django_hashers)
    assert shown["algorithm"] == first and shown["hash"] != user.hash, shown["hash"]
    assert shown["check"] is True and shown["must_update"] is False, shown
    expect(pair.django.me(tokens["access"]), 200, me_body(user))


@pytest.mark.parametrize("hasher", ["bcrypt", "md5"])
def test_hash_of_a_hasher_not_in_password_hashers_is_refused_by_both(preferring, takeover, hasher):
    pair = preferring("argon2")  # Django's default list: plain bcrypt and md5 are not in it
    user = takeover.create_user(hasher, hasher=hasher)
    for _, server in pair.both:
        expect(server.post("/api/token/", user.login), 401, NO_ACTIVE_ACCOUNT)
    assert takeover.show(user, check=False)["hash"] == user.hash
