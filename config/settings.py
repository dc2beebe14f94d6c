"""Settings for Datiaojie, read once from the environment.

Development defaults are embedded (SQLite, in-memory channel layer); production values
that are unsafe or malformed fail loudly at start-up.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-datiaojie"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="datiaojie-demo")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    # viewflow stays installed even where its pages are unused: its permissions live there.
    "viewflow",
    "viewflow.workflow",
    "mediation",
    "workflows",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "mediation.logs.RequestLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "mediation.context_processors.desks",
                "mediation.supervision_views.supervisor_context",
            ],
        },
    },
]

# SQLite is the embedded default. WAL + IMMEDIATE transactions + a busy timeout keep
# concurrent requests from failing with "database is locked".
SQLITE_PATH = env.str("SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3"))
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # idle timeout, not absolute
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

# Channel layer: in-memory for the embedded default, Redis when REDIS_URL is set.
REDIS_URL = env.str("REDIS_URL", default="")
CHANNEL_LAYER_BACKEND = env.str("CHANNEL_LAYER_BACKEND", default="pubsub")
# Separate prefixes keep parallel test runs (and districts sharing a Redis) apart.
CHANNEL_LAYER_PREFIX = env.str("CHANNEL_LAYER_PREFIX", default="dtj")
if REDIS_URL:
    if CHANNEL_LAYER_BACKEND not in {"pubsub", "core"}:
        raise ImproperlyConfigured("CHANNEL_LAYER_BACKEND must be 'pubsub' or 'core'")
    if CHANNEL_LAYER_BACKEND == "pubsub":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [REDIS_URL], "prefix": CHANNEL_LAYER_PREFIX},
            }
        }
    else:
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [REDIS_URL], "prefix": CHANNEL_LAYER_PREFIX, "capacity": 1000},
            }
        }
else:
    CHANNEL_LAYERS = {
        # Carries nothing across processes; live delivery reads the outbox (mediation.live).
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
# How often each daphne process's relay polls the outbox for events it was not woken for:
# on the embedded default the way commits of cron/shell processes are found; with Redis
# only the safety net for a lost wake-up.
LIVE_RELAY_INTERVAL = env.float("LIVE_RELAY_INTERVAL", default=5.0 if REDIS_URL else 1.0)
# A socket whose unsent bytes (held by the server, past the kernel's buffer) exceed this is
# too slow: it is closed (4013) and its client resumes by id, so it never holds up others.
LIVE_SOCKET_BUFFER_LIMIT = env.int("LIVE_SOCKET_BUFFER_LIMIT", default=1 << 20)

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an anonymous API call a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "EXCEPTION_HANDLER": "mediation.api.errors.exception_handler",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_RATES": {"login": env.str("LOGIN_THROTTLE_RATE", default="10/min")},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "大调解 Datiaojie API",
    "DESCRIPTION": "多元化纠纷调解案件管理接口",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "OrgKindEnum": "mediation.choices.OrgKind",
        "PartyKindEnum": "mediation.choices.PartyKind",
        "MemberRoleEnum": "mediation.choices.Role",
        "PartyRoleEnum": "mediation.choices.PartyRole",
    },
}

# Mediation time limits in days (People's Mediation Law practice; labour: LDMAL art. 14).
MEDIATION_DAYS_DEFAULT = env.int("MEDIATION_DAYS_DEFAULT", default=30)
MEDIATION_DAYS_LABOR = env.int("MEDIATION_DAYS_LABOR", default=15)
MEDIATION_DAYS_COURT_REFERRAL = env.int("MEDIATION_DAYS_COURT_REFERRAL", default=30)
ACCEPT_DECISION_DAYS = env.int("ACCEPT_DECISION_DAYS", default=3)
ACCEPT_DECISION_DAYS_PRIORITY = env.int("ACCEPT_DECISION_DAYS_PRIORITY", default=1)
CONFIRMATION_APPLY_DAYS = env.int("CONFIRMATION_APPLY_DAYS", default=30)
CONFIRMATION_REGISTER_DAYS = env.int("CONFIRMATION_REGISTER_DAYS", default=3)
CONFIRMATION_DECIDE_DAYS = env.int("CONFIRMATION_DECIDE_DAYS", default=15)
CONFIRMATION_EXTENSION_DAYS = env.int("CONFIRMATION_EXTENSION_DAYS", default=10)
REFERRAL_PRE_FILING_DAYS = env.int("REFERRAL_PRE_FILING_DAYS", default=30)
REFERRAL_POST_FILING_DAYS = env.int("REFERRAL_POST_FILING_DAYS", default=15)
REFERRAL_SUMMARY_DAYS = env.int("REFERRAL_SUMMARY_DAYS", default=7)
ARBITRATION_ACCEPT_DAYS = env.int("ARBITRATION_ACCEPT_DAYS", default=5)
DEADLINE_APPROACHING_FRACTION = env.float("DEADLINE_APPROACHING_FRACTION", default=0.8)

PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
PDF_FONT_PATH = env.str("PDF_FONT_PATH", default="")
# auto: embedded TTF when a font file is found, else built-in STSong-Light; or ttf / cid.
PDF_FONT_MODE = env.str("PDF_FONT_MODE", default="auto")
# 卷宗 保管期限 printed on the cover and the 备考表: cases with an agreement, the others.
DOCUMENT_RETENTION_AGREED = env.str("DOCUMENT_RETENTION_AGREED", default="长期（三十年）")
DOCUMENT_RETENTION_OTHER = env.str("DOCUMENT_RETENTION_OTHER", default="短期（十年）")
# Uploaded attachments (PDF, JPEG, PNG), stored under MEDIA_ROOT, which is never served.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)

# Logs: JSON lines (one object a line, with actor and case number, ID and phone numbers
# masked) by default when DEBUG is off; plain text for a developer. See mediation/logs.py.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'text'")
LOG_LEVEL = env.str("LOG_LEVEL", default="WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "mediation.logs.JsonFormatter"},
        "text": {
            "()": "mediation.logs.ScrubbingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Request and event lines (INFO) are the operator's record; LOG_REQUESTS=false quiets them.
    "loggers": {
        "datiaojie": {"level": "INFO" if env.bool("LOG_REQUESTS", default=not DEBUG) else LOG_LEVEL}
    },
}
# Addresses (or networks) that may read /metrics. Behind nginx the connection comes from
# nginx, which restricts /metrics to the Prometheus host itself (deploy/nginx).
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
CREDIT_CODE_STRICT = env.bool("CREDIT_CODE_STRICT", default=False)
SERVE_STATIC = env.bool("SERVE_STATIC", default=True)
PDF_FONT_SUBFONT = env.int("PDF_FONT_SUBFONT", default=0)
LITIGATION_FILING_DAYS = env.int("LITIGATION_FILING_DAYS", default=7)

# Login lockout and portal rate limits count in the cache: with several daphne processes
# set CACHE_URL to a shared cache (e.g. redis://127.0.0.1:6379/1) or each process counts
# on its own.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=15 * 60)
PORTAL_RATE_WINDOW_SECONDS = env.int("PORTAL_RATE_WINDOW_SECONDS", default=15 * 60)
PORTAL_RATE_PER_IP = env.int("PORTAL_RATE_PER_IP", default=20)
PORTAL_RATE_PER_CASE = env.int("PORTAL_RATE_PER_CASE", default=5)

# Supervision (DESIGN.md §8): the bureau's own time limit for handling a complaint about a
# mediator (no statute fixes one), and how many complaints one address may file per window.
COMPLAINT_HANDLE_DAYS = env.int("COMPLAINT_HANDLE_DAYS", default=30)
COMPLAINT_RATE_PER_IP = env.int("COMPLAINT_RATE_PER_IP", default=5)
