"""Writes to the organisation tree, people, placements and roles.

Every service validates the whole row (``full_clean``) before it writes, so a bad value is refused with a
message and nothing is half-saved, and leaves an entry in the audit trail with the before and after.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import diff, entry, record, snapshot
from common.refusals import refusal
from units.models import (
    Person,
    Placement,
    Region,
    Role,
    RoleAssignment,
    Section,
    Unit,
    UnitCategory,
)
from units.permissions import Action, can_on_person, forget, scope_for
from units.validators import mask_id_number, normalise_id_number


def _save(instance):
    instance.full_clean()
    instance.save()
    return instance


PERSON_FIELDS = tuple(f.name for f in Person._meta.concrete_fields if not f.primary_key)
PLACEMENT_FIELDS = ("kind", "unit", "section", "start_date", "end_date", "note")


def person_values(person: Person, fields=PERSON_FIELDS) -> dict[str, Any]:
    """A person's values as the trail keeps them: the ID number masked, as every page shows it."""
    values = snapshot(person, fields)
    if "id_number" in values:
        values["id_number"] = mask_id_number(values["id_number"])
    return values


def role_scope(assignment: RoleAssignment) -> dict[str, Any]:
    """What a role's trail entries belong to: its node (the unit of a section), and the holder if a person."""
    unit_id = assignment.unit_id or (assignment.section.unit_id if assignment.section_id else None)
    person = Person.objects.filter(user_id=assignment.user_id).first()
    return {"person": person, "unit": unit_id or (person.unit_id if person else None), "region": assignment.region_id}


def role_values(assignment: RoleAssignment) -> dict[str, Any]:
    return {"user": assignment.user.username, **snapshot(assignment, ("role", "region", "unit", "section"))}


def _require(allowed: bool, by, what: str, detail: str, message: str) -> None:
    if not allowed:
        raise refusal(by, what, detail, message)


def _is_admin(by) -> bool:
    return bool(by is not None and by.is_active and by.is_superuser)


def _may_manage_region(by, region_id: int) -> bool:
    return scope_for(by, Action.MANAGE_PEOPLE).covers_region(region_id)


@transaction.atomic
def region_create(*, code: str, name: str, by) -> Region:
    _require(_is_admin(by), by, "region_create", code, _("Only a system administrator creates regions."))
    region = _save(Region(code=code, name=name))
    record(action="region_create", by=by, obj=region, region=region, changes=diff({}, {"code": code, "name": name}))
    return region


@transaction.atomic
def unit_create(*, region: Region, category: UnitCategory, code: str, name: str, order: int = 0, by) -> Unit:
    _require(
        _may_manage_region(by, region.pk),
        by,
        "unit_create",
        f"region={region.pk}",
        _("You may not create units in %(region)s.") % {"region": region},
    )
    unit = _save(Unit(region=region, category=category, code=code, name=name, order=order))
    record(action="unit_create", by=by, obj=unit, unit=unit, changes=diff({}, {"code": code, "name": name}))
    return unit


@transaction.atomic
def section_create(*, unit: Unit, name: str, parent: Section | None = None, order: int = 0, by) -> Section:
    _require(
        scope_for(by, Action.MANAGE_PEOPLE).covers_unit(unit),
        by,
        "section_create",
        f"unit={unit.pk}",
        _("You may not create sections in %(unit)s.") % {"unit": unit},
    )
    section = _save(Section(unit=unit, name=name, parent=parent, order=order))
    record(action="section_create", by=by, obj=section, unit=unit, changes=diff({}, {"name": name, "parent": parent}))
    return section


@transaction.atomic
def person_create(
    *, unit: Unit, section: Section | None = None, start_date: datetime.date, by, **fields: Any
) -> Person:
    """A person and their home placement from ``start_date``."""
    _require(
        scope_for(by, Action.MANAGE_PEOPLE).covers_place(unit=unit, section=section),
        by,
        "person_create",
        f"unit={unit.pk}",
        _("You may not add people to %(unit)s.") % {"unit": unit},
    )
    fields["id_number"] = normalise_id_number(fields.get("id_number", ""))
    person = _save(Person(unit=unit, section=section, **fields))
    placement = _save(home_placement(person=person, on=start_date))
    changes = diff({}, person_values(person)) | {"home_from": [None, str(placement.start_date)]}
    record(action="person_create", by=by, obj=person, person=person, changes=changes)
    return person


def end_home_before(open_home: Placement, on: datetime.date) -> Placement:
    """End the open home placement the day before a move on ``on`` (unsaved): ValidationError if it began
    on or after ``on``. Shared by ``person_move`` and the roster import."""
    if open_home.start_date >= on:
        raise ValidationError(
            _("The move date must be after %(date)s, when the current placement began.")
            % {"date": open_home.start_date},
            code="move_date",
        )
    open_home.end_date = on - datetime.timedelta(days=1)
    return open_home


