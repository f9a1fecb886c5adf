"""Database errors under a running job. SQLite's one write lock, held by another connection as
a long import holds it: the lifecycle's writes wait and try again instead of failing the job,
and a heartbeat outlives a write that failed for good. PostgreSQL: a heartbeat outlives its
connection being cut."""

import sqlite3
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils.timezone import now

from jobs import lifecycle
from jobs.execution import Heartbeat
from jobs.models import Job
from tests.conftest import make_job, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
sqlite_only = pytest.mark.skipif(
    not SQLITE, reason="SQLite's database-wide write lock; PostgreSQL locks rows instead"
)


class WriteLock:
    """A second connection to the test database that takes and gives back the write lock."""

    def __init__(self, path: str) -> None:
        self.holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def take(self) -> None:
        self.holder.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.holder.in_transaction:
            self.holder.execute("ROLLBACK")


@pytest.fixture
def write_lock(monkeypatch):
    # Our connections give up waiting for the lock after 50 ms instead of 20 s, so each attempt
    # of a write fails fast; the retries' own pauses stay as they are.
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.05)
    connection.close()
    lock = WriteLock(connection.settings_dict["NAME"])
    yield lock
    lock.release()
    lock.holder.close()
    connection.close()


def running_job(**overrides) -> Job:
    return make_job(
        status="processing",
        worker="w1",
        attempts=1,
        started_at=now(),
        **{"heartbeat_at": now(), **overrides},
    )


def logged(caplog, text: str) -> bool:
    return any(text in record.getMessage() for record in list(caplog.records))


@sqlite_only
def test_a_write_waits_for_a_lock_held_elsewhere_and_then_lands(write_lock, caplog):
    job = running_job()
    write_lock.take()

    def release_once_refused() -> None:
        wait_for(lambda: logged(caplog, "database is locked"), timeout=10)
        write_lock.release()

    releaser = threading.Thread(target=release_once_refused)
    releaser.start()
    try:
        assert lifecycle.job_progress(job_id=job.pk, worker="w1", stage="Ranking", percent=40)
    finally:
        write_lock.release()
        releaser.join(10)
    assert logged(caplog, "job_progress: database is locked; trying again")
    assert Job.objects.values_list("stage", "progress").get(pk=job.pk) == ("Ranking", 40)


def test_inside_a_transaction_a_locked_write_is_not_tried_again():
    attempts = []

    @lifecycle.retry_when_locked
    def write() -> None:
        attempts.append(1)
        raise OperationalError("database is locked")

    with pytest.raises(OperationalError), transaction.atomic():
        write()
    assert len(attempts) == 1  # the caller's transaction is what must be retried


@sqlite_only
def test_a_heartbeat_outlives_a_database_error(write_lock, caplog):
    last_beat = now() - timedelta(minutes=1)
    job = running_job(heartbeat_at=last_beat)
    write_lock.take()
    heartbeat = Heartbeat(job_id=job.pk, worker="w1", interval=0.05)
    heartbeat.start()
    try:
        # Every retry of one beat is refused (about four seconds); the thread logs and goes on.
        wait_for(lambda: logged(caplog, f"heartbeat of job {job.pk} failed"), timeout=30)
        write_lock.release()
        wait_for(
            lambda: Job.objects.get(pk=job.pk).heartbeat_at > last_beat,
            timeout=10,
            message="no heartbeat after the lock was released",
        )
        assert heartbeat.is_alive()
    finally:
        write_lock.release()
        heartbeat.stop()
        heartbeat.join(10)
    assert not heartbeat.is_alive()


@pytest.mark.postgres
@pytest.mark.skipif(SQLITE, reason="needs PostgreSQL (DATABASE_URL=postgres://...)")
def test_a_heartbeat_outlives_its_connection_being_cut(caplog):
    last_beat = now() - timedelta(minutes=1)
    job = running_job(heartbeat_at=last_beat)
    heartbeat = Heartbeat(job_id=job.pk, worker="w1", interval=0.1)
    heartbeat.start()
    try:
        first = wait_for(
            lambda: (beat := Job.objects.get(pk=job.pk).heartbeat_at) > last_beat and beat,
            timeout=10,
            message="the heartbeat never wrote",
        )
        with connection.cursor() as cursor:  # every connection to the test database but ours
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        wait_for(lambda: logged(caplog, f"heartbeat of job {job.pk} failed"), timeout=10)
        wait_for(
            lambda: Job.objects.get(pk=job.pk).heartbeat_at > first,
            timeout=10,
            message="no heartbeat after the connection was cut",
        )
        assert heartbeat.is_alive()
    finally:
        heartbeat.stop()
        heartbeat.join(10)
    assert not heartbeat.is_alive()
