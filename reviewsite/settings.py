"""Settings for reviewsite, read from the environment. See the README for every variable.

Every variable is read in the first block below with environs, which checks its type and range;
a malformed value stops start-up with ImproperlyConfigured naming each variable at fault. An
empty value counts as unset. Values that are not Django settings themselves have lower-case names.
"""

import logging
import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from environs import Env, EnvValidationError, ValidationError
from environs import validate as check

BASE_DIR = Path(__file__).resolve().parent.parent


class Environment(Env):
    """environs' reader, with surrounding spaces ignored and an empty value taken as unset."""

    def _get_value(self, env_key: str, default: Any) -> Any:
        value = os.environ.get(env_key, "").strip()
        return value or default


def url(*schemes: str):
    """A validator: an absolute URL with one of these schemes and a host."""

    def validator(value: str) -> None:
        parts = urlsplit(value)
        if parts.scheme not in schemes or not (parts.netloc or parts.scheme == "unix"):
            raise ValidationError(
                f"Not a {' or '.join(s + '://' for s in schemes)} URL with a host."
            )

    return validator


def origins(values: list[str]) -> None:
    """A validator: every origin carries its scheme, as Django's CSRF check compares them."""
    for origin in values:
        url("http", "https")(origin.strip())


def time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError("Not a known time zone, e.g. UTC or Europe/London.") from exc


def names(values: list[str]) -> list[str]:
    """A comma-separated list without the spaces around its items or empty items."""
    return [value.strip() for value in values if value.strip()]


POSITIVE = check.Range(min=1)
NOT_NEGATIVE = check.Range(min=0)
ABOVE_ZERO = check.Range(min=0, min_inclusive=False)
LOG_LEVELS = check.OneOf(list(logging.getLevelNamesMapping()))

