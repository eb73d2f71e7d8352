"""What an evidence file (证明材料) is, told by its content, not by the name or the type the browser sends.

A file is accepted when its first bytes are those of the format its extension names: a PDF starts with
``%PDF``, a JPEG with FF D8 FF, a PNG with its eight-byte signature, a .docx or .xlsx is a ZIP holding the
Office parts of Word or Excel, a .doc or .xls is an OLE compound file. So a PNG renamed .pdf, or a program
renamed .pdf, is refused: the name would otherwise tell whoever downloads it to open it with the wrong tool.
The content type stored and sent is the one this module names, never the uploader's.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PDF, JPEG, PNG, OLE = b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"


@dataclass(frozen=True)
class Kind:
    content_type: str
    magic: bytes
    zip_part: str = ""  # for the ZIP-based Office formats: a folder the archive must hold


KINDS = {
    ".pdf": Kind("application/pdf", PDF),
    ".jpg": Kind("image/jpeg", JPEG),
    ".jpeg": Kind("image/jpeg", JPEG),
    ".png": Kind("image/png", PNG),
    ".docx": Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP, "word/"),
    ".xlsx": Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP, "xl/"),
    ".doc": Kind("application/msword", OLE),
    ".xls": Kind("application/vnd.ms-excel", OLE),
}
MAX_FILES = 10


@dataclass(frozen=True)
class Checked:
    """An accepted upload: the file, its cleaned name, size and the content type its bytes show."""

    upload: object
    name: str
    size: int
    content_type: str


def clean_name(raw: str) -> str:
    """The last part of the uploader's name, without control characters, at most 200 characters long
    (keeping the extension)."""
    name = PurePath(str(raw).replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?').strip()
    if len(name) > 200:
        suffix = PurePath(name).suffix[:20]
        name = name[: 200 - len(suffix)] + suffix
    return name


def _is_office_zip(upload, part: str) -> bool:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
    return "[Content_Types].xml" in names and any(name.startswith(part) for name in names)


def check_file(upload) -> tuple[Checked | None, str]:
    """``(Checked, "")`` for an acceptable file, ``(None, why)`` for one to refuse (the reason names the file)."""
    name = clean_name(getattr(upload, "name", "") or "")
    size = getattr(upload, "size", None) or 0
    limit = settings.EVIDENCE_MAX_BYTES
    kind = KINDS.get(PurePath(name).suffix.lower())
    if kind is None or not PurePath(name).stem:
        return None, _(
            "%(name)s: only PDF, JPEG, PNG, Word (.doc, .docx) and Excel (.xls, .xlsx) files may be attached."
        ) % {"name": name or "?"}
    if size <= 0:
        return None, _("%(name)s is empty.") % {"name": name}
    if size > limit:
        return None, _("%(name)s is %(size)s; a file may be at most %(max)s.") % {
            "name": name,
            "size": filesizeformat(size),
            "max": filesizeformat(limit),
        }
    upload.seek(0)
    head = upload.read(len(kind.magic))
    upload.seek(0)
    if head != kind.magic or (kind.zip_part and not _is_office_zip(upload, kind.zip_part)):
        return None, _("%(name)s is not the kind of file its name says (%(ext)s); nothing was saved.") % {
            "name": name,
            "ext": PurePath(name).suffix.lower(),
        }
    return Checked(upload=upload, name=name, size=size, content_type=kind.content_type), ""


def check_files(uploads) -> tuple[list[Checked], list[str]]:
    """Every upload checked; the accepted ones and, for the rest, why each is refused."""
    uploads = list(uploads)
    if len(uploads) > MAX_FILES:
        return [], [_("At most %(n)s files may be attached at once.") % {"n": MAX_FILES}]
    accepted, problems = [], []
    for upload in uploads:
        checked, problem = check_file(upload)
        if checked is None:
            problems.append(problem)
        else:
            accepted.append(checked)
    return accepted, problems
