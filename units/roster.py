"""The roster (人员名册): a template listing the people an officer manages, and its all-or-nothing import of
people, posts, sections and placements, which also gives each person a login account.

Built on the machinery of the monthly import (``scoring.monthly``): every bad row is reported by row, column
and reason; a file with any bad row saves nothing.

- People are matched by their normalised ID number: a re-import updates them and never duplicates them.
- A blank optional cell leaves the stored value as it is. A new person gets the model's defaults, and the
  sex and birth date written in the ID number.
- Sections are not created by the import: a section the unit does not have is a bad row.
- A new home unit or section moves the person as ``units.services.person_move`` does, from 调入日期
  (blank: today). With the unit unchanged, a blank 股室 keeps the person's section.
- An away placement is added unless one with the same person, kind, unit and start date exists; that one's
  section, end date and approval document are brought up to date instead.
- People missing from the file are left as they are: the import never removes or deactivates anyone.
- Accounts: a person without a login gets one, named in 登录账号 or generated as ``p`` + the person's number
  zero-padded to six digits (``p000123``: the number is the one the monthly template shows, and it does not
  carry the ID number). A named account that exists and belongs to nobody is linked instead. New accounts
  get a random initial password and must change it at the first login; the import returns the passwords
  once and never stores them.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from audit.services import diff, entry, record_all, snapshot
from common.refusals import log_refusal
from common.workbooks import (
    ImportRefused,
    Line,
    RowError,
    cell_date,
    cell_text,
    column_label,
    read_checked_table,
    safe_row,
    template_workbook,
    whole_number,
    workbook_bytes,
)
from units.models import Person, Placement, RosterImport, Section, Unit
from units.permissions import Action, Scope, scope_for
from units.selectors import people_visible_to
from units.services import PLACEMENT_FIELDS, end_home_before, home_placement, person_values
from units.validators import id_birth_date, id_sex, normalise_id_number, validate_id_number

User = get_user_model()

# Column headers users see in the file.
H_UNIT = "单位代码"
H_SECTION = "股室"
H_NAME = "姓名"
H_ID = "身份证号"
H_SEX = "性别"
H_BIRTH = "出生日期"
H_POLITICAL = "政治面貌"
H_POST = "职务"
H_RANK = "职级"
H_ORDER = "职务排序"
H_TOOK_POST = "任现职时间"
H_STAFFING = "人员类别"
H_MOVED_ON = "调入日期"
H_USERNAME = "登录账号"
H_AWAY_KIND = "借调类型"
H_AWAY_UNIT = "考核单位代码"
H_AWAY_SECTION = "考核股室"
H_AWAY_START = "开始日期"
H_AWAY_END = "结束日期"
H_AWAY_NOTE = "批准文件"
H_DUTIES = "从事或分管工作"
HEADERS = (
    H_UNIT,
    H_SECTION,
    H_NAME,
    H_ID,
    H_SEX,
    H_BIRTH,
    H_POLITICAL,
    H_POST,
    H_RANK,
    H_ORDER,
    H_TOOK_POST,
    H_STAFFING,
    H_MOVED_ON,
    H_USERNAME,
    H_AWAY_KIND,
    H_AWAY_UNIT,
    H_AWAY_SECTION,
    H_AWAY_START,
    H_AWAY_END,
    H_AWAY_NOTE,
    H_DUTIES,
)
REQUIRED = (H_UNIT, H_NAME, H_ID)
AWAY_HEADERS = (H_AWAY_KIND, H_AWAY_UNIT, H_AWAY_SECTION, H_AWAY_START, H_AWAY_END, H_AWAY_NOTE)
AWAY_REQUIRED = (H_AWAY_KIND, H_AWAY_UNIT, H_AWAY_START)
WIDTHS = (12, 16, 10, 22, 6, 12, 14, 16, 18, 8, 12, 20, 12, 14, 12, 14, 16, 12, 12, 24, 30)
TEXT_COLUMNS = (H_UNIT, H_ID, H_USERNAME, H_AWAY_UNIT)  # kept as text so Excel does not turn them into numbers
DATE_FORMAT = "yyyy-mm-dd"

# Which column names a field in a model's validation errors.
PERSON_COLUMNS = {
    "name": H_NAME,
    "id_number": H_ID,
    "sex": H_SEX,
    "birth_date": H_BIRTH,
    "political_status": H_POLITICAL,
    "post": H_POST,
    "rank": H_RANK,
    "duties": H_DUTIES,
    "post_order": H_ORDER,
    "took_post_on": H_TOOK_POST,
    "staffing_type": H_STAFFING,
    "unit": H_UNIT,
    "section": H_SECTION,
}
HOME_COLUMNS = {"unit": H_UNIT, "section": H_SECTION, "start_date": H_MOVED_ON, "__all__": H_MOVED_ON}
AWAY_COLUMNS = {
    "kind": H_AWAY_KIND,
    "unit": H_AWAY_UNIT,
    "section": H_AWAY_SECTION,
    "start_date": H_AWAY_START,
    "end_date": H_AWAY_END,
    "note": H_AWAY_NOTE,
    "__all__": H_AWAY_START,
}
# The stored fields of a person that a row may change, by column; a blank cell leaves the field as it is.
UPDATABLE = (
    "name",
    "sex",
    "birth_date",
    "political_status",
    "post",
    "rank",
    "duties",
    "post_order",
    "took_post_on",
    "staffing_type",
)

# Other Chinese words accepted beside each choice's display label (the label is what the template writes).
ALIASES: dict[str, tuple[str, ...]] = {
    Person.PoliticalStatus.CPC_MEMBER: ("党员",),
    Person.PoliticalStatus.CPC_PROBATIONARY: ("预备党员",),
    Person.PoliticalStatus.LEAGUE: ("团员",),
    Person.PoliticalStatus.DEMOCRATIC_PARTY: ("民主党派成员",),
    Person.PoliticalStatus.NON_PARTY: ("无党派",),
    Person.StaffingType.REFERENCE: ("参公", "参公管理"),
    Placement.Kind.SECONDED: ("援派", "挂职"),
    # 借调 is how most offices say a person is borrowed by another unit (借用).
    Placement.Kind.BORROWED: ("借调",),
    Placement.Kind.TRAINING: ("外出培训", "培训", "专项工作", "专项任务"),
}

# New accounts' initial passwords: 12 characters from 56 unambiguous ones, about 70 bits of chance.
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
PASSWORD_LENGTH = 12
# Hashing a random 70-bit password needs no key stretching to be out of reach, while the default
# 1,000,000 PBKDF2 rounds take half a second each: 11 minutes for 1,300 people. The initial hash uses fewer
# rounds; Django re-hashes it with the default rounds at the first login, and the person must then choose
# a new password anyway (accounts.middleware).
INITIAL_PASSWORD_ITERATIONS = 1_000
USERNAME_FORMAT = "p{pk:06d}"


@functools.cache
def _labels(choices_class) -> dict[str, str]:
    """Each choice's display label in Chinese (zh-hans), as the template writes it."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices_class.choices}


