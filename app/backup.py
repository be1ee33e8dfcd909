"""Backups that restore: a folder holding a consistent database copy, the storage inventory read in the
same snapshot, and a manifest written last (a folder without one is an unfinished backup).

The folder: ``manifest.json`` (format, when, which database and versions, each file's SHA-256),
``database.pgdump`` (PostgreSQL) or ``database.sqlite3`` (SQLite), and ``objects.csv`` (every stored
version's key, size and SHA-256). Storage itself is not copied; see the README for replicating it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError as AlembicError
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app.core import database_dump
from app.core.database_dump import BackupError
from app.core.timeutil import utcnow
from app.storage import Storage
from app.submissions import inventory

FORMAT = 1
MANIFEST = "manifest.json"
INVENTORY = "objects.csv"
DUMP_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
READ_CHUNK = 1024 * 1024

__all__ = ["BackupError", "Manifest", "check_storage", "read_manifest", "restore_database", "take_backup"]


@dataclass(frozen=True)
class Manifest:
    """What a backup holds and what is needed to restore it."""

    format: int
    created_at: str
    database: str  # "postgresql" or "sqlite"
    server_major: int | None  # PostgreSQL only: a restore needs a server and pg_restore at least this new
    pg_dump_major: int | None
    alembic_revision: str | None
    database_file: str
    database_sha256: str
    inventory_file: str
    inventory_sha256: str
    objects: int
    object_bytes: int


def take_backup(url: str, folder: Path) -> Manifest:
    """Back the database at ``url`` up into ``folder``, which must be missing or empty."""
    kind = database_dump.kind_of(url)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"{folder} is not an empty folder; a backup never writes over another")
    folder.mkdir(parents=True, exist_ok=True)
    dump_path, inventory_path = folder / DUMP_FILES[kind], folder / INVENTORY
    server_major = pg_dump_major = None
    if kind == "postgresql":
        with database_dump.exported_snapshot(url) as (connection, snapshot):
            server_major = database_dump.server_major(connection)
            pg_dump_major = database_dump.require_client_for("pg_dump", server_major, "the server")
            revision = _revision(connection)
            with inventory_path.open("w", encoding="utf-8", newline="") as out:
                written = inventory.write_inventory(connection, out)
            database_dump.pg_dump(url, snapshot, dump_path)
    else:
        source = database_dump.sqlite_path(url)
        if not source.exists():
            raise BackupError(f"the SQLite database {source} does not exist")
        database_dump.sqlite_copy(source, dump_path)
        # Read from the copy, not the live file: the inventory then matches the copy exactly.
        with _connected(f"sqlite:///{dump_path}") as connection:
            revision = _revision(connection)
            with inventory_path.open("w", encoding="utf-8", newline="") as out:
                written = inventory.write_inventory(connection, out)
    manifest = Manifest(
        format=FORMAT,
        created_at=utcnow().isoformat(),
        database=kind,
        server_major=server_major,
        pg_dump_major=pg_dump_major,
        alembic_revision=revision,
        database_file=dump_path.name,
        database_sha256=_sha256_of(dump_path),
        inventory_file=inventory_path.name,
        inventory_sha256=_sha256_of(inventory_path),
        objects=written.objects,
        object_bytes=written.object_bytes,
    )
    partial = folder / (MANIFEST + ".partial")
    partial.write_text(json.dumps(asdict(manifest), indent=2) + "\n", encoding="utf-8")
    os.replace(partial, folder / MANIFEST)
    return manifest


def read_manifest(folder: Path) -> Manifest:
    """The backup's manifest, once each file it names is checked against its SHA-256."""
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} holds no {MANIFEST}: it is not a finished backup")
    try:
        manifest = Manifest(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError):
        raise BackupError(f"{path} is not a Podium backup manifest") from None
    if not _well_typed(manifest) or manifest.format != FORMAT or manifest.database not in DUMP_FILES:
        raise BackupError(f"{path} is a backup format this version cannot read")
    if (manifest.database_file, manifest.inventory_file) != (DUMP_FILES[manifest.database], INVENTORY):
        raise BackupError(f"{path} names files a backup does not hold; it was altered")
    if manifest.alembic_revision is not None and not _known_revision(manifest.alembic_revision):
        raise BackupError(
            f"the backup's schema revision {manifest.alembic_revision!r} is not one this version of Podium "
            "knows; restore it with the version that made it"
        )
    for name, expected in (
        (manifest.database_file, manifest.database_sha256),
        (manifest.inventory_file, manifest.inventory_sha256),
    ):
        file = folder / Path(name).name
        if not file.is_file() or _sha256_of(file) != expected:
            raise BackupError(f"{file} is missing or damaged: its SHA-256 is not the one in the manifest")
    return manifest


