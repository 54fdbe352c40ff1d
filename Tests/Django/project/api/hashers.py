"""Django's PBKDF2 hashers at 1,000 iterations instead of 1,000,000, so that the suite's logins
are fast. The algorithm names are Django's: the hashes are ordinary pbkdf2_sha256 / pbkdf2_sha1
hashes that any Django (and authd with AUTHD_HASH_ITERATIONS=1000) reads without a rehash."""

from django.contrib.auth import hashers

ITERATIONS = 1000


class PBKDF2PasswordHasher(hashers.PBKDF2PasswordHasher):
    iterations = ITERATIONS


class PBKDF2SHA1PasswordHasher(hashers.PBKDF2SHA1PasswordHasher):
    iterations = ITERATIONS