def _words(choices_class, *, exclude: Iterable[str] = ()) -> dict[str, str]:
    """The words accepted for each choice: its Chinese label and aliases, mapped to the stored value."""
    words: dict[str, str] = {}
    for value, label in _labels(choices_class).items():
        if value in exclude:
            continue
        words[label] = value
        for alias in ALIASES.get(value, ()):
            words[alias] = value
    return words


def away_kinds() -> dict[str, str]:
    """The words for an away placement's kind (every Placement.Kind except home)."""
    return _words(Placement.Kind, exclude=(Placement.Kind.HOME,))


@dataclass(frozen=True)
class Credential:
    """A new account's initial password, handed out once."""

    unit: str
    section: str
    name: str
    username: str
    password: str


@dataclass
class RosterRow:
    """One checked row: what it creates or changes."""

    number: int  # the row number Excel shows
    person: Person  # unsaved (new) or the stored one with the file's values applied
    is_new: bool
    changed: list[str] = field(default_factory=list)  # stored fields changed, a move aside
    moved: bool = False
    home: Placement | None = None  # a new home placement (a new person, or a move)
    ended: Placement | None = None  # the home placement a move ends
    away: Placement | None = None  # an away placement to create, or (with a pk) to update
    username: str = ""  # the account to create; "" and no ``account``: a generated name
    account: object | None = None  # an existing account to link
    needs_account: bool = False
    before: dict = field(default_factory=dict)  # the stored person's values before the file, for the trail


