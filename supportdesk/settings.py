"""SupportDesk settings, driven by environment variables (see .env.example).

Embedded defaults (SQLite, a filesystem Celery broker, console email) let a fresh checkout run with no
server; set DATABASE_URL and REDIS_URL for the full stack. Values that cannot be used stop start-up with
a sentence naming the variable (supportdesk.env); missing production settings surface as system checks
(supportdesk.checks).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from supportdesk.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_rate,
    env_str,
    env_timezone,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SUPPORTDESK_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# Without DEBUG a SECRET_KEY is required: the system check supportdesk.E001 refuses to start without one
# (Django cannot even report errors with an empty key, so a throwaway one stands in until the check runs).
SECRET_KEY_MISSING = not env_str("SECRET_KEY") and not DEBUG
SECRET_KEY = env_str("SECRET_KEY") or (
    "insecure-development-key-only-for-debug" if DEBUG else "missing-" + os.urandom(16).hex()
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000", ["http", "https"]).rstrip("/")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "anymail",
    "channels",
    "supportdesk",
    "tickets",
    "channels_intake",
    "sla",
    "escalation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "supportdesk.urls"
WSGI_APPLICATION = "supportdesk.wsgi.application"
ASGI_APPLICATION = "supportdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = env_url(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'supportdesk.sqlite3'}",
    ["sqlite", "postgres", "postgresql", "pgsql"],
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL + IMMEDIATE transactions let the web process and the worker write to one file without
    # "database is locked" errors on ordinary load.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("SQLITE_TEST_NAME") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker, cache and channel layer when present ------------------------------------------
REDIS_URL = env_url("REDIS_URL", "", ["redis", "rediss", "unix"])
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # Live chat: every open socket joins groups at once on a reconnect storm; redis-py's pool refuses
    # (rather than waits) past max_connections, whose default of 100 is too few for hundreds of sockets.
    _channel_redis = {"address": REDIS_URL, "max_connections": env_int("CHANNEL_LAYER_MAX_CONNECTIONS", 1000)}
    # channels_redis keeps the events for every socket of one web process in ONE Redis list, capped at
    # "capacity" and silently dropped beyond it: its default of 100 lost "new message" events for agents
    # while 200 chats opened at once on one process (docs/PERFORMANCE.md section 6).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [_channel_redis],
                "capacity": env_int("CHANNEL_LAYER_CAPACITY", 2000, minimum=100),
            },
        }
    }
else:
    # A file cache is shared by the web and worker processes, which rate limiting needs.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    # In one process with the Celery worker threads (runstack), shared by both: supportdesk/layers.py.
    CHANNEL_LAYERS = {"default": {"BACKEND": "supportdesk.layers.ThreadSafeInMemoryChannelLayer"}}

# --- Celery ---------------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL == "filesystem://":
    # The embedded broker: messages are files in var/broker, so `make run` needs no server.
    _broker_dir = str(VAR_DIR / "broker")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _broker_dir,
        "data_folder_out": _broker_dir,
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "store_processed": False,
        # Broadcast (worker control) messages; kombu's default is ./control in the working directory.
        "control_folder": str(VAR_DIR / "broker-control"),
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# The queue every task goes to and workers read: installations (or test runs) sharing one broker keep
# apart by naming their own.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE") or "celery"
# supportdesk.queue.enqueue_on_commit gives up on an unreachable or silent broker after this long
# (connect and each command), without retrying: a sweep picks up the work; the request goes on.
TASK_PUBLISH_TIMEOUT_SECONDS = env_int("TASK_PUBLISH_TIMEOUT_MS", 500, minimum=50, maximum=10_000) / 1000
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Jakarta"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "redeliver-queued-outbound": {
        "task": "channels_intake.tasks.redeliver_stuck_outbound",
        "schedule": 60.0,
    },
    "clear-expired-sessions": {
        "task": "tickets.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
}

# --- Auth -----------------------------------------------------------------------------------------
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/desk/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_timezone("TIME_ZONE", "Asia/Jakarta")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploads: the contact form allows 5 x 4.5 MB; leave headroom for the rest of the form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email ----------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "SupportDesk <support@supportdesk.localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
SUPPORT_REPLY_TO = env_str("SUPPORT_REPLY_TO", "")
# For EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend (Anymail backends use their API keys).
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
ANYMAIL = {
    key: value
    for key, value in {
        "WEBHOOK_SECRET": env_str("ANYMAIL_WEBHOOK_SECRET"),
        "MAILGUN_API_KEY": env_str("MAILGUN_API_KEY"),
        "MAILGUN_WEBHOOK_SIGNING_KEY": env_str("MAILGUN_WEBHOOK_SIGNING_KEY"),
        "POSTMARK_SERVER_TOKEN": env_str("POSTMARK_SERVER_TOKEN"),
        "SENDGRID_API_KEY": env_str("SENDGRID_API_KEY"),
        "BREVO_API_KEY": env_str("BREVO_API_KEY"),
    }.items()
    if value
}

# --- Email channel (channels_intake/email) --------------------------------------------------------
# Bearer token for POST /intake/email/raw/ (a mail server piping raw MIME to us); empty: endpoint off.
EMAIL_INTAKE_TOKEN = env_str("EMAIL_INTAKE_TOKEN")
# Our own addresses besides DEFAULT_FROM_EMAIL/SUPPORT_REPLY_TO/team addresses: never made participants.
EMAIL_OWN_ADDRESSES = env_list("EMAIL_OWN_ADDRESSES", [])
# Size limits: one part over EMAIL_MAX_PART_BYTES, or parts past EMAIL_MAX_MESSAGE_BYTES in total, are
# dropped with a note; a message over EMAIL_MAX_RAW_BYTES keeps only its headers.
EMAIL_MAX_PART_BYTES = env_int("EMAIL_MAX_PART_BYTES", 10 * 1024 * 1024, minimum=1024)
EMAIL_MAX_MESSAGE_BYTES = env_int("EMAIL_MAX_MESSAGE_BYTES", 25 * 1024 * 1024, minimum=1024)
EMAIL_MAX_RAW_BYTES = env_int("EMAIL_MAX_RAW_BYTES", 40 * 1024 * 1024, minimum=64 * 1024)
# Automatic mail (acknowledgements, out-of-hours replies) per recipient, per ticket, per window.
EMAIL_AUTO_REPLY_WINDOW_MINUTES = env_int("EMAIL_AUTO_REPLY_WINDOW_MINUTES", 60, minimum=1)
EMAIL_AUTO_REPLY_MAX_PER_RECIPIENT = env_int("EMAIL_AUTO_REPLY_MAX_PER_RECIPIENT", 5, minimum=0)
EMAIL_AUTO_REPLY_MAX_PER_TICKET = env_int("EMAIL_AUTO_REPLY_MAX_PER_TICKET", 2, minimum=0)
# After the per-recipient cap is reached, automatic mail to the address stays off this long (or until
# it writes a non-automatic message after a quiet spell).
EMAIL_AUTO_REPLY_COOL_OFF_HOURS = env_int("EMAIL_AUTO_REPLY_COOL_OFF_HOURS", 24, minimum=1)
EMAIL_IMAP_POLL_SECONDS = env_int("EMAIL_IMAP_POLL_SECONDS", 60, minimum=10)
EMAIL_IMAP_BATCH_SIZE = env_int("EMAIL_IMAP_BATCH_SIZE", 50, minimum=1, maximum=1000)
EMAIL_IMAP_TIMEOUT_SECONDS = env_int("EMAIL_IMAP_TIMEOUT_SECONDS", 30, minimum=1)
# A message that fails to fetch this many polls in a row is quarantined and skipped.
EMAIL_IMAP_MAX_FETCH_ATTEMPTS = env_int("EMAIL_IMAP_MAX_FETCH_ATTEMPTS", 5, minimum=1)
ANYMAIL.update(
    {
        key: value
        for key, value in {
            "MAILERSEND_INBOUND_SECRET": env_str("MAILERSEND_INBOUND_SECRET"),
            "MAILERSEND_SIGNING_SECRET": env_str("MAILERSEND_SIGNING_SECRET"),
            "RESEND_INBOUND_SECRET": env_str("RESEND_INBOUND_SECRET"),
            "RESEND_SIGNING_SECRET": env_str("RESEND_SIGNING_SECRET"),
            # Resend's inbound webhook only names the message; Anymail fetches it with the API key.
            "RESEND_API_KEY": env_str("RESEND_API_KEY"),
            "POSTAL_WEBHOOK_KEY": env_str("POSTAL_WEBHOOK_KEY"),
            "MANDRILL_WEBHOOK_KEY": env_str("MANDRILL_WEBHOOK_KEY"),
            # The URL exactly as configured at Mandrill (it is signed), when a proxy changes what we see.
            "MANDRILL_WEBHOOK_URL": env_str("MANDRILL_WEBHOOK_URL"),
        }.items()
        if value
    }
)
CELERY_BEAT_SCHEDULE.update(
    {
        "email-poll-imap-mailboxes": {
            "task": "channels_intake.email.tasks.poll_mailboxes",
            "schedule": float(EMAIL_IMAP_POLL_SECONDS),
        },
    }
)
# --- end of email channel settings -----------------------------------------------------------------

# --- REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an anonymous API client gets 401 with "WWW-Authenticate: Token" rather than a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tickets.api.permissions.IsAgent"],
    "DEFAULT_PAGINATION_CLASS": "tickets.api.pagination.Pagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # tickets.actions.ActionError (a refused change) becomes 400 {"detail": "<why>"}.
    "EXCEPTION_HANDLER": "tickets.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SupportDesk API",
    "DESCRIPTION": "Tickets, messages and contacts for agents. Every write goes through the same actions as the web workspace.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and its favicon come from the drf-spectacular-sidecar package (served as static files),
    # so /api/docs/ works without reaching a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ChannelEnum": "tickets.models.Channel",
        "CreateChannelEnum": "tickets.api.inputs.CREATE_CHANNELS",
    },
}

# --- SupportDesk ----------------------------------------------------------------------------------
# Contact form: the support policy allows 5 attachments of 4.5 MB, jpg/jpeg/png/pdf.
CONTACT_FORM_MAX_FILES = env_int("CONTACT_FORM_MAX_FILES", 5, minimum=0, maximum=20)
CONTACT_FORM_MAX_FILE_BYTES = env_int("CONTACT_FORM_MAX_FILE_BYTES", 4_718_592, minimum=1)
CONTACT_FORM_RATE = env_rate("CONTACT_FORM_RATE", "10/h")
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
# Behind a reverse proxy every customer has the proxy's address: name the header with the client's
# address (e.g. HTTP_X_REAL_IP) so the per-IP limit counts customers, not the proxy.
if env_str("RATELIMIT_IP_META_KEY"):
    RATELIMIT_IP_META_KEY = env_str("RATELIMIT_IP_META_KEY")
# Signed status links stay valid this many days after they were sent or after the ticket's last activity,
# whichever is later (tickets.links.ticket_for_token).
STATUS_LINK_MAX_AGE_DAYS = env_int("STATUS_LINK_MAX_AGE_DAYS", 180, minimum=1)
DEFAULT_PHONE_REGION = env_choice("DEFAULT_PHONE_REGION", "ID", ["ID", "MY", "SG", "PH", "TH", "VN"])
# Custom out-of-hours sentence ({next_open} is filled in); opening hours are the SLA calendars.
OUT_OF_HOURS_TEXT = env_str("OUT_OF_HOURS_TEXT", "")

# --- Message channels: WhatsApp, Instagram, Messenger, X (channels_intake, branch meta) ------------
# Provider API base URLs: tests point them at a fake API on 127.0.0.1.
META_GRAPH_URL = env_url("META_GRAPH_URL", "https://graph.facebook.com/v21.0", ["http", "https"]).rstrip("/")
X_API_URL = env_url("X_API_URL", "https://api.x.com", ["http", "https"]).rstrip("/")
CHANNEL_HTTP_TIMEOUT_SECONDS = env_int("CHANNEL_HTTP_TIMEOUT_SECONDS", 15, minimum=1, maximum=120)
# Largest inbound media file (WhatsApp allows 100 MB documents); bigger ones stay a placeholder.
CHANNEL_MEDIA_MAX_BYTES = env_int("CHANNEL_MEDIA_MAX_BYTES", 25 * 1024 * 1024, minimum=1024)
# A message on a stream channel reopens the contact's ticket resolved within this many days.
STREAM_REOPEN_WINDOW_DAYS = env_int("STREAM_REOPEN_WINDOW_DAYS", 7, minimum=0, maximum=365)
# Instagram/Messenger: answer up to 7 days after the customer's last message with Meta's HUMAN_AGENT
# tag (the app must have that permission approved); off: the standard 24-hour window only.
META_HUMAN_AGENT_TAG = env_bool("META_HUMAN_AGENT_TAG", False)
# Webhook accounts (numbers, pages, X accounts) are kept this long in each process; 0: read every time.
CHANNEL_ACCOUNT_CACHE_SECONDS = env_int("CHANNEL_ACCOUNT_CACHE_SECONDS", 10, minimum=0, maximum=3600)
# Inbound events still pending this long after arrival are processed by the periodic sweep.
INBOUND_EVENT_SWEEP_AFTER_SECONDS = env_int("INBOUND_EVENT_SWEEP_AFTER_SECONDS", 60, minimum=0)
CELERY_BEAT_SCHEDULE["process-pending-inbound-events"] = {
    "task": "channels_intake.processing.sweep_pending_events",
    "schedule": 60.0,
}
# Raw bodies of processed events are replaced by a redacted copy at once; quarantined events keep theirs
# for a retry this many days, then the hourly sweep redacts them too (channels_intake/retention.py).
RAW_EVENT_RETENTION_DAYS = env_int("RAW_EVENT_RETENTION_DAYS", 14, minimum=1, maximum=3650)
CELERY_BEAT_SCHEDULE["redact-raw-inbound-events"] = {
    "task": "channels_intake.retention.sweep_raw_bodies",
    "schedule": 3600.0,
}
# Files and profile names still owed by a task the broker lost or a killed worker
# (channels_intake/fetches.py); picked up after INBOUND_EVENT_SWEEP_AFTER_SECONDS, like events.
CELERY_BEAT_SCHEDULE["fetch-pending-media-and-names"] = {
    "task": "channels_intake.fetches.sweep_pending_fetches",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["apply-early-delivery-statuses"] = {
    "task": "channels_intake.statuses.sweep_pending_statuses",
    "schedule": 300.0,
}
# --- end of message channels ------------------------------------------------------------------------

# --- SLA (sla/) -------------------------------------------------------------------------------------
# Beat sweeps due SLA warnings and breaches every 30 seconds (also in the embedded `make run` stack).
CELERY_BEAT_SCHEDULE["sla-sweep"] = {"task": "sla.tasks.sweep", "schedule": 30.0}
# Clocks claimed per batch, and how long one sweep task may keep taking batches during a burst.
SLA_SWEEP_BATCH = env_int("SLA_SWEEP_BATCH", 500, minimum=1, maximum=10_000)
SLA_SWEEP_MAX_SECONDS = env_int("SLA_SWEEP_MAX_SECONDS", 25, minimum=1, maximum=3600)
# --- end SLA -----------------------------------------------------------------------------------------

# --- Escalation (escalation/) ---------------------------------------------------------------------
# Supervisors review an escalation within this many working days of the team's calendar.
ESCALATION_REVIEW_WORKING_DAYS = env_int("ESCALATION_REVIEW_WORKING_DAYS", 2, minimum=1, maximum=30)
# Disputes: the customer may ask us to mediate ("Minta Bantuan") once the buyer–seller window is over.
# The window, evidence and decision dates come from the sla dispute clocks; these day counts (calendar
# days) apply only to tickets without them, or when the customer asks after the clocks ran out.
ESCALATION_DISPUTE_CATEGORY = env_str("ESCALATION_DISPUTE_CATEGORY", "dispute")
ESCALATION_MEDIATION_TEAM = env_str("ESCALATION_MEDIATION_TEAM", "mediation")
ESCALATION_DISPUTE_WINDOW_DAYS = env_int("ESCALATION_DISPUTE_WINDOW_DAYS", 3, minimum=0, maximum=60)
ESCALATION_DISPUTE_EVIDENCE_DAYS = env_int("ESCALATION_DISPUTE_EVIDENCE_DAYS", 3, minimum=1, maximum=60)
ESCALATION_DISPUTE_DECISION_DAYS = env_int("ESCALATION_DISPUTE_DECISION_DAYS", 5, minimum=1, maximum=60)
# The approved WhatsApp template (its name) that carries a written outcome once the 24-hour window has
# closed: {{1}} the outcome, or {{1}} the ticket number and {{2}} the outcome. Empty: none.
ESCALATION_OUTCOME_TEMPLATE = env_str("ESCALATION_OUTCOME_TEMPLATE", "")
CELERY_BEAT_SCHEDULE |= {
    "escalation-sweep-overdue": {"task": "escalation.tasks.sweep_overdue", "schedule": 60.0},
    "escalation-daily-digest": {
        "task": "escalation.tasks.send_daily_digests",
        "schedule": crontab(hour=8, minute=0),
    },
}
# --- end escalation ---------------------------------------------------------------------------------
# --- Live chat (channels_intake/chat) -------------------------------------------------------------
# Visitor tokens and file links stay valid this long after the chat started.
CHAT_TOKEN_MAX_AGE_DAYS = env_int("CHAT_TOKEN_MAX_AGE_DAYS", 30, minimum=1)
# How long a merchant's signed customer identity (data-customer-timestamp) stays valid.
CHAT_IDENTITY_MAX_AGE_HOURS = env_int("CHAT_IDENTITY_MAX_AGE_HOURS", 24, minimum=1)
# A chat whose visitor has been gone this long ends (and stops counting against the agent's limit).
CHAT_ABANDONED_MINUTES = env_int("CHAT_ABANDONED_MINUTES", 30, minimum=1)
# New chats and out-of-hours messages per visitor IP address.
CHAT_START_RATE = env_rate("CHAT_START_RATE", "20/h")
CELERY_BEAT_SCHEDULE["sweep-chats"] = {"task": "channels_intake.chat.tasks.sweep_chats", "schedule": 15.0}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    # The filesystem broker has no host name, which kombu warns about on every connection.
    "loggers": {"kombu.connection": {"level": "ERROR"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR"]),
    },
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", SITE_URL.startswith("https://"))
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

for _folder in (VAR_DIR, VAR_DIR / "broker", VAR_DIR / "broker-processed", STATIC_ROOT):
    os.makedirs(_folder, exist_ok=True)
