"""Settings for Datiaojie, read once from the environment.

Development defaults are embedded (SQLite, in-memory channel layer); production values
that are unsafe or malformed fail loudly at start-up.
"""

import datetime as dt
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import StrictEnv

BASE_DIR = Path(__file__).resolve().parent.parent

env = StrictEnv()

# Off unless a developer asks (DEBUG=true): `make run` shows users the Chinese error
# pages, never Django's technical ones (DESIGN.md §9).
DEBUG = env.bool("DEBUG", default=False)


def _local_secret_key(path: Path) -> str:
    """A key generated once for this checkout and kept beside it (git-ignored), so the
    embedded default starts without configuration and sessions survive a restart.
    Deployments with several processes or machines set SECRET_KEY (docs/deployment.md)."""
    if not path.exists():
        # Written aside, then linked into place: concurrent first starts agree on one key.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(64) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    key = path.read_text().strip()
    if len(key) < 50:
        raise ImproperlyConfigured(f"{path} holds no usable SECRET_KEY")
    return key


SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    SECRET_KEY = _local_secret_key(
        Path(env.str("SECRET_KEY_FILE", default=str(BASE_DIR / ".secret_key")))
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="datiaojie-demo")

INSTALLED_APPS = [
    "daphne",
    "config.apps.SecureAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
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

# viewflow appends two middleware of its own unless told not to: one for the permission
# checks of its built-in site pages and one for Hotwire Turbo forms. We serve neither (the
# flows' pages are ours, workflows/pages.py), and every request paid for both.
VIEWFLOW = {"AUTOREGISTER": False}

MIDDLEWARE = [
    "config.security.TrustedProxyMiddleware",
    "config.middleware.ReleaseViewMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "mediation.ops.logs.RequestLogMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before CommonMiddleware: no APPEND_SLASH redirect and no NUL byte under /api/ (#31).
    "mediation.api.guards.ApiGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "config.middleware.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees the flag a refused authenticate() left on the request.
    "axes.middleware.AxesMiddleware",
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
                "mediation.web.context_processors.desks",
                "mediation.web.views.supervision.supervisor_context",
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
    # Under daphne sync views run in worker threads; a persistent connection per thread
    # (CONN_MAX_AGE) leaked until the server ran out of slots. A bounded psycopg pool per
    # process caps them: at most DB_POOL_MAX_SIZE per daphne, a request waits up to
    # DB_POOL_TIMEOUT seconds for a free one.
    if env.bool("DB_POOL", default=True):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DB_POOL_MAX_SIZE", default=10),
            "timeout": env.float("DB_POOL_TIMEOUT", default=30.0),
        }
    else:
        DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Prepared statements: the same few queries run on every request (the token, the
    # caller's memberships, a queue page), and planning them was as costly as running
    # them. Server-side binding lets psycopg prepare a query the second time a pooled
    # connection runs it. Off for a pooler in transaction mode (PgBouncer), where a
    # prepared statement does not follow the client to its next server connection.
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=2
        )

# Statistics off the primary (config.replica): the supervisor's figures, exports and the
# Ministry report read from a PostgreSQL streaming replica when one is configured, while it
# is at most REPLICA_MAX_LAG seconds behind (checked every REPLICA_CHECK_SECONDS per
# process); otherwise from the primary, saying so on the dashboard and in /readyz.
DATABASE_ROUTERS = ["config.replica.ReplicaRouter"]
REPLICA_MAX_LAG = env.float("REPLICA_MAX_LAG", default=30.0)
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=5.0)
if env.str("DATABASE_REPLICA_URL", default=""):
    replica = env.db_url("DATABASE_REPLICA_URL")
    if replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must be a PostgreSQL (postgres://) URL")
    # No pool and a short connect timeout: a replica that is down costs a statistics page
    # two seconds once per check, then reads go to the primary. Tests read the primary.
    replica.update(CONN_MAX_AGE=0, TEST={"MIRROR": "default"})
    replica.setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("REPLICA_CONNECT_TIMEOUT", default=2)
    )
    DATABASES["replica"] = replica
# The alias statistics read from ("" = none): the replica's when DATABASE_REPLICA_URL is set.
STATISTICS_REPLICA = "replica" if "replica" in DATABASES else ""

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# PostgreSQL role the application runs as, when migrations run as the owner role: granted
# data rights after each migrate, the audit table SELECT/INSERT only (config.db_roles).
DB_APP_ROLE = env.str("DB_APP_ROLE", default="")

# Master key for personal data at rest (SM4 + HMAC-SM3 lookups, mediation.models.crypto): 64 hex
# digits. The default is public and for development only; `check --deploy` refuses it.
# Changing it makes stored data unreadable: rotate with `manage.py rotate_pii_key` (deploy §10).
DEV_PII_KEY = "6474" * 16
PII_KEY = env.str("PII_KEY", default=DEV_PII_KEY)
try:
    if len(bytes.fromhex(PII_KEY)) != 32:
        raise ValueError
except ValueError:
    raise ImproperlyConfigured("PII_KEY must be 64 hexadecimal digits") from None
# Key of `manage.py backup` files (SM4, mediation.ops.backup); by default derived from
# PII_KEY (a separate purpose label), or 64 hex digits of its own, kept off the backup disk.
BACKUP_KEY = env.str("BACKUP_KEY", default="") or PII_KEY
try:
    if len(bytes.fromhex(BACKUP_KEY)) != 32:
        raise ValueError
except ValueError:
    raise ImproperlyConfigured("BACKUP_KEY must be 64 hexadecimal digits") from None

# 等保 composition and history (config.passwords; where it differs from ASVS is noted there).
PASSWORD_HISTORY = env.int("PASSWORD_HISTORY", default=5)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "config.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=12)},
    },
    {"NAME": "config.passwords.BlocklistValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "config.passwords.CompositionValidator",
        "OPTIONS": {"passphrase_length": env.int("PASSPHRASE_LENGTH", default=20)},
    },
    {"NAME": "config.passwords.HistoryValidator"},
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
# No script reads the CSRF cookie (forms carry the token), so scripts may not read it.
CSRF_COOKIE_HTTPONLY = True

