"""Start-up checks, run the way an operator starts the app: in a fresh process."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "9Qz-production-secret-key-for-the-deploy-check-" + "x" * 10,
    "ALLOWED_HOSTS": "reviews.example.org",
    "HTTPS": "1",
    "EMAIL_HOST": "smtp.example.org",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_missing_secret_key_stops_start_up_with_debug_off():
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_missing_allowed_hosts_stops_start_up_with_debug_off():
    result = manage("check", **{**PRODUCTION, "ALLOWED_HOSTS": ""})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set when DEBUG is off." in result.stderr


def test_sqlite_is_configured_for_concurrent_writers():
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
        assert db["OPTIONS"]["timeout"] >= 5
    assert db["CONN_MAX_AGE"] > 0


def test_queue_settings_never_rerun_a_task_for_ever():
    q = settings.Q_CLUSTER
    assert q["timeout"] < q["retry"]
    assert q["timeout"] > max(settings.JOB_BUDGET_SECONDS.values())
    assert q["max_attempts"] == 1 and q["ack_failures"] is True


def test_the_job_indexes_exist(db):
    from django.db import connection

    with connection.cursor() as cursor:
        names = set(connection.introspection.get_constraints(cursor, "jobs_job"))
    assert {"job_project_recent", "job_creator_recent", "job_active_heartbeat"} <= names


CHECK_SETTINGS = """
import sys
from django.core.exceptions import ImproperlyConfigured
try:
    import reviewsite.settings
except ImproperlyConfigured as exc:
    print(exc)
    sys.exit(3)
"""


def import_settings(tmp_path, **env: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh process, as start-up does, with this environment."""
    base = {**os.environ, "DEBUG": "1", "DATA_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-c", CHECK_SETTINGS],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("JOB_MAX_ATTEMPTS", "three"),
        ("JOB_STALE_SECONDS", "1.5"),
        ("DEBUG", "maybe"),
        ("HTTPS", "perhaps"),
        ("DATABASE_URL", "not a url"),
        ("DATABASE_URL", "postgres://user@db:port/reviewsite"),
        ("REDIS_URL", "http://redis.internal:6379/0"),
        ("SITE_URL", "reviews.example.org"),
        ("JOB_BUDGET_DEEP_DIVE", "-600"),
        ("JOB_BUDGET_REVIEW_RECALL", "0"),
        ("JOB_HEARTBEAT_SECONDS", "0"),
        ("JOB_PROGRESS_MIN_INTERVAL", "nan"),
        ("UPLOAD_MAX_BYTES", "20MB"),
        ("EMAIL_PORT", "70000"),
        ("LOG_LEVEL", "LOUD"),
        ("LOG_FORMAT", "xml"),
        ("TIME_ZONE", "Mars/Olympus_Mons"),
        ("CSRF_TRUSTED_ORIGINS", "reviews.example.org"),
        ("NCBI_REQUESTS_PER_SECOND", "fast"),
        ("TRUSTED_PROXY_COUNT", "-1"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(tmp_path, name, value):
    result = import_settings(tmp_path, **{name: value})
    assert result.returncode == 3, result.stdout + result.stderr  # ImproperlyConfigured
    assert f"\n  {name}: " in result.stdout, result.stdout


def test_every_malformed_variable_is_named_at_once(tmp_path):
    result = import_settings(tmp_path, Q_WORKERS="two", EMAIL_USE_TLS="sometimes")
    assert result.returncode == 3
    assert "Q_WORKERS: Not a valid integer." in result.stdout
    assert "EMAIL_USE_TLS: Not a valid boolean." in result.stdout


def test_an_empty_value_keeps_the_default(tmp_path):
    probe = CHECK_SETTINGS + "print(reviewsite.settings.JOB_MAX_ATTEMPTS)\n"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DEBUG": "1", "DATA_DIR": str(tmp_path), "JOB_MAX_ATTEMPTS": "  "},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "3", result.stdout + result.stderr


def test_every_variable_the_settings_read_is_in_the_readme_table():
    from reviewsite import settings as module

    readme = (settings.BASE_DIR / "README.md").read_text()
    table = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    documented = {
        name
        for row in table.splitlines()
        if row.startswith("| `")
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])
    }
    assert set(module.env.dump()) - documented == set()
