"""Backup and restore (common/backup.py, ``manage.py backup`` and ``restore``): one archive holds the database
and the files under PRIVATE_ROOT with a manifest of every table's row count, every ledger row's checksum and
every file's; a restore into a fresh database finds all of it identical and says so, or names what differs."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

import units.demo
from accounts.models import User
from assessment.models import AnnualLedger, QuotaLedger
from assessment.registers.export import Request
from assessment.registers.services import register_export_request
from common.backup import MANIFEST, file_checksums, ledger_figures, read_manifest, table_counts, verify
from periods.models import AssessmentYear
from units.models import Person


@pytest.fixture
def private(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    (settings.PRIVATE_ROOT / "registers").mkdir(parents=True)
    (settings.PRIVATE_ROOT / "registers" / "r.xlsx").write_bytes(b"a register")
    return settings.PRIVATE_ROOT


# Transactional: SQLite copies a database no open transaction holds (the test's own would block its backup).
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_archive_holds_the_database_the_files_and_a_manifest_that_matches_them(decided, private, tmp_path):
    archive = tmp_path / "b.tar"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    manifest = read_manifest(archive)
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {MANIFEST, manifest["database"], "files/registers/r.xlsx"} <= names
    assert manifest["tables"]["units_person"] == Person.objects.count() > 0
    assert manifest["tables"]["assessment_quotaledger"] == QuotaLedger.objects.count() > 0
    assert manifest["ledgers"] == ledger_figures()
    assert manifest["files"] == file_checksums(private)
    assert verify(manifest).problems == []


def test_verification_names_every_difference(decided, private, tmp_path):
    archive = tmp_path / "b.tar"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    manifest = read_manifest(archive)
    (private / "registers" / "r.xlsx").write_bytes(b"tampered")
    ledger = QuotaLedger.objects.order_by("pk").first()
    QuotaLedger.objects.filter(pk=ledger.pk).update(places=ledger.places + 1)
    Person.objects.filter(pk=Person.objects.order_by("pk").first().pk).update(name="改")  # counted, not checked
    problems = verify(manifest).problems
    assert problems == [
        "ledger assessment.QuotaLedger differs from the backup",
        "file registers/r.xlsx: missing or changed",
    ]


def test_a_restore_into_a_database_that_is_not_empty_is_refused(decided, private, tmp_path):
    archive = tmp_path / "b.tar"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), stdout=io.StringIO())


def test_an_archive_of_the_other_database_or_no_archive_is_refused(db, private, tmp_path):
    archive = tmp_path / "other.tar"
    body = json.dumps({"format": 1, "vendor": "oracle", "tables": {}, "ledgers": {}, "files": {}}).encode()
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    with pytest.raises(CommandError, match="The backup is of oracle"):
        call_command("restore", str(archive), stdout=io.StringIO())
    with pytest.raises(CommandError, match="No archive"):
        call_command("restore", str(tmp_path / "missing.tar"), stdout=io.StringIO())


def _rows(cursor, table: str) -> list[tuple]:
    cursor.execute(f"SELECT * FROM {table} ORDER BY id")
    return cursor.fetchall()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_demo_backed_up_restores_into_a_fresh_database_with_every_row_ledger_and_file(
    settings, tmp_path, monkeypatch
):
    import psycopg2

    settings.PRIVATE_ROOT = tmp_path / "private"
    monkeypatch.setattr(units.demo, "TOTAL_PEOPLE", 700)  # a smaller county (the demo accounts need 700)
    call_command("seed_demo", stdout=io.StringIO())
    year = AssessmentYear.objects.order_by("-year").first()
    with transaction.atomic():  # the register is built once this commits (tasks run in-process here)
        register_export_request(
            request=Request(kind="year-summary", assessment_year=year), by=User.objects.get(username="org")
        )
    files = file_checksums(Path(settings.PRIVATE_ROOT))
    assert len(files) == 1
    counts = table_counts()
    assert counts["assessment_quotaledger"] > 0
    assert counts["assessment_annualledger"] > 0
    archive = tmp_path / "demo.tar"
    call_command("backup", output=str(archive), stdout=io.StringIO())

    db = connection.settings_dict
    fresh = f"kaohe_restore_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{fresh}"')
    restored_root = tmp_path / "restored"
    try:
        url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{fresh}"
        env = {**os.environ, "DATABASE_URL": url, "PRIVATE_ROOT": str(restored_root)}
        env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
        done = subprocess.run(
            [sys.executable, "manage.py", "restore", str(archive)],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert "verified against its manifest" in done.stdout

        # Checked here again, independently of the command's own verification.
        other = psycopg2.connect(
            dbname=fresh, host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"], password=db["PASSWORD"]
        )
        try:
            with other.cursor() as theirs, connection.cursor() as ours:
                for table, count in counts.items():
                    theirs.execute(f'SELECT COUNT(*) FROM "{table}"')
                    assert theirs.fetchone()[0] == count, table
                for model in (QuotaLedger, AnnualLedger):
                    table = model._meta.db_table
                    assert _rows(theirs, table) == _rows(ours, table)
                theirs.execute("SELECT COUNT(*) FROM pg_trigger WHERE tgname = 'kaohe_append_only'")
                assert theirs.fetchone()[0] == 3  # the trail stays append-only in the copy
        finally:
            other.close()
        assert file_checksums(restored_root) == files
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