# Client addresses: how many proxies in front of daphne append to X-Forwarded-For (nginx
# with proxy_add_x_forwarded_for: 1). Entries beyond those hops are the client's own
# claims and are ignored (config.security.client_ip). Run daphne without --proxy-headers.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Transport security. HTTPS=true (every deployment behind TLS) turns all of it on; each
# setting can still be set on its own. Off by default so `make run` works on plain http
# whatever DEBUG says. `manage.py check --deploy` is clean with HTTPS=true (CI checks it).
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=HTTPS)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("SECURE_PROXY_SSL_HEADER", default=HTTPS and TRUSTED_PROXY_COUNT > 0):
    # Only behind our own proxy, which sets X-Forwarded-Proto (docs/nginx.conf).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy (django-csp): the pages load nothing from elsewhere and carry no
# inline script or style, so 'self' is the whole policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

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
        # Carries nothing across processes; live delivery reads the outbox (mediation.live.relay).
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
# How often each daphne process's relay polls the outbox for events it was not woken for:
# on the embedded default the way commits of cron/shell processes are found; with Redis
# only the safety net for a lost wake-up.
# Request bodies (config.limits): JSON and forms up to DATA_UPLOAD_MAX_MEMORY_SIZE, multipart
# uploads (attachments of at most 20 MB, DESIGN §6) up to UPLOAD_MAX_BYTES.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("REQUEST_MAX_BYTES", default=1024 * 1024)
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=21 * 1024 * 1024)

# How soon an open socket notices that its user was deactivated or lost a membership.
SOCKET_RECHECK_SECONDS = env.float("SOCKET_RECHECK_SECONDS", default=2.0)
# Open sockets one user and one client address may hold, per daphne process (issue 30).
SOCKETS_PER_USER = env.int("SOCKETS_PER_USER", default=20)
SOCKETS_PER_ADDRESS = env.int("SOCKETS_PER_ADDRESS", default=250)
# How long a freshly authenticated socket holds live events back for its client's
# `resume` (sent as soon as the socket opens), so a replay never follows a newer event.
SOCKET_RESUME_WAIT_SECONDS = env.float("SOCKET_RESUME_WAIT_SECONDS", default=1.0)
LIVE_RELAY_INTERVAL = env.float("LIVE_RELAY_INTERVAL", default=5.0 if REDIS_URL else 1.0)
# A socket whose unsent bytes (held by the server, past the kernel's buffer) exceed this is
# too slow: it is closed (4013) and its client resumes by id, so it never holds up others.
LIVE_SOCKET_BUFFER_LIMIT = env.int("LIVE_SOCKET_BUFFER_LIMIT", default=1 << 20)
# Benchmark hook (bench/ws.py, bench/scale.py): a file each process appends "<event id>
# <wall time>" to at every commit, and the timing of each relay pass. Unset: nothing logged.
LIVE_COMMIT_LOG = env.str("LIVE_COMMIT_LOG", default="")

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an anonymous API call a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "EXCEPTION_HANDLER": "mediation.api.errors.exception_handler",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "config.renderers.FastJSONRenderer",  # DRF's JSON, written by orjson
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "config.limits.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # REMOTE_ADDR is already the client (config.security.TrustedProxyMiddleware).
    "NUM_PROXIES": 0,
}