env = Environment(eager=False)
# Deployment.
DEBUG = env.bool("DEBUG", False)
DATA_DIR = env.path("DATA_DIR", BASE_DIR / "var")
SECRET_KEY = env.str("SECRET_KEY", "")
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", [])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", [], validate=origins)
https = env.bool("HTTPS", False)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", (not DEBUG) and https)
secure_ssl_redirect = env.bool("SECURE_SSL_REDIRECT", True)
hsts_seconds = env.int("SECURE_HSTS_SECONDS", 31536000, validate=NOT_NEGATIVE)
hsts_preload = env.bool("SECURE_HSTS_PRELOAD", True)
TIME_ZONE = env.str("TIME_ZONE", "UTC", validate=time_zone)
log_level = env.str("LOG_LEVEL", "INFO", validate=LOG_LEVELS)
q_log_level = env.str("Q_LOG_LEVEL", "INFO", validate=LOG_LEVELS)
log_format = env.str("LOG_FORMAT", "plain", validate=check.OneOf(["plain", "json"]))
SITE_URL = env.str("SITE_URL", "http://127.0.0.1:8000", validate=url("http", "https"))
# The database, the queue and the caches.
conn_max_age = env.int("CONN_MAX_AGE", 600, validate=NOT_NEGATIVE)
database = env.dj_db_url(
    "DATABASE_URL",
    f"sqlite:///{Path(DATA_DIR or BASE_DIR / 'var').resolve() / 'reviewsite.sqlite3'}",
    conn_max_age=conn_max_age,
    conn_health_checks=True,
)
sqlite_busy_seconds = env.int("SQLITE_BUSY_SECONDS", 20, validate=POSITIVE)
REDIS_URL = env.str("REDIS_URL", "", validate=url("redis", "rediss", "unix"))
q_cluster_name = env.str("Q_CLUSTER_NAME", "reviewsite")
q_workers = env.int("Q_WORKERS", 2, validate=POSITIVE)
# Jobs. Time budgets per kind, in seconds: a job over its budget ends failed and says so.
JOB_BUDGET_SECONDS = {
    "review_recall": env.int("JOB_BUDGET_REVIEW_RECALL", 1800, validate=POSITIVE),
    "review_precision": env.int("JOB_BUDGET_REVIEW_PRECISION", 1200, validate=POSITIVE),
    "deep_dive": env.int("JOB_BUDGET_DEEP_DIVE", 600, validate=POSITIVE),
    "import": env.int("JOB_BUDGET_IMPORT", 900, validate=POSITIVE),
}
# Progress is written at most this often, so a chatty engine cannot flood the database.
JOB_PROGRESS_MIN_INTERVAL = env.float("JOB_PROGRESS_MIN_INTERVAL", 1.0, validate=NOT_NEGATIVE)
JOB_POLL_SECONDS = env.int("JOB_POLL_SECONDS", 5, validate=POSITIVE)
# An open page stops polling after this long and offers a button to look again.
JOB_MAX_POLL_SECONDS = env.int("JOB_MAX_POLL_SECONDS", 30 * 60, validate=POSITIVE)
# A running job proves it is alive this often; the reaper treats a job whose heartbeat is
# older than JOB_STALE_SECONDS as lost and hands it to another worker.
JOB_HEARTBEAT_SECONDS = env.float("JOB_HEARTBEAT_SECONDS", 10.0, validate=ABOVE_ZERO)
JOB_STALE_SECONDS = env.int("JOB_STALE_SECONDS", 90, validate=POSITIVE)
# The reaper runs this often, in a small process of its own beside each worker cluster (jobs'
# qcluster command starts it), so recovery never waits for a free worker.
JOB_REAP_SECONDS = env.float("JOB_REAP_SECONDS", 5.0, validate=ABOVE_ZERO)
# A job that has failed to finish this many times (its worker died each time) ends failed.
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", 3, validate=POSITIVE)
# A queued job nobody has claimed for this long gets its doorbell rung again (a lost message).
JOB_UNCLAIMED_SECONDS = env.int("JOB_UNCLAIMED_SECONDS", 120, validate=POSITIVE)
JOB_MAX_ACTIVE_PER_USER = env.int("JOB_MAX_ACTIVE_PER_USER", 3, validate=POSITIVE)
# The shared search index is rebuilt by one process at a time, in the background; a builder
# proves it is alive this often, and one silent for INDEX_BUILD_STALE_SECONDS loses the lock.
INDEX_BUILD_HEARTBEAT_SECONDS = env.float(
    "INDEX_BUILD_HEARTBEAT_SECONDS", 10.0, validate=ABOVE_ZERO
)
INDEX_BUILD_STALE_SECONDS = env.int("INDEX_BUILD_STALE_SECONDS", 120, validate=POSITIVE)
# A stale index is rebuilt once this many papers changed since its build, or once it is this
# old; fewer changes are searched from memory by each worker meanwhile.
INDEX_REBUILD_AFTER_PAPERS = env.int("INDEX_REBUILD_AFTER_PAPERS", 2000, validate=POSITIVE)
INDEX_REBUILD_AFTER_SECONDS = env.int("INDEX_REBUILD_AFTER_SECONDS", 3600, validate=POSITIVE)
# Where reviews search the shared library: "embedded", this host's own BM25 index (built once,
# in the background, memory-mapped by every worker), or "opensearch", an OpenSearch or
# Elasticsearch cluster at OPENSEARCH_URL, for a library that outgrows one host (README).
SEARCH_BACKEND = env.str(
    "SEARCH_BACKEND", "embedded", validate=check.OneOf(["embedded", "opensearch"])
)
OPENSEARCH_URL = env.str("OPENSEARCH_URL", "", validate=url("http", "https"))
OPENSEARCH_INDEX = env.str("OPENSEARCH_INDEX", "reviewsite-papers")
# Pause after each progress report: zero in production; demos and tests slow jobs down with it.
JOB_STAGE_DELAY_SECONDS = env.float("JOB_STAGE_DELAY_SECONDS", 0.0, validate=NOT_NEGATIVE)
JOB_NOTIFY_AFTER_SECONDS = env.int("JOB_NOTIFY_AFTER_SECONDS", 120, validate=NOT_NEGATIVE)
# Retention: finished jobs keep their result this long (the job's record stays for good), and
# the queue's own task records are kept this long.
JOB_RESULT_RETENTION_DAYS = env.int("JOB_RESULT_RETENTION_DAYS", 180, validate=POSITIVE)
QUEUE_RECORD_RETENTION_DAYS = env.int("QUEUE_RECORD_RETENTION_DAYS", 14, validate=POSITIVE)
# Requests and uploads: the largest request body (e.g. a deep dive's pasted text), the most text
# a deep dive takes, and reference files, PDFs or JATS XML. Uploaded files are parsed in a
# separate process (research/untrusted.py), killed at the job's budget or cancel, so a hostile
# file fails its job with a message naming the limit hit: what a gzip file or BibTeX @string
# macros may expand to, entries in one file, characters in one field, and the parser's address
# space in MB (the interpreter and its imports take ~150).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BYTES", 2 * 1024 * 1024, validate=POSITIVE)
DEEP_DIVE_MAX_CHARACTERS = env.int("DEEP_DIVE_MAX_CHARACTERS", 300_000, validate=POSITIVE)
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024, validate=POSITIVE)
PDF_MAX_PAGES = env.int("PDF_MAX_PAGES", 200, validate=POSITIVE)
UPLOAD_MAX_EXPANDED_BYTES = env.int("UPLOAD_MAX_EXPANDED_BYTES", 100 * 1024**2, validate=POSITIVE)
UPLOAD_MAX_REFERENCES = env.int("UPLOAD_MAX_REFERENCES", 50_000, validate=POSITIVE)
UPLOAD_MAX_FIELD_CHARACTERS = env.int("UPLOAD_MAX_FIELD_CHARACTERS", 100_000, validate=POSITIVE)
UNTRUSTED_MEMORY_MB = env.int("UNTRUSTED_MEMORY_MB", 1024, validate=POSITIVE)
# Logins and scrapers.
login_failure_limit = env.int("LOGIN_FAILURE_LIMIT", 10, validate=POSITIVE)
login_lockout_minutes = env.int("LOGIN_LOCKOUT_MINUTES", 15, validate=POSITIVE)
# Anyone may make an account at /accounts/signup/; off, accounts come by invitation or the admin.
SIGNUP_OPEN = env.bool("SIGNUP_OPEN", False)
# Proxies in front of the app that append the client's address to X-Forwarded-For (e.g. 1 for
# nginx on the same machine). 0 trusts no header: the address is the connection's own.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", 0, validate=NOT_NEGATIVE)
# Staff always see /metrics; a scraper sends this token as a Bearer token.
METRICS_TOKEN = env.str("METRICS_TOKEN", "")
# Email (lower-case: Django refuses its old EMAIL_* settings beside MAILERS).
email_host = env.str("EMAIL_HOST", "")
email_port = env.int("EMAIL_PORT", 587, validate=check.Range(min=1, max=65535))
email_host_user = env.str("EMAIL_HOST_USER", "")
email_host_password = env.str("EMAIL_HOST_PASSWORD", "")
email_use_tls = env.bool("EMAIL_USE_TLS", None)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "reviewsite <noreply@localhost>")
# Live PubMed (NCBI E-utilities): NCBI allows 3 requests a second, 10 with an API key; the limit
# is held across every worker process. Then the optional language-model synthesis (an
# OpenAI-compatible chat-completions endpoint).
NCBI_BASE_URL = env.str(
    "NCBI_BASE_URL",
    "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/",
    validate=url("http", "https"),
)
NCBI_API_KEY = env.str("NCBI_API_KEY", "")
NCBI_EMAIL = env.str("NCBI_EMAIL", "")
NCBI_TOOL = env.str("NCBI_TOOL", "reviewsite")
ncbi_requests_per_second = env.float("NCBI_REQUESTS_PER_SECOND", None, validate=ABOVE_ZERO)
LLM_BASE_URL = env.str("LLM_BASE_URL", "", validate=url("http", "https"))
LLM_API_KEY = env.str("LLM_API_KEY", "")
LLM_MODEL = env.str("LLM_MODEL", "")
try:
    env.seal()
