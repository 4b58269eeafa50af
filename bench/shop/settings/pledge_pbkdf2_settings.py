"""pledge's settings with Django's default password hasher (PBKDF2-SHA256) first.

The peer of the login benchmark: the same site, where a new password is hashed, and a sign-in
verified, by PBKDF2 instead of Argon2id. Only ``PASSWORD_HASHERS`` differs.
"""

from pledge.settings import *  # noqa: F403
from pledge.settings import PASSWORD_HASHERS as PLEDGE_HASHERS

PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher", *PLEDGE_HASHERS]