@dataclass(frozen=True)
class RosterOutcome:
    record: RosterImport
    credentials: list[Credential]


def _managed_people(by, unit: Unit | None = None):
    people = people_visible_to(user=by, action=Action.MANAGE_PEOPLE).filter(is_active=True)
    return people.filter(unit=unit) if unit is not None else people


def _text_cell(ws, value):
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = "@"
    return cell


def _date_cell(ws, value: datetime.date | None):
    if value is None:
        return None
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = DATE_FORMAT
    return cell


def roster_template(*, by, unit: Unit | None = None) -> bytes:
    """A workbook listing the people ``by`` manages (in ``unit`` if given), in unit, section and post order,
    with their away placement now running or still to come. ID numbers are written in full, as text: the
    officer manages these people. Headers alone if there is nobody yet."""
    people = (
        _managed_people(by, unit)
        .select_related("unit", "section", "user")
        .order_by(
            "unit__region_id",
            "unit__order",
            "unit__code",
            F("section__order").asc(nulls_last=True),
            "section_id",
            "post_order",
            "pk",
        )
    )
    today = timezone.localdate()
    away: dict[int, Placement] = {}
    for placement in (
        Placement.objects.filter(person__in=people.values("pk"))
        .exclude(kind=Placement.Kind.HOME)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("unit", "section")
        .order_by("person_id", "-start_date", "-pk")
    ):
        away.setdefault(placement.person_id, placement)

    workbook, ws = template_workbook(title=_("Roster"), headers=HEADERS, widths=WIDTHS)
    for header in TEXT_COLUMNS:
        ws.column_dimensions[get_column_letter(HEADERS.index(header) + 1)].number_format = "@"
    sexes, political, staffing, kinds = (
        _labels(Person.Sex),
        _labels(Person.PoliticalStatus),
        _labels(Person.StaffingType),
        _labels(Placement.Kind),
    )
    for person in people:
        placement = away.get(person.pk)
        row = [
            _text_cell(ws, person.unit.code),
            person.section.name if person.section else None,
            person.name,
            _text_cell(ws, person.id_number),
            sexes.get(person.sex),
            _date_cell(ws, person.birth_date),
            political.get(person.political_status),
            person.post or None,
            person.rank or None,
            person.post_order,
            _date_cell(ws, person.took_post_on),
            staffing.get(person.staffing_type),
            None,  # 调入日期: only for a move
            _text_cell(ws, person.user.username) if person.user else None,
        ]
        if placement is None:
            row += [None] * len(AWAY_HEADERS)
        else:
            row += [
                kinds.get(placement.kind),
                _text_cell(ws, placement.unit.code),
                placement.section.name if placement.section else None,
                _date_cell(ws, placement.start_date),
                _date_cell(ws, placement.end_date),
                placement.note or None,
            ]
        row.append(person.duties or None)
        ws.append(safe_row(ws, row))
    return workbook_bytes(workbook)


def _refuse_invalid(line: Line, exc: ValidationError, columns: dict[str, str]) -> None:
    """Name each message of a model's ValidationError in its column (the row as a whole if it has none)."""
    for name, messages in exc.message_dict.items():
        header = columns.get(name)
        for message in messages:
            if header is None:
                line.errors.append(RowError(line.number, "", message))
            else:
                line.refuse(header, message)


def _choice(line: Line, header: str, words: dict[str, str]) -> str | None:
    text = line.text(header)
    if not text:
        return None
    if text in words:
        return words[text]
    line.refuse(
        header,
        _("unknown value %(value)s; use one of: %(allowed)s") % {"value": text, "allowed": "、".join(words)},
    )
    return None


def _date(line: Line, header: str) -> datetime.date | None:
    if not line.text(header):
        return None
    value = cell_date(line.cells.get(header))
    if value is None:
        line.refuse(header, _("not a date (write it as 2025-03-01): %(value)s") % {"value": line.text(header)})
    return value