def home_placement(*, person: Person, on: datetime.date) -> Placement:
    """A person's (unsaved) home placement in their home unit and section from ``on``."""
    return Placement(person=person, kind=Placement.Kind.HOME, unit=person.unit, section=person.section, start_date=on)


@transaction.atomic
def person_move(*, person: Person, unit: Unit, section: Section | None, on: datetime.date, by) -> Person:
    """Move a person's home to ``unit``/``section`` from ``on``: the open home placement ends the day
    before and a new one begins, so the old unit's rights end with it. Both units must be the mover's."""
    scope = scope_for(by, Action.MANAGE_PEOPLE)
    _require(
        scope.covers_place(unit=person.unit, section=person.section) and scope.covers_place(unit=unit, section=section),
        by,
        "person_move",
        f"person={person.pk} unit={unit.pk}",
        _("You may not move %(person)s there.") % {"person": person},
    )
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(person, ("unit", "section"))
    open_home = person.placements.filter(kind=Placement.Kind.HOME, end_date__isnull=True).first()
    if open_home is not None:
        end_home_before(open_home, on)
        _save(open_home)
    person.unit, person.section = unit, section
    _save(person)
    _save(home_placement(person=person, on=on))
    changes = diff(before, snapshot(person, ("unit", "section"))) | {"home_from": [None, str(on)]}
    # The unit the person left, so that its office still finds the move (the new one finds the person).
    record(action="person_move", by=by, obj=person, person=person, unit=before["unit"], changes=changes)
    return person


@transaction.atomic
def placement_create(
    *,
    person: Person,
    kind: str,
    unit: Unit,
    section: Section | None,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    note: str = "",
    by,
) -> Placement:
    """Record where a person is assessed. The officer must manage the person and the receiving unit."""
    if not can_on_person(by, Action.MANAGE_PEOPLE, person):
        raise refusal(
            by,
            "placement_create",
            f"person={person.pk}",
            _("You may not change the placements of %(person)s.") % {"person": person},
        )
    if not scope_for(by, Action.MANAGE_PEOPLE).covers_unit(unit) and kind == Placement.Kind.HOME:
        raise refusal(
            by, "placement_create", f"unit={unit.pk}", _("You may not move people into %(unit)s.") % {"unit": unit}
        )
    # Lock the person so two officers cannot record overlapping placements at once.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    placement = _save(
        Placement(
            person=person,
            kind=kind,
            unit=unit,
            section=section,
            start_date=start_date,
            end_date=end_date,
            note=note,
        )
    )
    changes = diff({}, snapshot(placement, PLACEMENT_FIELDS))
    record(action="placement_create", by=by, obj=placement, person=person, changes=changes)
    return placement


def _may_grant_on(by, *, region: Region | None, unit: Unit | None, section: Section | None) -> bool:
    """Roles on a region are granted by a system administrator; on a unit, also by the organisation
    department of its region; on a section, also by the unit's assessment office."""
    if _is_admin(by):
        return True
    if region is not None:
        return False
    if unit is not None:
        return _may_manage_region(by, unit.region_id)
    if section is not None:
        return _may_manage_region(by, section.unit.region_id) or scope_for(by, Action.RUN_PERIOD).covers_unit(
            section.unit
        )
    return False


@transaction.atomic
def role_grant(
    *,
    user,
    role: str,
    region: Region | None = None,
    unit: Unit | None = None,
    section: Section | None = None,
    by,
) -> RoleAssignment:
    """Grant ``role`` on exactly one node. Refused when given no node, two nodes, or the wrong kind."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role: %(role)s.") % {"role": role}, code="unknown_role")
    _require(
        _may_grant_on(by, region=region, unit=unit, section=section),
        by,
        "role_grant",
        f"user={user.pk} role={role}",
        _("You may not grant roles there."),
    )
    assignment = _save(RoleAssignment(user=user, role=role, region=region, unit=unit, section=section, granted_by=by))
    forget(user)
    changes = diff({}, role_values(assignment))
    record(action="role_grant", by=by, obj=assignment, changes=changes, **role_scope(assignment))
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, by) -> None:
    _require(
        _may_grant_on(by, region=assignment.region, unit=assignment.unit, section=assignment.section),
        by,
        "role_revoke",
        f"assignment={assignment.pk}",
        _("You may not revoke roles there."),
    )
    user = assignment.user
    gone = entry(
        action="role_revoke", by=by, obj=assignment, changes=diff(role_values(assignment), {}), **role_scope(assignment)
    )
    assignment.delete()
    forget(user)
    gone.save()
