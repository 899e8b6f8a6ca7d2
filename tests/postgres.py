"""A throwaway PostgreSQL server for the decision-record tests, started by the tests.

Debian's postgresql (initdb and pg_ctl from /usr/lib/postgresql/*/bin), one server
per test session, listening on a Unix socket in a temporary folder only (no TCP),
without fsync. Each test gets a fresh database. As root, the server runs as the
`postgres` user (PostgreSQL refuses root). `.ci/run` installs postgresql and sets
ALLOCOPT_REQUIRE_POSTGRES=1, so in CI a server that cannot start fails the run;
elsewhere those tests are skipped with the reason.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def _unavailable(reason: str) -> None:
    if os.environ.get("ALLOCOPT_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL tests required but {reason}")
    pytest.skip(reason)


class PostgresServer:
    """A running server and a way to make databases on it."""

    def __init__(self, bindir: Path, as_user: list[str]) -> None:
        self.bindir = bindir
        self.as_user = as_user
        self.root = Path(tempfile.mkdtemp(prefix="allocopt-pg-"))
        self.data = self.root / "data"
        self.socket = self.root
        self.port = 5432
        self._names = itertools.count(1)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.as_user, *args], capture_output=True, text=True,
                              timeout=120, check=False)

    def start(self) -> str | None:
        """Start; None when running, else why not."""
        if self.as_user:
            shutil.chown(self.root, user="postgres", group="postgres")
        done = self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust",
                         "-U", "postgres", "-E", "UTF8", "--no-sync")
        if done.returncode != 0:
            return f"initdb failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}"
        options = (f"-k {self.socket} -p {self.port} -c listen_addresses='' -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        done = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options,
                         "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")
        if done.returncode != 0:
            log = (self.root / "server.log")
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
            return f"pg_ctl start failed: {tail or done.stderr.strip()}"
        return None

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket}&port={self.port}"

    def new_database(self) -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        import psycopg

        name = f"record_{next(self._names)}"
        with psycopg.connect(host=str(self.socket), port=self.port, user="postgres",
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole session (skipped where it cannot start)."""
    bindir = _bindir()
    if bindir is None:
        _unavailable("no PostgreSQL server binaries (apt-get install postgresql)")
        raise AssertionError  # unreachable: skip or fail raised
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (pip install '.[test]')")
    as_user: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            _unavailable("running as root without runuser to start PostgreSQL as 'postgres'")
        as_user = [str(runuser), "-u", "postgres", "--"]
    server = PostgresServer(bindir, as_user)
    why = server.start()
    if why is not None:
        server.stop()
        _unavailable(f"PostgreSQL could not start: {why}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def record_url(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """A factory of fresh decision-record URLs: a SQLite file, or a PostgreSQL database
    on the session's server (the same tests run on both)."""
    if request.param == "sqlite":
        counter = itertools.count(1)
        return lambda: f"sqlite:///{tmp_path / f'record-{next(counter)}.sqlite'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database
