"""Settings for reviewsite, read from the environment. See the README for every variable."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    try:
        return int(value) if value else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from exc


def env_list(name: str) -> list[str]:
    return [item.strip() for item in env(name).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
DATA_DIR = Path(env("DATA_DIR") or BASE_DIR / "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "development-only-secret-key-do-not-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]", "testserver"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The largest request body accepted, e.g. a deep dive's pasted full text.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 2 * 1024 * 1024)
# The most text a deep dive takes, in characters.
DEEP_DIVE_MAX_CHARACTERS = env_int("DEEP_DIVE_MAX_CHARACTERS", 300_000)

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
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'reviewsite.sqlite3'}"
CONN_MAX_AGE = env_int("CONN_MAX_AGE", 600)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        # How long a write waits for another process's write lock before "database is locked".
        "timeout": env_int("SQLITE_BUSY_SECONDS", 20),
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
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Tries made while locked out do not extend the lock, so "try again in N minutes" holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "jobs.throttling.lockout_response"
AXES_CLIENT_IP_CALLABLE = "jobs.throttling.client_ip"
# Only failure counters are kept: no row for every successful login, no start-up banner.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Proxies in front of the app that append the client's address to X-Forwarded-For (e.g. 1 for
# nginx on the same machine). 0 trusts no header: the address is the connection's own.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "UTC")
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

SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and env_bool("HTTPS"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if env_bool("HTTPS"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

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
            "formatter": "json" if env("LOG_FORMAT") == "json" else "plain",
            "filters": ["redact_secrets", "job_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django-q": {"level": env("Q_LOG_LEVEL", "INFO"), "propagate": True},
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        # httpx logs every request's URL at INFO, query string (and so api_key) included.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

# Time budgets per kind of job, in seconds. A job over its budget ends failed and says so.
JOB_BUDGET_SECONDS = {
    "review_recall": env_int("JOB_BUDGET_REVIEW_RECALL", 1800),
    "review_precision": env_int("JOB_BUDGET_REVIEW_PRECISION", 1200),
    "deep_dive": env_int("JOB_BUDGET_DEEP_DIVE", 600),
    "import": env_int("JOB_BUDGET_IMPORT", 900),
}
# Progress is written at most this often, so a chatty engine cannot flood the database.
JOB_PROGRESS_MIN_INTERVAL = float(env("JOB_PROGRESS_MIN_INTERVAL", "1.0"))
JOB_POLL_SECONDS = env_int("JOB_POLL_SECONDS", 5)
# An open page stops polling after this long and offers a button to look again.
JOB_MAX_POLL_SECONDS = env_int("JOB_MAX_POLL_SECONDS", 30 * 60)

# django-q2. Its task timeout sits above the longest job budget, so the job's own limit fires
# first and records why; retry sits above the timeout so a running task is never handed out
# twice; max_attempts=1 with ack_failures stops a failing task from re-running for ever.
_longest_budget = max(JOB_BUDGET_SECONDS.values())
Q_CLUSTER = {
    "name": env("Q_CLUSTER_NAME", "reviewsite"),
    "workers": env_int("Q_WORKERS", 2),
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
REDIS_URL = env("REDIS_URL")
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
# With Redis, sessions are read from it (a poll then costs no session query) and still written
# to the database; logging out deletes both, so it takes effect at once everywhere.
if REDIS_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    SESSION_CACHE_ALIAS = "shared"
# Staff always see /metrics; a scraper sends this token as a Bearer token.
METRICS_TOKEN = env("METRICS_TOKEN")
# A running job proves it is alive this often; the reaper treats a job whose heartbeat is
# older than JOB_STALE_SECONDS as lost and hands it to another worker.
JOB_HEARTBEAT_SECONDS = float(env("JOB_HEARTBEAT_SECONDS", "10"))
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 90)
# The reaper runs this often, in a small process of its own beside each worker cluster (jobs'
# qcluster command starts it), so recovery never waits for a free worker.
JOB_REAP_SECONDS = float(env("JOB_REAP_SECONDS", "5"))
# A job that has failed to finish this many times (its worker died each time) ends failed.
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3)
# A queued job nobody has claimed for this long gets its doorbell rung again (a lost message).
JOB_UNCLAIMED_SECONDS = env_int("JOB_UNCLAIMED_SECONDS", 120)
# How many jobs one user may have queued or running at once.
JOB_MAX_ACTIVE_PER_USER = env_int("JOB_MAX_ACTIVE_PER_USER", 3)
# Pause after each progress report: zero in production; demos and tests slow jobs down with it.
JOB_STAGE_DELAY_SECONDS = float(env("JOB_STAGE_DELAY_SECONDS", "0"))

# Email: printed to the console unless an SMTP host is given.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "reviewsite <noreply@localhost>")
if env("EMAIL_HOST"):
    _port = env_int("EMAIL_PORT", 587)
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env("EMAIL_HOST"),
                "port": _port,
                "username": env("EMAIL_HOST_USER") or None,
                "password": env("EMAIL_HOST_PASSWORD") or None,
                "use_tls": env_bool("EMAIL_USE_TLS", _port == 587),
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
# Jobs that ran at least this long email their creator when they end.
JOB_NOTIFY_AFTER_SECONDS = env_int("JOB_NOTIFY_AFTER_SECONDS", 120)
# Retention: finished jobs keep their result this long (the job's record stays for good), and
# the queue's own task records are kept this long.
JOB_RESULT_RETENTION_DAYS = env_int("JOB_RESULT_RETENTION_DAYS", 180)
QUEUE_RECORD_RETENTION_DAYS = env_int("QUEUE_RECORD_RETENTION_DAYS", 14)

# Uploads: reference files for the library, and PDFs or JATS XML for deep dives.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES
PDF_MAX_PAGES = env_int("PDF_MAX_PAGES", 200)
# Uploaded files are parsed in a separate process (research/untrusted.py), killed at the
# job's budget or cancel, so a hostile file fails its job with a message naming the limit hit.
# What a gzip file may decompress to, and BibTeX @string macros may expand to, in bytes:
UPLOAD_MAX_EXPANDED_BYTES = env_int("UPLOAD_MAX_EXPANDED_BYTES", 100 * 1024 * 1024)
# Entries in one reference file (duplicates count), and characters in any one of its fields:
UPLOAD_MAX_REFERENCES = env_int("UPLOAD_MAX_REFERENCES", 50_000)
UPLOAD_MAX_FIELD_CHARACTERS = env_int("UPLOAD_MAX_FIELD_CHARACTERS", 100_000)
# Address space of the parsing process, in MB (the interpreter and its imports take ~150):
UNTRUSTED_MEMORY_MB = env_int("UNTRUSTED_MEMORY_MB", 1024)

# Live PubMed (NCBI E-utilities). NCBI allows 3 requests a second, 10 with an API key; the
# limit is held across every worker process.
NCBI_BASE_URL = env("NCBI_BASE_URL", "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/")
NCBI_API_KEY = env("NCBI_API_KEY")
NCBI_EMAIL = env("NCBI_EMAIL")
NCBI_TOOL = env("NCBI_TOOL", "reviewsite")
NCBI_REQUESTS_PER_SECOND = float(env("NCBI_REQUESTS_PER_SECOND") or (10 if NCBI_API_KEY else 3))

# Optional language-model synthesis (an OpenAI-compatible chat-completions endpoint).
LLM_BASE_URL = env("LLM_BASE_URL")
LLM_API_KEY = env("LLM_API_KEY")
LLM_MODEL = env("LLM_MODEL")
