"""Start-up checks, run the way an operator starts the app: in a fresh process."""

import os
import subprocess
import sys

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
