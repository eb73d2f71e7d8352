"""The registers print like the paper forms in LibreOffice: each register of the demo unit (区公安分局) is
exported, converted to PDF by the application's own path (``assessment.registers.pdf``, one soffice run for
all of them), and read page by page: the footer is on every page and whole, the pages of each person's form
(or each section's, each unit's sheet) are numbered 第 N 页 共 M 页 on their own, no page holds only the end
of a table, people come in one order, and the text is in one Song face.

They need soffice, pdftotext and pdftoppm (apt-get install libreoffice-calc-nogui poppler-utils fonts-noto-cjk);
without them they skip, and fail where REQUIRE_SERVICES=1 (CI). A page of a register that fails is kept as a
PNG under tests/assessment/registers/artefacts/.
"""

from __future__ import annotations

import datetime
import re
import subprocess
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import time_machine
from django.db import transaction

from assessment.models import AnnualResult, QuarterlyResult
from assessment.registers import export as registers
from assessment.registers import pdf
from periods.models import AssessmentYear
from units.demo import CADRE_GROUP_CODE, DEMO_REGION_CODE, OFFICE_UNIT, unit_code
from units.models import Region, Unit
from units.permissions import Scope

pytestmark = [pytest.mark.libreoffice, pytest.mark.django_db]

TODAY = datetime.date(2026, 10, 10)  # this year's third quarter in publicity, last year closed
ARTEFACTS = Path(__file__).with_name("artefacts")
FOOTER = re.compile(r"^(?P<name>.+?)\s*第\s*(?P<page>\d+)\s*页\s*共\s*(?P<pages>\d+)\s*页$")
PAGE = re.compile(r'<page width="(?P<width>[\d.]+)" height="(?P<height>[\d.]+)">(?P<body>.*?)</page>', re.S)
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


@dataclass
class Page:
    number: int
    height: float
    text: str  # the page's text, laid out (pdftotext -layout)
    footer: str = ""
    footer_box: tuple[float, float] = (0.0, 0.0)  # the footer line's top and bottom, in points
    inked: tuple[float, float] = (0, 0)  # where the footer line's ink begins and ends, in points


@dataclass
class Printed:
    kind: str
    pdf: Path
    exported: registers.Exported
    pages: list[Page] = field(default_factory=list)


def _words(pdf_path: Path) -> list[tuple[float, float, list[tuple[float, float, float, str]]]]:
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf_path), "-"], check=True, capture_output=True).stdout
    return [
        (
            float(m["width"]),
            float(m["height"]),
            [(float(w[0]), float(w[1]), float(w[3]), w[4]) for w in WORD.findall(m["body"])],
        )
        for m in PAGE.finditer(bbox.decode())
    ]


def _ink_rows(pgm: Path) -> list[int]:
    """The rows of a greyscale PGM (P5) that hold any dark pixel."""
    data = pgm.read_bytes()
    magic, size, _depth, pixels = data.split(b"\n", 3)
    assert magic == b"P5"
    width, height = map(int, size.split())
    return [y for y in range(height) if min(pixels[y * width : (y + 1) * width]) < 160]


def _read(kind: str, path: Path, exported: registers.Exported, scratch: Path) -> Printed:
    printed = Printed(kind=kind, pdf=path, exported=exported)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True).stdout.decode()
    layouts = text.split("\f")[: -1 if text.endswith("\f") else None]
    pages = _words(path)
    # The bottom inch of every page at 144 dpi (two pixels a point): where the footer is drawn, and where
    # LibreOffice clipped it when the footer's room was too small.
    _width, height, _ = pages[0]
    crop = ["-x", "0", "-y", str(2 * (int(height) - 72)), "-W", "1800", "-H", "144"]
    subprocess.run(["pdftoppm", "-r", "144", "-gray", *crop, str(path), str(scratch / kind)], check=True)
    crops = sorted(scratch.glob(f"{kind}-*.pgm"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    for number, ((_w, page_height, words), layout, crop) in enumerate(zip(pages, layouts, crops, strict=True), 1):
        page = Page(number=number, height=page_height, text=layout)
        bottom = [w for w in words if w[1] > page_height - 72]
        if bottom:
            page.footer = " ".join(w[3] for w in bottom)
            page.footer_box = (min(w[1] for w in bottom), max(w[2] for w in bottom))
            offset = int(page_height) - 72
            ink = [y / 2 + offset for y in _ink_rows(crop)]
            ink = [y for y in ink if page.footer_box[0] - 2 <= y <= page.footer_box[1] + 2]
            page.inked = (min(ink), max(ink)) if ink else (0, 0)
        printed.pages.append(page)
    return printed


def _keep_page(printed: Printed, number: int) -> None:
    """A failing page as a PNG, for whoever reads the failure (tests/assessment/registers/artefacts/)."""
    ARTEFACTS.mkdir(exist_ok=True)
    prefix = ARTEFACTS / f"{printed.kind}-page"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(number), "-l", str(number), str(printed.pdf), prefix])


