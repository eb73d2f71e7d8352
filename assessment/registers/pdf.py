"""The registers as PDF: the workbook, converted by LibreOffice headless (``soffice --convert-to pdf``).

The workbook lays out its own pages (``layout``), so the PDF is what the workbook prints: A4, the header
rows repeated, each person's pages numbered on their own. LibreOffice runs with the registers' font list
(``fonts.conf``: 宋体 as Noto Serif CJK SC on Linux) and a profile of its own per process: two soffice
instances cannot share one profile, and web processes or Celery workers convert at the same time. Within a
process one conversion runs at a time.

Several workbooks go through one soffice run (``convert``): LibreOffice's start-up is most of a small
conversion's time.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

FONTS_CONF = Path(__file__).with_name("fonts.conf")
_one_at_a_time = threading.Lock()


class PdfUnavailable(Exception):
    """No PDF could be made: LibreOffice is missing, failed or took too long. The message is for the user."""


def soffice() -> str | None:
    """The LibreOffice command (``REGISTER_SOFFICE``), or None where it is not installed."""
    return shutil.which(settings.REGISTER_SOFFICE)


def _missing() -> PdfUnavailable:
    return PdfUnavailable(
        _(
            "The PDF cannot be made: LibreOffice is not installed on the server. Download the Excel workbook "
            "instead, or ask the administrator to install LibreOffice (see the README)."
        )
    )


def check_available() -> None:
    """Raise ``PdfUnavailable`` where no PDF can be made, before any work is done for one."""
    if soffice() is None:
        raise _missing()


def _profile() -> Path:
    return Path(tempfile.gettempdir()) / f"kaohe-libreoffice-{os.getpid()}"


def convert(sources: list[Path], outdir: Path) -> list[Path]:
    """Convert the workbooks ``sources`` to PDF files in ``outdir`` (same names, ``.pdf``), in one run."""
    binary = soffice()
    if binary is None:
        raise _missing()
    profile = _profile()
    command = [
        binary,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        "pdf",
        "--outdir",
        str(outdir),
        *(str(source) for source in sources),
    ]
    env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)}
    with _one_at_a_time:
        try:
            done = subprocess.run(command, capture_output=True, timeout=settings.REGISTER_PDF_TIMEOUT, env=env)
        except subprocess.TimeoutExpired:
            # A killed instance may leave its profile locked: the next conversion starts from a new one.
            shutil.rmtree(profile, ignore_errors=True)
            logger.error("soffice took over %s s for %s", settings.REGISTER_PDF_TIMEOUT, sources)
            raise PdfUnavailable(
                _("Making the PDF took longer than %(seconds)s seconds and was stopped. Download the Excel workbook.")
                % {"seconds": settings.REGISTER_PDF_TIMEOUT}
            ) from None
    made = [outdir / f"{source.stem}.pdf" for source in sources]
    if done.returncode or not all(path.exists() for path in made):
        logger.error(
            "soffice failed (exit %s) for %s: %s", done.returncode, sources, done.stderr.decode(errors="replace")
        )
        raise PdfUnavailable(
            _("LibreOffice could not make the PDF; the error was logged. Download the Excel workbook, or try again.")
        )
    return made


def workbook_to_pdf(workbook: bytes) -> bytes:
    """The PDF of one workbook."""
    with tempfile.TemporaryDirectory(prefix="kaohe-pdf-") as folder:
        source = Path(folder) / "register.xlsx"
        source.write_bytes(workbook)
        (made,) = convert([source], Path(folder))
        return made.read_bytes()


def workbook_file_to_pdf(workbook, out) -> None:
    """Convert the workbook in the open file ``workbook`` (read from its start) into the open file ``out``,
    through files on disk only: a region's workbook and PDF need not fit in memory."""
    with tempfile.TemporaryDirectory(prefix="kaohe-pdf-") as folder:
        source = Path(folder) / "register.xlsx"
        workbook.seek(0)
        with source.open("wb") as copy:
            shutil.copyfileobj(workbook, copy)
        (made,) = convert([source], Path(folder))
        with made.open("rb") as pdf:
            shutil.copyfileobj(pdf, out)
