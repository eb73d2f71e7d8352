"""Each register opens in LibreOffice and prints with its Chinese text (run on demand: it needs soffice,
pdftotext and fonts-noto-cjk, and takes a while).

pytest -m libreoffice tests/assessment/test_registers_libreoffice.py
"""

import io
import shutil
import subprocess

import pytest

from assessment.registers.export import TITLES, Request, export_register
from assessment.year import services as annual_services
from tests.assessment.year.test_services import GRADES, close_year

pytestmark = pytest.mark.libreoffice


@pytest.fixture
def tools():
    missing = [tool for tool in ("soffice", "pdftotext") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: apt-get install libreoffice-calc poppler-utils fonts-noto-cjk")


def _pdf_text(content: bytes, tmp_path, name: str) -> str:
    source = tmp_path / f"{name}.xlsx"
    source.write_bytes(content)
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / f"{name}.pdf"
    assert pdf.exists(), f"LibreOffice made no PDF of {name}"
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True).stdout.decode()


def test_every_register_prints_in_libreoffice_with_its_chinese_text(
    tools,
    decided,
    cast,
    unit,
    region,
    staff,
    tmp_path,
):
    last_year = close_year(region, unit, cast["org"], cast["office"], dict(zip(staff, GRADES[:10], strict=True)))
    annual_services.annual_rollup(assessment_year=last_year, unit=unit, by=cast["office"])
    for kind, title in TITLES.items():
        quarterly = kind in ("quarterly-person", "quarterly-results", "quota-usage")
        year = decided.assessment_year if quarterly else last_year
        out = io.BytesIO()
        export_register(
            request=Request(kind=kind, assessment_year=year, quarter=1 if quarterly else None, unit=unit),
            by=cast["office"],
            out=out,
        )
        text = _pdf_text(out.getvalue(), tmp_path, kind)
        assert title in text.replace(" ", ""), kind
        assert staff[1].name in text or kind == "quota-usage", kind