@pytest.fixture(scope="module")
def printed(django_db_setup, django_db_blocker, tmp_path_factory) -> dict[str, Printed]:
    """The demo county as `make run` builds it on TODAY, its history kept to the demo unit and the cadre
    group that assesses its 局长, last year's annual assessment of the demo unit taken through to the end;
    then every register of the demo unit, as Excel and as PDF."""
    from assessment.demo import _annual_chain, load_demo_history
    from assessment.year.tasks import annual_rollup_task
    from scoring.demo import system_user
    from units.demo import load_demo

    folder = tmp_path_factory.mktemp("registers")
    made: dict[str, registers.Exported] = {}
    moment = datetime.datetime.combine(TODAY, datetime.time(9), tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    with django_db_blocker.unblock(), transaction.atomic(), time_machine.travel(moment, tick=True):
        load_demo(TODAY.year)
        region = Region.objects.get(code=DEMO_REGION_CODE)
        unit = Unit.objects.get(code=unit_code(OFFICE_UNIT))
        load_demo_history(region=region, today=TODAY, unit_codes=[unit.code, CADRE_GROUP_CODE])
        last_year = AssessmentYear.objects.get(region=region, year=TODAY.year - 1)
        this_year = AssessmentYear.objects.get(region=region, year=TODAY.year)
        actor = system_user()
        annual_rollup_task.apply(args=(last_year.pk, actor.pk, unit.pk)).get()
        _annual_chain(last_year, unit, actor, datetime.date(TODAY.year, 1, 12))
        assert AnnualResult.objects.filter(assessment_year=last_year, unit=unit, final_grade="优秀").exists()
        for kind in registers.KINDS:
            quarterly = kind in registers.QUARTERLY_KINDS
            request = registers.Request(
                kind=kind,
                assessment_year=this_year if quarterly else last_year,
                quarter=3 if quarterly else None,
                unit=unit,
            )
            with (folder / f"{kind}.xlsx").open("wb") as out:
                made[kind] = registers.write_register(request=request, scope=Scope(everything=True), out=out)
        # Everyone the unit assesses (some are placed from other units), with the section assessing them.
        people = {
            r.person.name: r.section_id
            for model, year in ((AnnualResult, last_year), (QuarterlyResult, this_year))
            for r in model.objects.filter(unit=unit).filter(**_of(model, year)).select_related("person")
        }
        transaction.set_rollback(True)
    pdfs = pdf.convert([folder / f"{kind}.xlsx" for kind in registers.KINDS], folder)
    result = {kind: _read(kind, path, made[kind], folder) for kind, path in zip(registers.KINDS, pdfs, strict=True)}
    result["people"] = people  # type: ignore[assignment]
    return result


def _of(model, year) -> dict:
    return (
        {"assessment_year": year} if model is AnnualResult else {"period__assessment_year": year, "period__quarter": 3}
    )


def _check(printed: Printed, check) -> None:
    """Run ``check(page)`` on every page; a failing page is kept as a PNG."""
    for page in printed.pages:
        try:
            check(page)
        except AssertionError:
            _keep_page(printed, page.number)
            raise


def _footers(printed: Printed) -> list[tuple[str, int, int]]:
    found = []

    def footer_present_and_whole(page: Page) -> None:
        match = FOOTER.match(page.footer)
        assert match, f"{printed.kind} page {page.number}: no footer 第 N 页 共 M 页 in {page.footer!r}"
        top, bottom = page.footer_box
        assert bottom < page.height - 10, f"{printed.kind} page {page.number}: the footer runs off the page"
        # Drawn whole: the ink of the line reaches from its top to its bottom, not cut off half way.
        inked = page.inked[1] - page.inked[0]
        assert inked >= 0.6 * (bottom - top), f"{printed.kind} page {page.number}: the footer is clipped"
        found.append((match["name"].strip(), int(match["page"]), int(match["pages"])))

    _check(printed, footer_present_and_whole)
    return found


def _forms(printed: Printed) -> list[tuple[str, int]]:
    """The sheets in print order, each with its pages, read from the footers: each sheet numbers its pages
    from 1 to its own total, and the next sheet starts again at 1."""
    footers = _footers(printed)
    forms: list[tuple[str, int]] = []
    expected = 1
    for index, (name, page, pages) in enumerate(footers):
        where = f"{printed.kind} page {index + 1} ({name} 第 {page} 页 共 {pages} 页)"
        try:
            assert page == expected, f"{where}: expected 第 {expected} 页"
            if page == 1:
                forms.append((name, pages))
            else:
                assert (name, pages) == (forms[-1][0], forms[-1][1]), f"{where}: another sheet's footer"
        except AssertionError:
            _keep_page(printed, index + 1)
            raise
        expected = 1 if page == pages else page + 1
    assert expected == 1, f"{printed.kind}: the last sheet stops before its last page"
    assert len(printed.pages) == printed.exported.pages, "LibreOffice broke the pages elsewhere than the layout"
    return forms


def _rows(page: Page) -> list[str]:
    """The numbered rows of a list's page (a line starting with its 序号)."""
    return [line.strip() for line in page.text.splitlines() if re.match(r"^\s*\d+\s+\S", line)]


def _check_list(printed: Printed, *, head: str = "序号") -> None:
    """A list's every page repeats the table's head and holds rows of the table: no page holds only the
    end of the table (a total, the signatures)."""

    def whole(page: Page) -> None:
        assert head in page.text.replace(" ", ""), f"{printed.kind} page {page.number}: no table head"
        assert _rows(page), f"{printed.kind} page {page.number}: no row of the table"

    _check(printed, whole)


def _names_in_rows(printed: Printed, people) -> list[str]:
    names = []
    for page in printed.pages:
        for row in _rows(page):
            name = row.split()[1]
            if name in people:
                names.append(name)
    return names


def test_the_quarterly_person_register_numbers_each_persons_pages_on_their_own(printed):
    register = printed[registers.QUARTERLY_PERSON]
    forms = _forms(register)
    assert len(forms) == register.exported.sheets == 150
    assert all(pages == 1 for _name, pages in forms)  # the paper form is one page


def test_a_leaders_quarterly_form_has_no_section_heads_appraisal_and_others_have_one(printed):
    register, people = printed[registers.QUARTERLY_PERSON], printed["people"]
    for page in register.pages:
        name = FOOTER.match(page.footer)["name"].strip()
        appraised = "股组长评鉴意见" in page.text.replace(" ", "")
        assert appraised == (people[name] is not None), f"page {page.number}: {name}"
    leaders = [FOOTER.match(p.footer)["name"].strip() for p in register.pages[:2]]
    assert all(people[name] is None for name in leaders)


def test_the_quarterly_person_form_fills_its_page(printed):
    """The paper form fills its page: the last row ends within the bottom inch and a half."""
    register = printed[registers.QUARTERLY_PERSON]
    page = register.pages[0]
    words = _words(register.pdf)[0][2]
    body = [w for w in words if w[1] < page.height - 72]
    assert max(w[2] for w in body) > page.height - 72 - 108


def test_the_quarterly_results_register_prints_a_sheet_per_section_with_the_leaders_first(printed):
    register = printed[registers.QUARTERLY_RESULTS]
    forms = _forms(register)
    _check_list(register)
    assert forms[0][0].endswith(registers.NO_SECTION)
    first = register.pages[0].text.replace(" ", "")
    assert "股室负责人（签字）" not in first
    assert "主要领导（签字）" in first
    assert all("股室负责人（签字）" in page.text.replace(" ", "") for page in register.pages[1:])


def test_the_quota_usage_register_prints(printed):
    register = printed[registers.QUOTA_USAGE]
    assert _forms(register) == [("区公安分局", 1)]
    _check_list(register)
    assert "单位合计" in register.pages[-1].text.replace(" ", "")


def test_the_year_summary_prints_with_its_head_on_every_page(printed):
    register = printed[registers.YEAR_SUMMARY]
    (form,) = _forms(register)
    assert form[1] == len(register.pages) > 1
    _check_list(register)
    assert "合计" in register.pages[-1].text


def test_the_annual_person_register_numbers_each_persons_pages_on_their_own(printed):
    register = printed[registers.ANNUAL_PERSON]
    forms = _forms(register)
    assert len(forms) == register.exported.sheets > 100


def test_the_quarterly_publicity_list_prints(printed):
    register = printed[registers.QUARTERLY_PUBLICITY]
    assert len(_forms(register)) == 1
    _check_list(register)
    assert register.exported.rows == len(_names_in_rows(register, printed["people"]))
    assert "考核办（盖章）" in register.pages[-1].text.replace(" ", "")


def test_the_annual_publicity_list_prints_the_excellent_with_their_quarterly_grades(printed):
    register = printed[registers.ANNUAL_PUBLICITY]
    _forms(register)
    _check_list(register)
    text = "".join(page.text for page in register.pages).replace(" ", "")
    assert "第一季度" in text
    assert "第四季度" in text
    assert register.exported.rows == len(_names_in_rows(register, printed["people"])) > 0


def test_every_register_lists_the_people_in_one_order(printed):
    people = printed["people"]
    per_person = [name for name, _pages in _forms(printed[registers.QUARTERLY_PERSON])]
    assert _names_in_rows(printed[registers.QUARTERLY_RESULTS], people) == per_person
    assert _names_in_rows(printed[registers.QUARTERLY_PUBLICITY], people) == per_person
    annual = [name for name, _pages in _forms(printed[registers.ANNUAL_PERSON])]
    summary = _names_in_rows(printed[registers.YEAR_SUMMARY], people)
    assert [name for name in summary if name in set(annual)] == annual
    assert people[per_person[0]] is None  # the unit's leaders first


def test_chinese_and_digits_print_in_one_song_face(printed):
    for kind in registers.KINDS:
        fonts = subprocess.run(["pdffonts", str(printed[kind].pdf)], check=True, capture_output=True).stdout
        faces = {line.split()[0].split("+")[-1] for line in fonts.decode().splitlines()[2:]}
        assert faces, kind
        assert all(face.startswith("NotoSerifCJK") for face in faces), (kind, faces)