# API tokens (config.tokens): hashed at rest; idle expiry renewed on use, absolute cap.
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(minutes=env.int("API_TOKEN_IDLE_MINUTES", default=30)),
    "AUTO_REFRESH": True,
    "AUTO_REFRESH_MAX_TTL": dt.timedelta(hours=env.int("API_TOKEN_MAX_HOURS", default=24)),
    "MIN_REFRESH_INTERVAL": 60,
    "AUTH_HEADER_PREFIX": "Token",
}

SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "大调解 Datiaojie API",
    "DESCRIPTION": "多元化纠纷调解案件管理接口",
    "VERSION": "1.4.0",  # docs/api.md keeps the changelog and the deprecation policy
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    # OpenAPI 3.1: a nullable reference is `oneOf: [$ref, {type: null}]`, which strict
    # validators (openapi-core) and generated clients read; 3.0's `nullable` beside `allOf`
    # they do not (issue 31).
    "OAS_VERSION": "3.1.0",
    # Request and response components apart: a generated client then knows which fields
    # it sends and which the server fills in.
    "COMPONENT_SPLIT_REQUEST": True,
    # Enums become components with the ASCII names below; then the request bodies derived
    # from the service forms are added (mediation.api.schema), referring to those enums.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mediation.api.schema.postprocess",
    ],
    "ENUM_NAME_OVERRIDES": {
        "NetworkEnum": "mediation.law.choices.Network",
        "OrgKindEnum": "mediation.law.choices.OrgKind",
        "RoleEnum": "mediation.law.choices.Role",
        "ChannelEnum": "mediation.law.choices.Channel",
        "CategoryEnum": "mediation.law.choices.Category",
        "PartyRoleEnum": "mediation.law.choices.PartyRole",
        "PartyKindEnum": "mediation.law.choices.PartyKind",
        "GenderEnum": "mediation.law.choices.Gender",
        "TagEnum": "mediation.law.choices.Tag",
        "StateEnum": "mediation.law.choices.State",
        # an online session's room and its recording (mediation/api/video.py)
        "RoomStateEnum": "mediation.models.room.RoomState",
        "RecordingStateEnum": "mediation.models.video.RecordingState",
        "FailReasonEnum": "mediation.law.choices.FailReason",
        "ReferRouteEnum": "mediation.law.choices.ReferRoute",
        "AgreementFormEnum": "mediation.law.choices.AgreementForm",
        "RiskLevelEnum": "mediation.law.choices.RiskLevel",
        "EventTypeEnum": "mediation.law.choices.EventType",
        "HandoffKindEnum": "mediation.law.choices.HandoffKind",
        "ConsultationTopicEnum": "mediation.law.choices.ConsultationTopic",
        "AttachmentKindEnum": "mediation.law.choices.AttachmentKind",
        "ComplaintStateEnum": "mediation.models.supervision.ComplaintState",
        "MediatorKindEnum": "mediation.models.supervision.MediatorKind",
        "SubsidyGradeEnum": "mediation.law.subsidies.SubsidyGrade",
        "SubsidyMonthStatusEnum": "mediation.law.subsidies.SubsidyMonthStatus",
        "MediatorAssessmentEnum": "mediation.law.training.MediatorAssessment",
        "IndicatorMetricEnum": "mediation.law.indicators.IndicatorMetric",
        "AdviserKindEnum": "mediation.law.advisers.AdviserKind",
        "AdviserServiceKindEnum": "mediation.law.advisers.AdviserServiceKind",
    },
}