except EnvValidationError as exc:
    by_name = exc.error_messages
    if not isinstance(by_name, Mapping):  # seal() names each variable; this is for safety only
        by_name = {"environment": by_name}
    problems = "".join(
        f"\n  {name}: {' '.join(str(message) for message in messages)}"
        for name, messages in by_name.items()
    )
    raise ImproperlyConfigured(f"Malformed settings in the environment:{problems}") from None

DATA_DIR = DATA_DIR.resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
ALLOWED_HOSTS = names(ALLOWED_HOSTS)
CSRF_TRUSTED_ORIGINS = names(CSRF_TRUSTED_ORIGINS)
if DEBUG:
    SECRET_KEY = SECRET_KEY or "development-only-secret-key-do-not-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]", "testserver"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
if SEARCH_BACKEND == "opensearch" and not OPENSEARCH_URL:
    raise ImproperlyConfigured("OPENSEARCH_URL must be set when SEARCH_BACKEND is opensearch.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "axes",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # the JSON API's docs page, with its Swagger UI served from here, not a CDN
    # Before django_q, so that jobs' qcluster command (the cluster with its reaper) is the one run.
    "jobs",
    "django_q",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "reviewsite.urls"
WSGI_APPLICATION = "reviewsite.wsgi.application"

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
            ],
        },
    },
]

