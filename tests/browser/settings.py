"""Settings for the daphne process the browser tests start: the project's settings with
a fast password hasher, so seeding the demo accounts takes no noticeable time."""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