# Legal time limits live in the TimeLimit table (mediation.law.clocks), not here. What is
# left is not law: when the sweep warns, and how often a process looks for calendar or
# limit changes made by another process.
DEADLINE_APPROACHING_FRACTION = env.float("DEADLINE_APPROACHING_FRACTION", default=0.8)
CLOCK_CACHE_RECHECK_SECONDS = env.int("CLOCK_CACHE_RECHECK_SECONDS", default=60)
# The deadline sweep inside each daphne process, every this many seconds (0: off). On by
# default on the embedded default, where no cron is set up; with Redis (several processes)
# a cron job or systemd timer runs `sweep_deadlines` instead (docs/deadlines.md). The
# sweep is idempotent, so running it in several places only repeats the check.
DEADLINE_SWEEP_SECONDS = env.float("DEADLINE_SWEEP_SECONDS", default=0 if REDIS_URL else 300)
# Webhooks (DESIGN §12.3, mediation/live/webhooks.py): a delivery thread in each daphne
# process looks for undelivered events this often (0: off; then `manage.py deliver_webhooks`
# runs as its own process). Receivers answer within the timeout or the attempt is retried.
WEBHOOK_POLL_SECONDS = env.float("WEBHOOK_POLL_SECONDS", default=1.0)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
# `deliver_webhooks` lowers its own CPU priority by this much (os.nice): delivery is
# background work and yields the cores to the processes serving requests; on two cores
# at full priority it put 30-85 % on the transitions' p99 (make bench webhooks).
WEBHOOK_NICE = env.int("WEBHOOK_NICE", default=19)
# The embedded setup delivers to the county's own network (the court's platform on a
# private address): allowed unless switched off.
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=True)

PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# Online sessions (DESIGN §12.6): the browsers' ICE servers, a JSON list of RTCIceServer
# objects; none: host candidates only (the embedded setup's intranet). A TURN server for
# parties outside: deploy/coturn/turnserver.conf.
WEBRTC_ICE_SERVERS = env.json("WEBRTC_ICE_SERVERS", default=[])
if not isinstance(WEBRTC_ICE_SERVERS, list) or not all(
    isinstance(x, dict) and "urls" in x for x in WEBRTC_ICE_SERVERS
):
    raise ImproperlyConfigured('WEBRTC_ICE_SERVERS: a JSON list of {"urls": …} objects')
PDF_FONT_PATH = env.str("PDF_FONT_PATH", default="")
# auto: embedded TTF when a font file is found, else built-in STSong-Light; or ttf / cid.
PDF_FONT_MODE = env.str("PDF_FONT_MODE", default="auto")
# 卷宗 保管期限 printed on the cover and the 备考表: cases with an agreement, the others.
# 保管期限 in the terms of 《机关文件材料归档范围和文书档案保管期限规定》(国家档案局令第8号)
# 第八条: 永久, 定期30年, 定期10年.
DOCUMENT_RETENTION_PERMANENT = env.str("DOCUMENT_RETENTION_PERMANENT", default="永久")
DOCUMENT_RETENTION_AGREED = env.str("DOCUMENT_RETENTION_AGREED", default="定期30年")
DOCUMENT_RETENTION_OTHER = env.str("DOCUMENT_RETENTION_OTHER", default="定期10年")
# Uploaded attachments (PDF, JPEG, PNG), stored under MEDIA_ROOT, which is never served.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
# Pages of one uploaded PDF (the stored count is a small integer; a bigger file is split).
ATTACHMENT_MAX_PAGES = env.int("ATTACHMENT_MAX_PAGES", default=1000)

