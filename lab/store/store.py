"""Opening a results store: resolve the URL, make the engine, bring the schema to head."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from lab.store.engine import SQLITE_IMMEDIATE, make_engine
from lab.store.errors import StoreError
from lab.store.migrate import ensure_current
from lab.store.url import display_url, parse_url, resolve_url

__all__ = ["Store", "open_store"]


@dataclass
class Store:
    """An open results store. ``reading()`` / ``writing()`` give a session (``writing`` commits at the
    end of the block and, on SQLite, takes the write lock up front)."""

    engine: Engine

    @property
    def url(self) -> str:
        return display_url(self.engine.url)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        with self.engine.connect() as connection:
            connection = connection.execution_options(**{SQLITE_IMMEDIATE: True})
            with Session(bind=connection, expire_on_commit=False) as session, session.begin():
                yield session

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(url: URL | str | None = None, *, lab: str | Path | None = None, migrate: bool = True) -> Store:
    """The store at ``url`` (a URL or its text; None: :func:`lab.store.url.resolve_url` with ``lab``),
    upgraded to the code's schema head unless ``migrate`` is off. StoreError naming the URL when it is
    malformed, unreachable, or newer than this code."""
    resolved = resolve_url(None, lab) if url is None else url if isinstance(url, URL) else parse_url(url)
    try:
        engine = make_engine(resolved)
    except OSError as exc:
        raise StoreError(f"cannot create the results store {display_url(resolved)}: {exc}",
                         field="--db / $FLEXBENCH_DB") from None
    try:
        if migrate:
            ensure_current(engine)
        else:
            with engine.connect():
                pass
    except (OperationalError, DBAPIError) as exc:
        engine.dispose()
        reason = " ".join(str(exc.orig or exc).split())[:300]
        raise StoreError(f"cannot reach the results store {display_url(resolved)}: {reason}",
                         field="--db / $FLEXBENCH_DB") from None
    except StoreError:
        engine.dispose()
        raise
    return Store(engine)