# SQLite by default: IMMEDIATE transactions, WAL and a busy timeout let the web process and
# several workers write progress at once without "database is locked".
DATABASES = {"default": database}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        # How long a write waits for another process's write lock before "database is locked".
        "timeout": sqlite_busy_seconds,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that worker processes started by the tests share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(DATA_DIR / f"test-reviewsite-{os.getpid()}.sqlite3")
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): the first backend refuses a locked-out login before the
# password is checked. Failures are counted per account and per client address, each on its
# own, in the database, so every web process sees them. API tokens never pass through here.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = login_failure_limit
AXES_COOLOFF_TIME = timedelta(minutes=login_lockout_minutes)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Tries made while locked out do not extend the lock, so "try again in N minutes" holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "jobs.throttling.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429  # axes' own default, named here for the lockout page that sends it
AXES_CLIENT_IP_CALLABLE = "jobs.throttling.client_ip"
# Only failure counters are kept: no row for every successful login, no start-up banner.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

LANGUAGE_CODE = "en-us"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if https:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = secure_ssl_redirect
    SECURE_HSTS_SECONDS = hsts_seconds
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = hsts_preload

# LOG_FORMAT=json writes one JSON object a line; every record inside a job carries its job_id.
# Content Security Policy: scripts (htmx included) and styles only from our own static files.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Every line goes through the one console handler, whose first filter masks secrets (API keys,
# tokens, passwords, the secret settings); Django's own handlers are replaced by it.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_secrets": {"()": "jobs.logging.RedactSecretsFilter"},
        "job_id": {"()": "jobs.logging.JobIdFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(job_id)s] %(message)s"},
        "json": {"()": "jobs.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": log_format,
            "filters": ["redact_secrets", "job_id"],
        }
    },
    "root": {"handlers": ["console"], "level": log_level},
    "loggers": {
        "django-q": {"level": q_log_level, "propagate": True},
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        # httpx logs every request's URL at INFO, query string (and so api_key) included.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

# django-q2. Its task timeout sits above the longest job budget, so the job's own limit fires
# first and records why; retry sits above the timeout so a running task is never handed out
# twice; max_attempts=1 with ack_failures stops a failing task from re-running for ever.
_longest_budget = max(JOB_BUDGET_SECONDS.values())
Q_CLUSTER = {
    "name": q_cluster_name,
    "workers": q_workers,
    "recycle": 100,
    "timeout": _longest_budget + 120,
    "retry": _longest_budget + 240,
    "max_attempts": 1,
    "ack_failures": True,
    "catch_up": False,
    # Keep every task record (no trimming query after each task); prune_old_records removes
    # them after QUEUE_RECORD_RETENTION_DAYS.
    "save_limit": 0,
    # Prefetch as little as django-q2 allows (0 would mean unlimited): a busy cluster still
    # holds two doorbells, one in its internal queue and one in its pusher's hand, blocked
    # until a worker is free. The reaper rings again for a job unclaimed for
    # JOB_UNCLAIMED_SECONDS, so an idle cluster runs it (the held doorbell then finds it claimed).
    "queue_limit": 1,
    "label": "Background tasks",
    "poll": 0.2,
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# "default" counts status polls cheaply (in memory, or in Redis when there is one); "shared"
# is what every process sees alike: the worker clusters' health reports.
_redis_cache = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": REDIS_URL,
    "KEY_PREFIX": Q_CLUSTER["name"],
}
CACHES = {
    "default": _redis_cache
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": _redis_cache
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "shared_cache"},
}
Q_CLUSTER["cache"] = "shared"
# Sessions live in the database, read with one precompiled statement (reviewsite.sessions). With
# Redis, they are read from it (a poll then costs no session query) and still written to the
# database; logging out deletes both, so it takes effect at once everywhere.
SESSION_ENGINE = "reviewsite.sessions.db"
if REDIS_URL:
    SESSION_ENGINE = "reviewsite.sessions.cached_db"
    SESSION_CACHE_ALIAS = "shared"

# Email: printed to the console unless an SMTP host is given.
SITE_URL = SITE_URL.rstrip("/")
if email_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": email_host,
                "port": email_port,
                "username": email_host_user or None,
                "password": email_host_password or None,
                "use_tls": email_port == 587 if email_use_tls is None else email_use_tls,
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
# Live PubMed (NCBI E-utilities). NCBI allows 3 requests a second, 10 with an API key; the
# limit is held across every worker process.
NCBI_REQUESTS_PER_SECOND = ncbi_requests_per_second or (10.0 if NCBI_API_KEY else 3.0)
