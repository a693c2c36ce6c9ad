"""A throwaway PostgreSQL server for the tests: one cluster per session, one database per test.

The server binaries come from Debian's `postgresql` package (`/usr/lib/postgresql/<version>/bin`).
They refuse to run as root, so as root the cluster belongs to `nobody`. Durability is switched
off: the cluster lives in a temporary folder and is thrown away at the end of the session.

Environment:
  TEST_POSTGRES=require   a PostgreSQL half that cannot run fails instead of being skipped (CI);
  TEST_POSTGRES=off       skip the PostgreSQL half on purpose;
  TEST_POSTGRES_URL=...   use this server (a superuser's URL) instead of starting one;
  PG_BIN=...              the folder holding initdb and pg_ctl (only there), when not in the usual places.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import URL, make_url

UNPRIVILEGED_USER = "nobody"
_PREFIX = "progress-bot-pg-"
_names = itertools.count(1)


class Unavailable(Exception):
    """No PostgreSQL server can run here; the message says why and what to install."""


def bin_dir() -> Path | None:
    """The folder with initdb and pg_ctl: $PG_BIN alone when set, else the newest Debian version, or PATH."""
    if os.environ.get("PG_BIN"):
        folder = Path(os.environ["PG_BIN"])
        return folder if (folder / "pg_ctl").is_file() and (folder / "initdb").is_file() else None
    candidates: list[Path] = []
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(versions, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    return next((c for c in candidates if (c / "pg_ctl").is_file() and (c / "initdb").is_file()), None)


@dataclass(frozen=True)
class Server:
    """A PostgreSQL server reachable with a superuser's URL (SQLAlchemy form, psycopg 3)."""

    admin_url: URL

    def url(self, database: str) -> str:
        return self.admin_url.set(database=database).render_as_string(hide_password=False)

    def execute(self, statement: sql.Composable | str) -> None:
        params = {k: v for k, v in dict(
            host=self.admin_url.host, port=self.admin_url.port, user=self.admin_url.username,
            password=self.admin_url.password, dbname=self.admin_url.database or "postgres",
        ).items() if v is not None}
        with psycopg.connect(autocommit=True, connect_timeout=10, **params) as connection:
            connection.execute(statement)  # type: ignore[arg-type]

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """An empty database, or a copy of `template` (a file copy: fast, and needs no WAL replay)."""
        if template is None:
            self.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        else:
            self.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(name), sql.Identifier(template)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        # FORCE: a test that forgot to close a connection must not make the next one wait.
        self.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    @contextmanager
    def database(self, *, template: str | None = None) -> Iterator[str]:
        """A fresh database for one test, dropped afterwards; yields its URL."""
        name = f"test_{os.getpid()}_{next(_names)}"
        url = self.create_database(name, template=template)
        try:
            yield url
        finally:
            self.drop_database(name)


def _scratch_folder() -> str | None:
    """Memory (/dev/shm) when there is room: creating a database writes hundreds of small files, which
    takes ~0.3 s on a virtual disk and ~0.03 s in memory. Otherwise the usual temporary folder."""
    shm = Path("/dev/shm")
    try:
        if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 1 << 30:
            return str(shm)
    except OSError:
        pass
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(command: list[str]) -> list[str]:
    """Run as `nobody` when we are root (the server refuses root), else as ourselves."""
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser is None:
        raise Unavailable("running as root and `runuser` is missing, so the PostgreSQL server cannot be started")
    return [runuser, "-u", UNPRIVILEGED_USER, "--", *command]


def _run(command: list[str], *, cwd: Path, what: str) -> None:
    done = subprocess.run(_as_owner(command), cwd=cwd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        output = (done.stderr or done.stdout).strip().splitlines()
        raise Unavailable(f"{what} failed: {' / '.join(output[-3:]) or f'exit {done.returncode}'}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reap_abandoned(scratch: Path, binaries: Path) -> None:
    """Stop the clusters of earlier test runs that were killed before they could stop them."""
    for root in scratch.glob(f"{_PREFIX}*"):
        try:
            owner = int((root / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if _alive(owner):
            continue
        subprocess.run(_as_owner([str(binaries / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "stop"]),
                       cwd=scratch, capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def throwaway_cluster() -> Iterator[Server]:
    """initdb + pg_ctl start in a temporary folder on a free port; stopped and removed afterwards."""
    binaries = bin_dir()
    if binaries is None:
        where = f"in PG_BIN={os.environ['PG_BIN']}" if os.environ.get("PG_BIN") else "in /usr/lib/postgresql/*/bin or PATH"
        raise Unavailable(f"no PostgreSQL server binaries (initdb, pg_ctl) {where}: "
                          "`apt-get install postgresql` (.ci/run does) or set PG_BIN")
    scratch = Path(_scratch_folder() or tempfile.gettempdir())
    _reap_abandoned(scratch, binaries)
    root = Path(tempfile.mkdtemp(prefix=_PREFIX, dir=scratch))
    data = root / "data"
    try:
        (root / "owner.pid").write_text(str(os.getpid()))
        if os.geteuid() == 0:
            owner = pwd.getpwnam(UNPRIVILEGED_USER)
            os.chown(root, owner.pw_uid, owner.pw_gid)
        root.chmod(0o700)
        _run([str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync",
              "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"], cwd=root, what="initdb")
        server: Server | None = None
        last_error = Unavailable("pg_ctl start failed")
        for _attempt in range(3):  # the free port may be taken between choosing and binding it
            port = _free_port()
            options = (f"-h 127.0.0.1 -p {port} -k {data} -c fsync=off -c synchronous_commit=off "
                       "-c full_page_writes=off -c autovacuum=off -c max_connections=200 "
                       "-c dynamic_shared_memory_type=mmap")
            try:
                _run([str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "server.log"),
                      "-w", "-t", "60", "start"], cwd=root, what="pg_ctl start")
            except Unavailable as error:
                log = root / "server.log"
                reason = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
                last_error = Unavailable(f"{error} {' '.join(reason)}".strip())
                continue
            server = Server(make_url(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"))
            break
        if server is None:
            raise last_error
        try:
            yield server
        finally:
            subprocess.run(_as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                           cwd=root, capture_output=True, timeout=60)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def server() -> Iterator[Server]:
    """The PostgreSQL server the tests use: TEST_POSTGRES_URL if set, else a throwaway cluster."""
    if os.environ.get("TEST_POSTGRES", "").lower() in ("off", "0", "no", "false"):
        raise Unavailable("TEST_POSTGRES=off")
    external = os.environ.get("TEST_POSTGRES_URL")
    if external:
        url = make_url(external)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        yield Server(url)
        return
    with throwaway_cluster() as cluster:
        yield cluster


def skip_or_fail(reason: Unavailable) -> NoReturn:
    """Skip the PostgreSQL half, saying why (shown by `-rs`), or fail it where it is required (CI)."""
    if os.environ.get("TEST_POSTGRES", "").lower() == "require":
        pytest.fail(f"PostgreSQL is required (TEST_POSTGRES=require) but cannot run: {reason}")
    pytest.skip(f"PostgreSQL half skipped: {reason}")
