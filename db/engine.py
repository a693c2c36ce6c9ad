"""Engine and sessions: one session per unit of work (an update or a job)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import chain
from typing import Any

from sqlalchemy import Row, Select, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlmodel import Session, create_engine

# How many sessions are open in this task: the Bot API transport refuses to send while one is, so a
# transaction is never held across an awaited call (see `transaction_open`).
_open_sessions: ContextVar[int] = ContextVar("open_sessions", default=0)


def transaction_open() -> bool:
    """Whether this task (or thread) is inside a `Database.session()` block."""
    return _open_sessions.get() > 0


def unavailable(error: BaseException | None) -> bool:
    """Whether `error` says the database cannot be reached now (server down, connection lost, file
    locked), as opposed to a fault in what was asked of it: worth telling the user to try again."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, (OperationalError, InterfaceError))


def normalize_url(url: str) -> str:
    """`postgresql://` and `postgres://` URLs (as hosting providers give them) use psycopg 3, the driver
    we install; SQLAlchemy would otherwise look for psycopg2."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
    else:
        # A server may close idle connections (restart, failover); check before handing one out.
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def insert_ignore(session: Session, model: Any, values: dict[str, Any]) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING: the new row's id, or None when a unique key already held it
    (also when another process inserted it a moment before; no savepoint needed)."""
    dialect = session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    statement = insert(model).values(**values).on_conflict_do_nothing().returning(model.id)
    return session.execute(statement).scalar_one_or_none()


def insert_ignore_many(session: Session, model: Any, rows: list[dict[str, Any]], *returning: Any) -> list[Any]:
    """INSERT … ON CONFLICT DO NOTHING for many rows, sent in batches by the driver: the `returning`
    columns of the rows that were new (in no particular order); rows a unique key already held are skipped."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    statement = insert(model.__table__).on_conflict_do_nothing().returning(*returning)
    return list(session.connection().execute(statement, rows).all())


class Database:
    """The engine plus a session factory; lives in `bot_data`."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose work is committed at the end, or rolled back on any error. Nothing may be
        awaited inside it: the Bot API transport refuses to send while it is open."""
        depth = _open_sessions.set(_open_sessions.get() + 1)
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        finally:
            _open_sessions.reset(depth)

    def dispose(self) -> None:
        self.engine.dispose()


def plain_rows(session: Session, query: Select[Any]) -> Iterator[Row[Any]]:
    """The rows of a select of plain columns, to be iterated once, read through the session's connection
    a few thousand at a time: on tens of thousands of rows the ORM's result handling costs more than the
    query, and a list of them all keeps as many objects alive for the garbage collector to scan again and
    again. Pending changes are flushed first, as the ORM would."""
    session.flush()
    return chain.from_iterable(session.connection().execute(query).partitions(2000))
