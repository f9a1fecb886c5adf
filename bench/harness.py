"""The real thing, started for a benchmark: a temporary DATA_DIR with its own database, gunicorn
with two workers and a qcluster, on loopback. SQLite and the database broker by default;
PostgreSQL and Redis when DATABASE_URL / REDIS_URL are given (a fresh database is created in
that server and dropped afterwards; the queue gets a cluster name of its own)."""

from __future__ import annotations

import http.cookiejar
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LIBRARY_FIXTURE = REPO / "tests" / "fixtures" / "pubmed" / "sample_baseline.xml"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_until(check, *, timeout: float, message: str, interval: float = 0.1):
    """Poll check() until it returns something truthy, or fail with message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(message)


@dataclass
class Site:
    """One benchmark deployment: its environment, database and processes."""

    database_url: str = ""
    redis_url: str = ""
    web_workers: int = 2
    keep: bool = False
    data_dir: Path = field(init=False)
    port: int = field(init=False)
    env: dict[str, str] = field(init=False)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)
    _pg_admin_url: str = ""
    _pg_database: str = ""

    def __post_init__(self) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="reviewsite-bench-"))
        self.port = free_port()
        cluster = f"reviewsite-bench-{os.getpid()}"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
            "DJANGO_SETTINGS_MODULE": "reviewsite.settings",
            "DATA_DIR": str(self.data_dir),
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-" + os.urandom(8).hex(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "Q_CLUSTER_NAME": cluster,
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        if self.database_url:
            self.env["DATABASE_URL"] = self._fresh_postgres_database(self.database_url)
        if self.redis_url:
            self.env["REDIS_URL"] = self.redis_url

    # -- description ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def broker(self) -> str:
        return "redis" if self.redis_url else "orm"

    @property
    def label(self) -> str:
        database = "postgresql" if self.database_url else "sqlite"
        return f"{database}-{self.broker}"

    def describe(self) -> dict[str, str]:
        """The machine and the stack, for the results."""
        cpu = "unknown"
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        if self.database_url:
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"]) as conn:
                version = conn.execute("SHOW server_version").fetchone()[0]
            database = f"PostgreSQL {version}"
        else:
            import sqlite3

            database = f"SQLite {sqlite3.sqlite_version} (WAL)"
        broker = "Redis" if self.redis_url else "database (django-q2 ORM broker, poll 0.2 s)"
        if self.redis_url:
            import redis

            info = redis.Redis.from_url(self.redis_url).info("server")
            broker = f"Redis {info.get('redis_version', '?')}"
        try:
            commit = subprocess.run(
                ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            commit = os.environ.get("BENCH_COMMIT", "unknown (not a git checkout)")
        return {
            "commit": commit,
            "nproc": str(os.cpu_count()),
            "cpu": cpu,
            "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "python": platform.python_version(),
            "database": database,
            "broker": broker,
            "web": f"gunicorn {self.web_workers} sync workers (reviewsite.wsgi)",
        }

    # -- setting up -------------------------------------------------------------------------

    def _fresh_postgres_database(self, url: str) -> str:
        import psycopg

        parts = urllib.parse.urlsplit(url)
        self._pg_database = f"reviewsite_bench_{os.getpid()}"
        self._pg_admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(self._pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self._pg_database}"')
            conn.execute(f'CREATE DATABASE "{self._pg_database}"')
        return urllib.parse.urlunsplit(parts._replace(path=f"/{self._pg_database}"))

    def manage(self, *args: str, quiet: bool = True) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def prepare(self) -> None:
        """migrate, createcachetable, collectstatic, and the tiny library."""
        self.manage("migrate", "--noinput")
        self.manage("createcachetable")
        self.manage("collectstatic", "--noinput")
        self.manage("import_pubmed", str(LIBRARY_FIXTURE))

    def use_in_this_process(self) -> None:
        """Point this process's Django at the same settings, then set it up."""
        os.environ.update(self.env)
        if str(REPO) not in sys.path:
            sys.path.insert(0, str(REPO))
        import django

        django.setup()

    # -- processes --------------------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = self.data_dir / f"{name}.log"
        self.logs[name] = log
        self.processes[name] = subprocess.Popen(
            argv,
            cwd=REPO,
            env=self.env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start(self) -> None:
        self._spawn(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "reviewsite.wsgi",
                "--workers",
                str(self.web_workers),
                "--bind",
                f"{HOST}:{self.port}",
                "--log-level",
                "warning",
            ],
        )
        self._spawn("qcluster", [sys.executable, "manage.py", "qcluster"])
        wait_until(self._healthy, timeout=60, message=f"gunicorn did not answer: {self.tail()}")

    def _healthy(self) -> bool:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited early:\n{self.tail(name)}")
        try:
            with urllib.request.urlopen(self.base_url + "/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def tail(self, name: str = "gunicorn", lines: int = 30) -> str:
        path = self.logs.get(name)
        if not path or not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def pids(self, name: str) -> list[int]:
        """The process and its children (gunicorn's workers, the cluster's workers)."""
        root = self.processes[name].pid
        found, frontier = [root], [root]
        while frontier:
            parent = frontier.pop()
            children = Path(f"/proc/{parent}/task/{parent}/children")
            try:
                kids = [int(x) for x in children.read_text().split()]
            except OSError:
                kids = []
            found += kids
            frontier += kids
        return found

    def stop(self) -> None:
        for name in ("gunicorn", "qcluster"):
            process = self.processes.get(name)
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGTERM if name == "gunicorn" else signal.SIGINT)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    def cleanup(self) -> None:
        self.stop()
        from django.db import connections

        connections.close_all()
        if self._pg_database:
            import psycopg

            with psycopg.connect(self._pg_admin_url, autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    [self._pg_database],
                )
                conn.execute(f'DROP DATABASE IF EXISTS "{self._pg_database}"')
        if self.redis_url:
            import redis

            client = redis.Redis.from_url(self.redis_url)
            keys = list(client.scan_iter(match=f"*{self.env['Q_CLUSTER_NAME']}*", count=1000))
            if keys:
                client.delete(*keys)
        if not self.keep:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- a browser's session ----------------------------------------------------------------

    def login(self, username: str, password: str) -> str:
        """Log in through the real login form; returns the session cookie's value."""
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        url = self.base_url + "/accounts/login/"
        page = opener.open(url, timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(url, data=body, headers={"Referer": url})
        opener.open(request, timeout=10).read()
        cookies = {cookie.name: cookie.value for cookie in jar}
        if "sessionid" not in cookies:
            raise RuntimeError("login failed: no session cookie")
        return cookies["sessionid"]
