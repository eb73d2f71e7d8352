"""Restore an archive made by ``backup`` into a fresh database and PRIVATE_ROOT, and check it against its
manifest (every table's row count, every ledger row, every file):

    DATABASE_URL=postgres://…/kaohe_new PRIVATE_ROOT=/srv/kaohe/private python manage.py restore kaohe-20261203.tar

The database must exist and be empty (``createdb``), unless ``--replace``. The command fails, naming each
difference, when the restored data does not match the manifest."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from common.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup archive into a fresh database and PRIVATE_ROOT, then verify it against its manifest."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--replace", action="store_true", help="overwrite a database that is not empty")
        parser.add_argument(
            "--jobs", type=int, default=settings.RESTORE_JOBS, help="pg_restore's parallel jobs (RESTORE_JOBS)"
        )

    def handle(self, *args, archive: str, replace: bool, jobs: int, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"No archive at {path}.")
        started = time.perf_counter()
        try:
            verified = restore(path, replace=replace, jobs=max(jobs, 1))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if verified.problems:
            raise CommandError("The restore does not match the backup's manifest:\n  " + "\n  ".join(verified.problems))
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {path} in {time.perf_counter() - started:.1f}s and verified against its manifest: "
                f"{verified.tables} tables and {verified.rows} rows, every ledger row and {verified.files} files "
                "identical."
            )
        )