def _well_typed(manifest: Manifest) -> bool:
    texts = (manifest.created_at, manifest.database, manifest.database_file, manifest.database_sha256)
    counts = (manifest.format, manifest.objects, manifest.object_bytes)
    return (
        all(isinstance(value, str) for value in (*texts, manifest.inventory_file, manifest.inventory_sha256))
        and all(isinstance(value, int) and not isinstance(value, bool) and value >= 0 for value in counts)
        and all(
            value is None or isinstance(value, int)
            for value in (manifest.server_major, manifest.pg_dump_major)
        )
    )


def restore_database(url: str, folder: Path) -> Manifest:
    """Restore the backup in ``folder`` into the empty database at ``url``; refuse a non-empty one."""
    manifest = read_manifest(folder)
    kind = database_dump.kind_of(url)
    if kind != manifest.database:
        raise BackupError(f"this backup is of a {manifest.database} database; DATABASE_URL is {kind}")
    dump_path = folder / Path(manifest.database_file).name
    if kind == "postgresql":
        with _connected(url) as connection:
            _refuse_non_empty(connection, url)
            target_major = database_dump.server_major(connection)
        if manifest.server_major and target_major < manifest.server_major:
            raise BackupError(
                f"the backup is of PostgreSQL {manifest.server_major}; this server is {target_major}"
            )
        needed = max(manifest.pg_dump_major or 0, target_major)
        database_dump.require_client_for("pg_restore", needed, "the backup or the server")
        database_dump.pg_restore(url, dump_path)
    else:
        target = database_dump.sqlite_path(url)
        if target.exists():
            with _connected(url) as connection:
                _refuse_non_empty(connection, url)
        target.parent.mkdir(parents=True, exist_ok=True)
        database_dump.sqlite_copy(dump_path, target)
    with _connected(url) as connection:
        revision = _revision(connection)
        differences = _inventory_differences(connection, folder / Path(manifest.inventory_file).name)
    problem = None
    if revision != manifest.alembic_revision:
        problem = (
            f"the restored schema is at revision {revision}, the backup says {manifest.alembic_revision}"
        )
    elif differences:
        problem = f"the restored database disagrees with the backup's inventory: {differences[0]}"
    if problem is not None:
        _empty_again(url, kind)  # the target was empty: leave it so, and a corrected backup can be restored
        raise BackupError(f"{problem}; nothing was kept")
    return manifest


def _empty_again(url: str, kind: str) -> None:
    """Undo a restore that failed its checks: the database was empty before it began."""
    if kind == "sqlite":
        database_dump.sqlite_path(url).unlink(missing_ok=True)
        return
    with _connected(url) as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
        connection.commit()


def _known_revision(revision: str) -> bool:
    """Whether ``revision`` is one of this code's migrations."""
    directory = Path(__file__).resolve().parent.parent / "migrations"
    try:
        return ScriptDirectory(str(directory)).get_revision(revision) is not None
    except (AlembicError, KeyError, ValueError):
        return False


def check_storage(
    folder: Path,
    storage: Storage,
    *,
    rehash: bool = True,
    on_bytes: Callable[[int], None] | None = None,
    on_object: Callable[[], None] | None = None,
) -> Iterator[str]:
    """Each object of the backup's inventory that storage does not hold as it was (one line each);
    ``on_bytes`` hears of each chunk hashed, ``on_object`` of each object checked (for progress)."""
    manifest = read_manifest(folder)
    with (folder / Path(manifest.inventory_file).name).open(encoding="utf-8", newline="") as source:
        for row in inventory.read_inventory(source):
            problem = inventory.problem_with(storage, row, rehash=rehash, on_bytes=on_bytes)
            if on_object is not None:
                on_object()
            if problem is not None:
                yield problem


def _inventory_differences(connection: Connection, inventory_path: Path) -> list[str]:
    with inventory_path.open(encoding="utf-8", newline="") as source:
        listed = inventory.read_inventory(source)
        recorded = inventory.recorded_rows(connection)
        for expected, found in _zip_longest(listed, recorded):
            if expected != found:
                return [f"expected {expected}, found {found}"]
    return []


def _zip_longest(left: Iterator[object], right: Iterator[object]) -> Iterator[tuple[object, object]]:
    while True:
        a, b = next(left, None), next(right, None)
        if a is None and b is None:
            return
        yield a, b


def _refuse_non_empty(connection: Connection, url: str) -> None:
    tables = database_dump.table_count(connection)
    if tables:
        name = make_url(url).database
        raise BackupError(
            f"restore refused: database {name} already holds {tables} table(s); restore only into an empty one"
        )


def _revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None  # a database never migrated
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


class _connected:
    """A connection of a throwaway engine: nothing lingers in the app's pool or its schema cache."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(database_dump.sqlalchemy_url(url), poolclass=NullPool)

    def __enter__(self) -> Connection:
        self.connection = self.engine.connect()
        return self.connection

    def __exit__(self, *exc: object) -> None:
        self.connection.close()
        self.engine.dispose()


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