def id_number_of(line: Line) -> str | None:
    """The row's ID number (column 身份证号), normalised and valid, or None (refused on ``line``). The history
    import (``assessment.year.history``) reads its people the same way."""
    raw = line.cells.get(H_ID)
    if isinstance(raw, int | float):
        # An 18-digit number loses its last digits in a number cell, so it cannot be trusted.
        line.refuse(
            H_ID,
            _(
                "the ID number is stored as a number and has lost its last digits; "
                "format the column as text and type it again"
            ),
        )
        return None
    number = normalise_id_number(cell_text(raw))
    if not number:
        line.refuse(H_ID, _("an ID number is required"))
        return None
    try:
        validate_id_number(number)
    except ValidationError as exc:
        for message in exc.messages:
            line.refuse(H_ID, message)
        return None
    return number


@dataclass
class _Known:
    """What the checks need from the database, loaded in a few queries for the whole file."""

    scope: Scope
    units: dict[str, Unit]
    sections: dict[tuple[int, str], Section]
    people: dict[str, Person]
    placements: dict[int, list[Placement]]
    accounts: dict[str, object]


def _load(table: list[list[object]], col: dict[str, int], by, *, lock: bool) -> _Known:
    def column(header: str) -> set[str]:
        if header not in col:
            return set()
        i = col[header]
        return {cell_text(r[i]) for r in table[1:] if len(r) > i and cell_text(r[i])}

    units = {u.code: u for u in Unit.objects.filter(code__in=column(H_UNIT) | column(H_AWAY_UNIT))}
    sections = {(s.unit_id, s.name): s for s in Section.objects.filter(unit__in=list(units.values()))}
    numbers = {normalise_id_number(n) for n in column(H_ID)}
    people_qs = Person.objects.filter(id_number__in=numbers).select_related("unit", "section", "user")
    if lock:
        # Lock the stored people this file changes, so a move or another import cannot interleave.
        people_qs = people_qs.select_for_update(of=("self",)).order_by("pk")
    people = {p.id_number: p for p in people_qs}
    placements: dict[int, list[Placement]] = {}
    by_pk = {p.pk: p for p in people.values()}
    for placement in Placement.objects.filter(person_id__in=by_pk).order_by("person_id", "start_date", "pk"):
        placement.person = by_pk[placement.person_id]
        placements.setdefault(placement.person_id, []).append(placement)
    accounts = {
        u.username: u
        for u in User.objects.filter(username__in=column(H_USERNAME))
        .select_related("person")
        .prefetch_related("role_assignments__unit", "role_assignments__section__unit")
    }
    return _Known(
        scope=scope_for(by, Action.MANAGE_PEOPLE),
        units=units,
        sections=sections,
        people=people,
        placements=placements,
        accounts=accounts,
    )