# Logs: JSON lines (one object a line, with actor and case number, ID and phone numbers
# masked) by default when DEBUG is off; plain text for a developer. See mediation/ops/logs.py.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'text'")
LOG_LEVEL = env.str("LOG_LEVEL", default="WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "mediation.ops.logs.JsonFormatter"},
        "text": {
            "()": "mediation.ops.logs.ScrubbingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Request and event lines (INFO) are the operator's record; LOG_REQUESTS=false quiets them.
    "loggers": {
        "datiaojie": {
            "level": "INFO" if env.bool("LOG_REQUESTS", default=not DEBUG) else LOG_LEVEL
        },
    },
}
# Addresses (or networks) that may read /metrics. Behind nginx the connection comes from
# nginx, which restricts /metrics to the Prometheus host itself (deploy/nginx).
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
# prometheus-client's multiprocess mode (mediation/ops/metrics.py). The library reads the
# variable from the process environment itself, so it stays an environment variable; this
# is our own copy of it.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
CREDIT_CODE_STRICT = env.bool("CREDIT_CODE_STRICT", default=False)
SERVE_STATIC = env.bool("SERVE_STATIC", default=True)
PDF_FONT_SUBFONT = env.int("PDF_FONT_SUBFONT", default=0)


# One login lockout for every way in (login page, admin login, token endpoint): django-axes,
# counted in the database so every daphne process shares the count (等保 2.0 level 3:
# login-failure handling). config/lockout.py: 5 failures of one account from one address
# lock that pair for 30 minutes, doubling with each further failure (at most 24 hours);
# 100 failures from every address together lock the account everywhere. A lock per
# account alone would let anyone lock an administrator out with five requests; a lock per
# address alone would let a botnet guess on.
AUTHENTICATION_BACKENDS = [
    "config.security.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "config.lockout.PairLockoutHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
# Attempts refused while locked are not counted (the owner retrying must not lengthen it).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
LOGIN_ACCOUNT_FAILURE_LIMIT = env.int("LOGIN_ACCOUNT_FAILURE_LIMIT", default=100)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A TOTP device's key is its owner's alone: never shown in the admin (三员分立, config.separation).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"
AXES_VERBOSE = False

# Portal rate limits count in the cache: with several daphne processes set CACHE_URL to a
# shared cache (e.g. redis://127.0.0.1:6379/1) or each process counts on its own.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
PORTAL_RATE_WINDOW_SECONDS = env.int("PORTAL_RATE_WINDOW_SECONDS", default=15 * 60)
PORTAL_RATE_PER_IP = env.int("PORTAL_RATE_PER_IP", default=20)
PORTAL_RATE_PER_CASE = env.int("PORTAL_RATE_PER_CASE", default=5)
# Online applications (网上申请调解) per client address and window.
PORTAL_APPLY_PER_IP = env.int("PORTAL_APPLY_PER_IP", default=5)

# The parties' sign-in (DESIGN.md §12.2): codes asked per phone and per address in a window,
# and how long a signed-in party stays signed in.
PARTY_CODE_PER_PHONE = env.int("PARTY_CODE_PER_PHONE", default=5)
PARTY_CODE_PER_IP = env.int("PARTY_CODE_PER_IP", default=20)
PARTY_CODE_WINDOW_SECONDS = env.int("PARTY_CODE_WINDOW_SECONDS", default=60 * 60)
PARTY_SESSION_MINUTES = env.int("PARTY_SESSION_MINUTES", default=120)
# Text messages (mediation/ops/sms.py): file (JSON lines, the default: nothing to set up),
# console (development) or http (a gateway: URL, key, template id).
SMS_BACKEND = env.str("SMS_BACKEND", default="file")
if SMS_BACKEND not in {"file", "console", "http"}:
    raise ImproperlyConfigured("SMS_BACKEND must be 'file', 'console' or 'http'")
# Empty: media/sms.jsonl under MEDIA_ROOT.
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default="")
SMS_HTTP_URL = env.str("SMS_HTTP_URL", default="")
SMS_HTTP_KEY = env.str("SMS_HTTP_KEY", default="")
SMS_HTTP_TEMPLATE_ID = env.str("SMS_HTTP_TEMPLATE_ID", default="")
SMS_HTTP_TIMEOUT_SECONDS = env.float("SMS_HTTP_TIMEOUT_SECONDS", default=5.0)
# The organisation's PAdES key and certificate (PEM) for signed agreements; empty: a
# self-signed demo pair made under MEDIA_ROOT/signing/ on first use.
SIGNING_KEY_FILE = env.str("SIGNING_KEY_FILE", default="")
SIGNING_CERT_FILE = env.str("SIGNING_CERT_FILE", default="")
# A message the gateway refused is retried with backoff this many times, then marked failed.
SMS_MAX_ATTEMPTS = env.int("SMS_MAX_ATTEMPTS", default=8)
if SMS_BACKEND == "http" and not SMS_HTTP_URL:
    raise ImproperlyConfigured("SMS_BACKEND=http needs SMS_HTTP_URL")

# Supervision (DESIGN.md §8): how many complaints one address may file per window. (The
# time limit for handling one is a TimeLimit row, stage complaint_handle.)
COMPLAINT_RATE_PER_IP = env.int("COMPLAINT_RATE_PER_IP", default=5)
