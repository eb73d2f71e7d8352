"""Backup and restore of the whole system: the database and the files under PRIVATE_ROOT (exported registers,
evidence files), which a database dump alone would miss, in one archive with a manifest to check a restore by.

The archive (a tar file) holds:

- ``manifest.json``: when and from what it was made, the row count of every table, a checksum of every ledger
  row (the figures grades were decided by: ``LEDGERS``), and the size and SHA-256 of every file;
- ``database.dump`` (PostgreSQL: ``pg_dump`` custom format, restored by ``pg_restore``) or ``database.sqlite3``
  (SQLite: a copy made by SQLite's own backup, consistent while the site runs);
- ``files/…``: PRIVATE_ROOT as it was.

On PostgreSQL the counts and checksums are read in the very snapshot ``pg_dump`` dumps (``pg_export_snapshot``,
``pg_dump --snapshot``); on SQLite they are read from the copy itself. Either way the manifest describes exactly
the rows in the archive, whatever the site writes meanwhile. The files are read after; a register finished
during the backup may be there without its row.

A restore goes into a fresh database (an empty one; ``replace`` to overwrite) and a PRIVATE_ROOT, then counts
and checks everything again and compares it with the manifest: it says what differs, or that nothing does.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
FILES = "files"
# The figures the grades were decided by: every row of them is checked, not only counted.
LEDGERS = ("assessment.QuotaLedger", "assessment.AnnualLedger")


class BackupError(Exception):
    """A backup or restore that could not be made, or a restore that does not match its manifest."""


@dataclass
class Verified:
    tables: int
    rows: int
    files: int
    problems: list[str] = field(default_factory=list)


def _pg_env(alias: str) -> dict[str, str]:
    db = connections[alias].settings_dict
    env = dict(os.environ)
    for key, name in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if db.get(name):
            env[key] = str(db[name])
    env["PGDATABASE"] = str(db["NAME"])
    return env


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client of the server's major version.")
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def table_counts(connection=None) -> dict[str, int]:
    """The row count of every table of the database (Django's and every app's), by table name."""
    connection = connection or connections["default"]
    with connection.cursor() as cursor:
        names = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")
            counts[name] = cursor.fetchone()[0]
    return counts


def ledger_figures(connection=None) -> dict[str, dict]:
    """Per ledger, its row count and one SHA-256 over every value of every row (as the ORM reads it: Decimals,
    dates), in key order."""
    connection = connection or connections["default"]
    figures = {}
    for label in LEDGERS:
        model = apps.get_model(label)
        columns = [f.attname for f in model._meta.concrete_fields]
        query = model._base_manager.order_by("pk").values_list(*columns).query
        digest, rows = hashlib.sha256(), 0
        # Compiled for ``connection`` itself, which may be a copy no alias names (common.backup._sqlite_copy).
        for row in query.get_compiler(connection=connection).results_iter(tuple_expected=True, chunk_size=2000):
            digest.update(repr(tuple(row)).encode())
            rows += 1
        figures[label] = {"rows": rows, "sha256": digest.hexdigest()}
    return figures


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_checksums(root: Path) -> dict[str, dict]:
    """Every file under ``root``: its path (relative, with /) → size and SHA-256."""
    found = {}
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            found[path.relative_to(root).as_posix()] = {"size": path.stat().st_size, "sha256": _sha256(path)}
    return found


def _pg_dump(database: Path, alias: str) -> tuple[dict, dict]:
    """Dump with pg_dump in the snapshot the counts and checksums were read in; returns those."""
    dump = _program("pg_dump")
    connection = connections[alias]
    with transaction.atomic(using=alias):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        counts, figures = table_counts(connection), ledger_figures(connection)
        # The transaction stays open while pg_dump reads its snapshot.
        command = [dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}"]
        _run([*command, f"--file={database}"], _pg_env(alias))
    return counts, figures


def _sqlite_copy(database: Path, alias: str) -> tuple[dict, dict]:
    """Copy with SQLite's backup (consistent while the site writes), then count and check the copy itself."""
    connection = connections[alias]
    connection.ensure_connection()
    target = sqlite3.connect(database)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    # A connection of its own to the copy, registered nowhere: it lives for these two reads.
    copy = connection.__class__({**connection.settings_dict, "NAME": str(database)}, alias=f"{alias}-backup-copy")
    try:
        return table_counts(copy), ledger_figures(copy)
    finally:
        copy.close()


