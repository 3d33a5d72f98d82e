"""A throwaway PostgreSQL for the tests: Debian's binaries, a private data dir, a free port, trust auth.

PostgreSQL refuses to run as root and CI runs as root, so as root the server runs as the `postgres` user (made
by Debian's package) or `nobody`. `make test` installs the package; elsewhere the tests that need it skip.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.api.servers import free_port

SUPERUSER = "followup"


def find_bindir() -> Path | None:
    """Debian's /usr/lib/postgresql/<major>/bin (15 first, else the newest), else initdb on PATH."""
    installed = [path.parent for path in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    if installed:
        return max(installed, key=lambda bindir: (bindir.parent.name == "15", _major(bindir.parent.name)))
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _major(name: str) -> int:
    return int(name) if re.fullmatch(r"\d+", name) else 0


@dataclass(frozen=True)
class Postgres:
    port: int
    bindir: Path
    data: Path
    as_user: tuple[str, ...]  # runuser … -- when the tests run as root
    options: str = ""  # the server options it was started with (`stopped` starts it again with them)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database (one per test keeps tests independent); its URL."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if conn.info.server_version >= 150000:  # copy files rather than log the template's 7 MB to the WAL
                create += sql.SQL(" STRATEGY = FILE_COPY")
            conn.execute(create)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    @contextmanager
    def stopped(self) -> Iterator[None]:
        """The server down (every connection closed) for the block, then up again on the same port and data."""
        log = self.data.parent / "server.log"
        _run([*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])
        try:
            yield
        finally:
            start = [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(log), "-w", "-t", "60"]
            _run([*self.as_user, *start, "-o", self.options, "start"])

    def restart(self) -> None:
        """Stops the server (closing every connection) and starts it again on the same port and data."""
        log = self.data.parent / "server.log"  # never our pipes: the server would hold them open, and us waiting
        _run(
            [*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(log), "-m", "fast", "restart"]
        )


def terminate(database_url: str, application_name: str) -> int:
    """Kills the server processes of that database's connections with this name (as an operator or a crash
    would); how many."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()",
            (application_name,),
        ).fetchone()
    return int(row[0]) if row else 0


@contextmanager
def running_postgres() -> Iterator[Postgres]:
    """Skips when PostgreSQL is not installed, except in CI (CI=true), where `make test` must have installed it."""
    bindir = find_bindir()
    if bindir is None:
        reason = "PostgreSQL is not installed (Debian: apt-get install postgresql; make test does it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    as_user: tuple[str, ...] = ()
    root = Path(tempfile.mkdtemp(prefix="followup-pg-"))  # under /tmp, which an unprivileged user can traverse
    if os.geteuid() == 0:
        user = _unprivileged_user()
        as_user = ("runuser", "-u", user, "--")
        account = pwd.getpwnam(user)
        os.chown(root, account.pw_uid, account.pw_gid)
    data, port = root / "data", free_port()
    try:
        _run([*as_user, str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust", "--no-sync"])
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        start = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60"]
        _run([*as_user, *start, "-o", options, "start"])
        try:
            yield Postgres(port, bindir, data, as_user, options)
        finally:
            _run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _unprivileged_user() -> str:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    pytest.fail("running as root and neither a postgres nor a nobody user exists to run PostgreSQL as")


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, cwd="/")
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
