"""Opening the workspace database: WAL, busy timeout, migrations.

One ``sqlite3.Connection`` per thread. Connections run in autocommit mode
(``isolation_level=None``) and every write goes through :func:`write`, which
takes ``BEGIN IMMEDIATE``: the write lock is taken up front, so two writers
queue on the busy timeout instead of one failing with "database is locked"
when a deferred read transaction tries to upgrade. WAL lets readers run
beside the writer.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from core.errors import DiskFullError, WorkspaceError
from core.store.schema import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 30_000


def connect(db_path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the workspace database."""
    try:
        conn = sqlite3.connect(
            str(db_path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=True
        )
    except sqlite3.Error as err:
        raise WorkspaceError(f"The workspace database {db_path} cannot be opened: {err}.") from err
    conn.row_factory = sqlite3.Row
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise WorkspaceError(f"The workspace database {db_path} cannot use write-ahead logging (mode {mode}).")
        # FULL: a committed label survives power loss, not only a killed process.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as err:
        conn.close()
        if _is_storage_failure(err):  # a full disk is not a damaged workspace: say which
            raise WorkspaceError(f"The workspace database {db_path} cannot be opened because nothing can be written "
                                 f"to its disk (full, over its quota or failing); it was left unchanged.") from err
        raise WorkspaceError(f"The workspace database {db_path} is not a RadiNet workspace or is damaged: {err}.") from err
    except Exception:
        conn.close()
        raise
    try:
        migrate(conn, db_path)
    except sqlite3.DatabaseError as err:
        conn.close()
        raise WorkspaceError(
            f"The workspace {db_path} could not be upgraded to schema {SCHEMA_VERSION} ({err}); it was left unchanged."
        ) from err
    except Exception:
        conn.close()
        raise
    return conn


def migrate(conn: sqlite3.Connection, db_path: str | Path = "") -> None:
    """Apply missing migrations, each in one transaction with its version bump."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise WorkspaceError(
            f"The workspace {db_path} was written by a newer RadiNet Studio (schema {version}, "
            f"this version reads up to {SCHEMA_VERSION}); update the application to open it."
        )
    while version < SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read inside the lock: another process may have migrated meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version >= SCHEMA_VERSION:
                conn.execute("COMMIT")
                break
            for statement in _split_sql(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version += 1


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (triggers contain ';' inside BEGIN…END)."""
    statements, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements


@contextlib.contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK on error).

    A full disk becomes :class:`DiskFullError`; the rollback guarantees that
    nothing of the failed transaction is kept and nothing earlier is touched.
    """
    if conn.in_transaction:
        # Nested use: the outer transaction commits.
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except sqlite3.OperationalError as err:
        _rollback(conn)
        if _primary_code(err) == _SQLITE_FULL or "database or disk is full" in str(err):
            raise DiskFullError("The disk is full; the change was not saved and nothing already saved was lost.") from err
        if _is_storage_failure(err):
            raise WorkspaceError("The workspace database could not be written (its disk is full, over its quota or "
                                 "failing); the change was not saved and nothing already saved was lost.") from err
        raise
    except BaseException:
        _rollback(conn)
        raise


# SQLite result codes (https://sqlite.org/rescode.html); Python reports the extended
# code, whose low byte is the primary one. SQLITE_FULL comes only from ENOSPC; a write
# refused with EDQUOT (quota), EFBIG (file-size limit, FAT32) or EIO is SQLITE_IOERR.
_SQLITE_IOERR, _SQLITE_FULL = 10, 13


def _primary_code(err: sqlite3.Error) -> int:
    return (getattr(err, "sqlite_errorcode", None) or 0) & 0xFF


def _is_storage_failure(err: sqlite3.Error) -> bool:
    return _primary_code(err) in (_SQLITE_IOERR, _SQLITE_FULL)


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")