def backup(output: Path, *, alias: str = "default") -> dict:
    """Write the archive to ``output``; returns its manifest."""
    connection = connections[alias]
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"Backups are made of PostgreSQL or SQLite, not {vendor}.")
    private = Path(settings.PRIVATE_ROOT)
    with tempfile.TemporaryDirectory(prefix="kaohe-backup-") as tmp:
        database = Path(tmp) / (PG_DUMP if vendor == "postgresql" else SQLITE_COPY)
        if vendor == "postgresql":
            counts, figures = _pg_dump(database, alias)
        else:
            counts, figures = _sqlite_copy(database, alias)
        files = file_checksums(private)
        manifest = {
            "format": FORMAT,
            "made_at": timezone.now().isoformat(),
            "vendor": vendor,
            "database": database.name,
            "tables": counts,
            "ledgers": figures,
            "files": files,
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(body), int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(body))
            archive.add(database, arcname=database.name)
            for name in files:
                archive.add(private / name, arcname=f"{FILES}/{name}")
        partial.replace(output)  # a backup cut short never passes for a whole one
    return manifest


def read_manifest(archive_path: Path) -> dict:
    with tarfile.open(archive_path) as archive:
        member = archive.extractfile(MANIFEST)
        if member is None:
            raise BackupError(f"{archive_path} holds no {MANIFEST}: not a backup of this system.")
        manifest = json.load(member)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive_path} is of format {manifest.get('format')}, this system reads {FORMAT}.")
    return manifest


def restore(archive_path: Path, *, alias: str = "default", replace: bool = False, jobs: int = 1) -> Verified:
    """Load the archive into the database and PRIVATE_ROOT, then check both against the manifest."""
    manifest = read_manifest(archive_path)
    connection = connections[alias]
    if manifest["vendor"] != connection.vendor:
        raise BackupError(f"The backup is of {manifest['vendor']}; the database is {connection.vendor}.")
    if not replace and any(table_counts(connection).values()):
        raise BackupError("The database is not empty: restore into a fresh database, or replace it (--replace).")
    private = Path(settings.PRIVATE_ROOT)
    with tempfile.TemporaryDirectory(prefix="kaohe-restore-") as tmp, tarfile.open(archive_path) as archive:
        archive.extractall(tmp, filter="data")  # no path leaves tmp, no links, no devices
        database = Path(tmp) / manifest["database"]
        connection.close()
        if connection.vendor == "postgresql":
            command = [_program("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", f"--jobs={jobs}"]
            if replace:
                command += ["--clean", "--if-exists"]
            env = _pg_env(alias)
            _run([*command, f"--dbname={env['PGDATABASE']}", str(database)], env)
        else:
            shutil.copyfile(database, connection.settings_dict["NAME"])
        for name in manifest["files"]:
            target = private / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(tmp) / FILES / name, target)
    return verify(manifest, alias=alias)


def verify(manifest: dict, *, alias: str = "default") -> Verified:
    """Compare the database and PRIVATE_ROOT with ``manifest``: every table's count, every ledger's rows, every
    file's size and checksum."""
    problems = []
    connection = connections[alias]
    counts = table_counts(connection)
    for table, expected in manifest["tables"].items():
        if counts.get(table) != expected:
            problems.append(f"table {table}: {counts.get(table)} rows, the backup had {expected}")
    for label, expected in ledger_figures(connection).items():
        if manifest["ledgers"].get(label) != expected:
            problems.append(f"ledger {label} differs from the backup")
    present = file_checksums(Path(settings.PRIVATE_ROOT))
    for name, expected in manifest["files"].items():
        if present.get(name) != expected:
            problems.append(f"file {name}: missing or changed")
    return Verified(
        tables=len(manifest["tables"]),
        rows=sum(manifest["tables"].values()),
        files=len(manifest["files"]),
        problems=problems,
    )
