"""Settings for the test suite: the real settings with fast hashing, eager tasks and in-memory mail."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from supportdesk.settings import *  # noqa: F403
from supportdesk.settings import CACHES, VAR_DIR

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in-process when their on_commit hook fires; tests that exercise a real worker start one.
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = VAR_DIR / "test-media"
if CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

# On SQLite the test database is a file, not shared-cache memory: browser tests run a real server in
# another thread and worker tests another process, and an in-memory database answers their concurrent
# reads with "database table is locked" instead of waiting. (pytest-xdist gives each worker its own file.)
_database = DATABASES["default"]  # noqa: F405
if _database["ENGINE"] == "django.db.backends.sqlite3" and not _database["TEST"]["NAME"]:
    VAR_DIR.mkdir(exist_ok=True)  # a fresh checkout has no var/ yet
    _database["TEST"]["NAME"] = str(VAR_DIR / "test-db.sqlite3")
