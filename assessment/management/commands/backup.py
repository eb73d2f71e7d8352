"""Back up the database and the files under PRIVATE_ROOT into one archive with a manifest (common/backup.py):

    python manage.py backup -o /backups/kaohe-20261203.tar

README, "备份与恢复 / Backup and restore", says when and how; ``restore`` reads the archive back."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from common.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and PRIVATE_ROOT into one archive with a manifest of row counts and checksums."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="the archive to write (default: kaohe-backup-<time>.tar here)")

    def handle(self, *args, output: str | None, **options):
        path = Path(output or f"kaohe-backup-{timezone.localtime():%Y%m%d-%H%M%S}.tar")
        started = time.perf_counter()
        try:
            manifest = backup(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up to {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f}s: "
                f"{len(manifest['tables'])} tables, {rows} rows, {len(manifest['files'])} files."
            )
        )