def parse_roster(*, content: bytes, by, unit: Unit | None = None, lock: bool = False) -> list[RosterRow]:
    """Validate every row; raise ImportRefused naming each bad one, or return the rows to save.

    With ``unit``, only that unit's people are accepted. ``lock`` (inside a transaction) locks the stored
    people the file names."""
    headers, table = read_checked_table(content, required=REQUIRED)
    col = {h: headers.index(h) for h in HEADERS if h in headers}
    labels = {h: column_label(col[h], h) if h in col else h for h in HEADERS}
    known = _load(table, col, by, lock=lock)
    today = timezone.localdate()
    words = {
        H_SEX: _words(Person.Sex),
        H_POLITICAL: _words(Person.PoliticalStatus),
        H_STAFFING: _words(Person.StaffingType),
        H_AWAY_KIND: away_kinds(),
    }
    username_field = User._meta.get_field(User.USERNAME_FIELD)

    errors: list[RowError] = []
    rows: list[RosterRow] = []
    seen_ids: dict[str, int] = {}
    seen_usernames: dict[str, int] = {}
    for number, raw in enumerate(table[1:], start=2):
        values = list(raw) + [None] * (len(headers) - len(raw))
        if not any(cell_text(v) for v in values):
            continue  # blank lines between blocks are harmless
        line = Line(number=number, cells={h: values[i] for h, i in col.items()}, labels=labels, errors=[])

        id_number = id_number_of(line)
        if id_number is not None:
            first = seen_ids.setdefault(id_number, number)
            if first != number:
                line.refuse(H_ID, _("duplicate of row %(row)s (same ID number)") % {"row": first})
        stored = known.people.get(id_number) if id_number else None
        if stored is not None and not known.scope.covers_place(unit=stored.unit, section=stored.section):
            line.refuse(
                H_ID,
                _(
                    "a person with this ID number is recorded in a unit you do not manage; "
                    "that unit or the organisation department must move them first"
                ),
            )
            stored = None

        home_unit = _home_unit(line, known, unit)
        section = _section(line, known, home_unit, H_SECTION)
        name = line.text(H_NAME)
        if not name:
            line.refuse(H_NAME, _("a name is required"))
        fields = {
            "name": name or None,
            "sex": _choice(line, H_SEX, words[H_SEX]),
            "birth_date": _date(line, H_BIRTH),
            "political_status": _choice(line, H_POLITICAL, words[H_POLITICAL]),
            "post": line.text(H_POST) or None,
            "rank": line.text(H_RANK) or None,
            "duties": line.text(H_DUTIES) or None,
            "post_order": None,
            "took_post_on": _date(line, H_TOOK_POST),
            "staffing_type": _choice(line, H_STAFFING, words[H_STAFFING]),
        }
        if line.text(H_ORDER):
            fields["post_order"] = whole_number(line.cells[H_ORDER])
            if fields["post_order"] is None:
                line.refuse(H_ORDER, _("not a whole number: %(value)s") % {"value": line.text(H_ORDER)})
        moved_on = _date(line, H_MOVED_ON) or today
        given = {k: v for k, v in fields.items() if v is not None}

        if id_number is None or home_unit is None or line.errors:
            # Not enough to build the person; the remaining columns are still checked.
            _parse_away(line, known, words[H_AWAY_KIND], None, [])
            _account(line, known, stored, None, username_field, seen_usernames)
            errors.extend(line.errors)
            continue

        if stored is None:
            person = Person(id_number=id_number, unit=home_unit, section=section, **given)
            person.sex = person.sex or id_sex(id_number)
            person.birth_date = person.birth_date or id_birth_date(id_number)
            row = RosterRow(number=number, person=person, is_new=True)
            row.home = home_placement(person=person, on=moved_on)
            others: list[Placement] = []
        else:
            person = stored
            row = RosterRow(number=number, person=person, is_new=False, before=person_values(person))
            row.changed = [k for k, v in given.items() if getattr(person, k) != v]
            for name_ in row.changed:
                setattr(person, name_, given[name_])
            new_section = section if (section is not None or home_unit != person.unit) else person.section
            others = known.placements.get(person.pk, [])
            if home_unit != person.unit or new_section != person.section:
                row.moved = True
                _move(line, row, others, home_unit, new_section, moved_on)
        try:
            person.full_clean(exclude=["unit", "section", "user"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            _refuse_invalid(line, exc, PERSON_COLUMNS)
        if row.home is not None:
            _check_placement(line, row.home, others, HOME_COLUMNS)
        row.away = _parse_away(line, known, words[H_AWAY_KIND], person, others + [p for p in (row.home,) if p])
        _account(line, known, person, row, username_field, seen_usernames)
        if line.errors:
            errors.extend(line.errors)
        else:
            rows.append(row)
    if errors:
        raise ImportRefused(errors)
    if not rows:
        raise ImportRefused([RowError(0, "", _("The file holds no people."))])
    return rows


def _home_unit(line: Line, known: _Known, only: Unit | None) -> Unit | None:
    code = line.text(H_UNIT)
    if not code:
        line.refuse(H_UNIT, _("a unit code is required"))
        return None
    found = known.units.get(code)
    if found is None or not known.scope.covers_unit(found) or (only is not None and found != only):
        line.refuse(H_UNIT, _("unknown unit code, or a unit you do not manage: %(code)s") % {"code": code})
        return None
    return found


def _section(line: Line, known: _Known, unit: Unit | None, header: str) -> Section | None:
    name = line.text(header)
    if not name or unit is None:
        return None
    found = known.sections.get((unit.pk, name))
    if found is None:
        line.refuse(
            header,
            _("%(unit)s has no section named %(section)s; the import does not create sections, add it first")
            % {"unit": unit.name, "section": name},
        )
    return found


def _move(
    line: Line,
    row: RosterRow,
    others: list[Placement],
    unit: Unit,
    section: Section | None,
    on: datetime.date,
) -> None:
    """Move the person home as person_move does: the open home placement ends the day before ``on``."""
    person = row.person
    open_home = next((p for p in others if p.kind == Placement.Kind.HOME and p.end_date is None), None)
    if open_home is not None:
        try:
            row.ended = end_home_before(open_home, on)
        except ValidationError as exc:
            for message in exc.messages:
                line.refuse(H_MOVED_ON, message)
            return
    person.unit, person.section = unit, section
    row.home = home_placement(person=person, on=on)


def _check_placement(line: Line, placement: Placement, others: list[Placement], columns: dict[str, str]) -> None:
    """What full_clean checks, with the person's placements loaded for the whole file instead of a query
    per row; the units and sections were just loaded, so their existence is not asked again."""
    try:
        placement.clean_fields(exclude=["person", "unit", "section"])
        placement.clean_row()
        placement.clean_overlap([p for p in others if p is not None and p is not placement])
    except ValidationError as exc:
        _refuse_invalid(line, exc, columns)


def _parse_away(
    line: Line, known: _Known, kinds: dict[str, str], person: Person | None, others: list[Placement]
) -> Placement | None:
    """The row's away placement (new, or the matching stored one brought up to date), or None."""
    if not any(line.text(h) for h in AWAY_HEADERS):
        return None
    found = len(line.errors)
    for header in AWAY_REQUIRED:
        if not line.text(header):
            line.refuse(header, _("an away placement needs its kind, assessing unit and start date"))
    kind = _choice(line, H_AWAY_KIND, kinds)
    unit = None
    if line.text(H_AWAY_UNIT):
        unit = known.units.get(line.text(H_AWAY_UNIT))
        if unit is None:
            line.refuse(H_AWAY_UNIT, _("unknown unit code: %(code)s") % {"code": line.text(H_AWAY_UNIT)})
    section = _section(line, known, unit, H_AWAY_SECTION)
    start, end = _date(line, H_AWAY_START), _date(line, H_AWAY_END)
    note = line.text(H_AWAY_NOTE)
    if len(line.errors) > found or person is None:
        return None
    match = next(
        (p for p in others if p.pk and p.kind == kind and p.unit_id == unit.pk and p.start_date == start), None
    )
    if match is not None:
        if (match.section_id, match.end_date, match.note) == (getattr(section, "pk", None), end, note):
            return None
        match.section, match.end_date, match.note = section, end, note
        placement = match
    else:
        placement = Placement(
            person=person, kind=kind, unit=unit, section=section, start_date=start, end_date=end, note=note
        )
    _check_placement(line, placement, others, AWAY_COLUMNS)
    return placement


def _account(
    line: Line, known: _Known, person: Person | None, row: RosterRow | None, username_field, seen: dict[str, int]
) -> None:
    """Decide the row's login: keep the person's own, link a named free account, or create one. ``person``
    is the stored person (or the new one), ``row`` None when the row is already refused."""
    username = line.text(H_USERNAME)
    if username:
        first = seen.setdefault(username, line.number)
        if first != line.number:
            line.refuse(H_USERNAME, _("duplicate of row %(row)s (same login account)") % {"row": first})
            return
    current = person.user if person is not None and person.user_id else None
    if current is not None:
        if username and username != current.username:
            line.refuse(
                H_USERNAME,
                _("%(name)s already logs in as %(account)s; change the account in the administration")
                % {"name": person.name, "account": current.username},
            )
        return
    existing = known.accounts.get(username) if username else None
    if existing is not None:
        owner = getattr(existing, "person", None)
        if owner is not None and (person is None or owner.pk != person.pk):
            line.refuse(H_USERNAME, _("the account %(account)s belongs to another person") % {"account": username})
        elif existing.is_superuser or existing.is_staff:
            line.refuse(
                H_USERNAME,
                _("the account %(account)s is a system administrator's; it is not linked to a person")
                % {"account": username},
            )
        elif not all(_role_within(role, known.scope) for role in existing.role_assignments.all()):
            # Linking makes the account this person: an account with roles elsewhere (another unit's
            # office, say) is not the importer's to give away.
            line.refuse(
                H_USERNAME,
                _("the account %(account)s holds roles outside what you manage; it is not linked")
                % {"account": username},
            )
        elif row is not None:
            row.account = existing
        return
    if username:
        try:
            username_field.run_validators(username)
        except ValidationError as exc:
            for message in exc.messages:
                line.refuse(H_USERNAME, message)
            return
    if row is not None:
        row.username = username
        row.needs_account = True


def _role_within(role, scope: Scope) -> bool:
    """Whether a role assignment lies inside ``scope`` (the importer's people)."""
    if role.region_id is not None:
        return scope.covers_region(role.region_id)
    if role.unit_id is not None:
        return scope.covers_unit(role.unit)
    return scope.covers_section(role.section)


def _new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _i in range(PASSWORD_LENGTH))


def _initial_password_hash(raw: str) -> str:
    """The hash of a new account's random initial password (see INITIAL_PASSWORD_ITERATIONS)."""
    hasher = get_hasher("default")
    if isinstance(hasher, PBKDF2PasswordHasher):
        return hasher.encode(raw, hasher.salt(), iterations=min(INITIAL_PASSWORD_ITERATIONS, hasher.iterations))
    return make_password(raw)


def _generated_usernames(people: list[Person], reserved: set[str]) -> dict[int, str]:
    """``p000123`` for person 123; if someone already has that name, ``p000123-2`` and so on."""
    base = {p.pk: USERNAME_FORMAT.format(pk=p.pk) for p in people}
    names: dict[int, str] = {}
    pending = dict(base)
    suffix = 1
    while pending:
        taken = reserved | set(User.objects.filter(username__in=pending.values()).values_list("username", flat=True))
        names.update({pk: name for pk, name in pending.items() if name not in taken})
        suffix += 1
        pending = {pk: f"{base[pk]}-{suffix}" for pk, name in pending.items() if name in taken}
    return names


def _refuse_race() -> ImportRefused:
    return ImportRefused(
        [RowError(0, "", _("Someone else changed these people or accounts at the same time; import the file again."))]
    )


@transaction.atomic
def roster_import(*, content: bytes, file_name: str, by, unit: Unit | None = None) -> RosterOutcome:
    """Import a roster file whole, or refuse it whole. Returns the record of the import and the initial
    passwords of the accounts it created, which are not kept anywhere."""
    scope = scope_for(by, Action.MANAGE_PEOPLE)
    if scope.is_empty or (unit is not None and not scope.covers_unit(unit)):
        log_refusal(by, "roster_import", f"unit={getattr(unit, 'pk', None)}")
        raise PermissionError(_("You may not import people here."))
    rows = parse_roster(content=content, by=by, unit=unit, lock=True)

    new_rows = [r for r in rows if r.is_new]
    try:
        with transaction.atomic():
            Person.objects.bulk_create([r.person for r in new_rows], batch_size=500)
    except IntegrityError:
        raise _refuse_race() from None
    changed = [r for r in rows if not r.is_new and (r.changed or r.moved)]
    fields = sorted(
        {f for r in changed for f in r.changed} | ({"unit", "section"} if any(r.moved for r in rows) else set())
    )
    if changed:
        Person.objects.bulk_update([r.person for r in changed], fields, batch_size=500)
    Placement.objects.bulk_update([r.ended for r in rows if r.ended is not None], ["end_date"], batch_size=500)
    away_updates = [r.away for r in rows if r.away is not None and r.away.pk]
    Placement.objects.bulk_update(away_updates, ["section", "end_date", "note"], batch_size=500)
    new_placements = [r.home for r in rows if r.home is not None]
    new_placements += [r.away for r in rows if r.away is not None and not r.away.pk]
    Placement.objects.bulk_create(new_placements, batch_size=500)

    credentials = _give_accounts(rows)

    # The record names the unit (or region) the file touched, if only one, so its officers see it.
    units = {r.person.unit_id for r in rows} | {r.ended.unit_id for r in rows if r.ended is not None}
    regions = set(Unit.objects.filter(pk__in=units).values_list("region_id", flat=True))
    record = RosterImport.objects.create(
        unit_id=next(iter(units)) if len(units) == 1 else None,
        region_id=next(iter(regions)) if len(regions) == 1 else None,
        file_name=file_name[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        rows=len(rows),
        created=len(new_rows),
        updated=sum(1 for r in rows if not r.is_new and r.changed),
        moved=sum(1 for r in rows if r.moved),
        placements=sum(1 for r in rows if r.away is not None),
        accounts_created=len(credentials),
        accounts_linked=sum(1 for r in rows if r.account is not None),
        imported_by=by,
    )
    _trail(rows, record, by)
    return RosterOutcome(record=record, credentials=credentials)


def _trail(rows: list[RosterRow], record: RosterImport, by) -> None:
    """The import in the audit trail: one entry for the file, one per person it created or changed (their
    fields, a move, an away placement, an account), written in one statement per thousand."""
    source = _("roster import %(file)s, row %(row)s")
    entries = [
        entry(
            action="roster_import",
            by=by,
            obj=record,
            unit=record.unit_id,
            region=record.region_id,
            comment=record.file_name,
            changes={
                name: [None, getattr(record, name)]
                for name in ("rows", "created", "updated", "moved", "placements", "accounts_created", "accounts_linked")
            },
        )
    ]
    for r in rows:
        changes = diff(r.before, person_values(r.person))
        if r.home is not None:
            changes["home_from"] = [None, str(r.home.start_date)]
        if r.away is not None:
            changes["away_placement"] = [None, diff({}, snapshot(r.away, PLACEMENT_FIELDS))]
        if r.person.user_id is not None and (r.needs_account or r.account is not None):
            changes["account"] = [None, r.person.user.username]
        if not changes:
            continue
        entries.append(
            entry(
                action="person_create" if r.is_new else "person_change",
                by=by,
                obj=r.person,
                person=r.person,
                # A move is found by the unit the person left as well as by the one they joined.
                unit=r.ended.unit_id if r.ended is not None else r.person.unit_id,
                changes=changes,
                comment=source % {"file": record.file_name, "row": r.number},
            )
        )
    record_all(entries)


def _give_accounts(rows: list[RosterRow]) -> list[Credential]:
    """Create the missing accounts (bulk) and link them and the named free ones to their people."""
    wanting = [r for r in rows if r.needs_account]
    generated = _generated_usernames(
        [r.person for r in wanting if not r.username], reserved={r.username for r in wanting if r.username}
    )
    credentials: list[Credential] = []
    accounts = []
    for r in wanting:
        password = _new_password()
        username = r.username or generated[r.person.pk]
        accounts.append(
            User(
                username=username,
                full_name=r.person.name[:50],
                must_change_password=True,
                password=_initial_password_hash(password),
            )
        )
        credentials.append(
            Credential(
                unit=r.person.unit.name,
                section=r.person.section.name if r.person.section else "",
                name=r.person.name,
                username=username,
                password=password,
            )
        )
    try:
        with transaction.atomic():
            User.objects.bulk_create(accounts, batch_size=500)
    except IntegrityError:
        raise _refuse_race() from None
    for r, account in zip(wanting, accounts, strict=True):
        r.person.user = account
    linked = [r for r in rows if r.account is not None]
    for r in linked:
        r.person.user = r.account
    Person.objects.bulk_update([r.person for r in wanting + linked], ["user"], batch_size=500)
    return credentials


def credentials_workbook(credentials: Iterable[dict[str, str]]) -> bytes:
    """The new accounts and their initial passwords, for the officer to hand out (downloaded once)."""
    workbook, ws = template_workbook(
        title=_("New accounts"), headers=("单位", "股室", "姓名", "登录账号", "初始密码"), widths=(24, 18, 12, 16, 16)
    )
    for c in credentials:
        ws.append(
            safe_row(
                ws, [c["unit"], c["section"], c["name"], _text_cell(ws, c["username"]), _text_cell(ws, c["password"])]
            )
        )
    return workbook_bytes(workbook)
