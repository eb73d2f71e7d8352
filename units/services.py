"""Writes to the organisation tree, people, placements and roles.

Every service validates the whole row (``full_clean``) before it writes, so a bad value is refused with a
message and nothing is half-saved.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

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
from units.permissions import Action, can_on_person, forget, log_refusal, scope_for
from units.validators import normalise_id_number


def _save(instance):
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def region_create(*, code: str, name: str) -> Region:
    return _save(Region(code=code, name=name))


@transaction.atomic
def unit_create(*, region: Region, category: UnitCategory, code: str, name: str, order: int = 0) -> Unit:
    return _save(Unit(region=region, category=category, code=code, name=name, order=order))


@transaction.atomic
def section_create(*, unit: Unit, name: str, parent: Section | None = None, order: int = 0) -> Section:
    return _save(Section(unit=unit, name=name, parent=parent, order=order))


@transaction.atomic
def person_create(*, unit: Unit, section: Section | None = None, start_date: datetime.date, **fields: Any) -> Person:
    """A person and their home placement from ``start_date``."""
    fields["id_number"] = normalise_id_number(fields.get("id_number", ""))
    person = _save(Person(unit=unit, section=section, **fields))
    _save(Placement(person=person, kind=Placement.Kind.HOME, unit=unit, section=section, start_date=start_date))
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
        log_refusal(by, "placement_create", f"person={person.pk}")
        raise PermissionError(_("You may not change the placements of %(person)s.") % {"person": person})
    if not scope_for(by, Action.MANAGE_PEOPLE).covers_unit(unit) and kind == Placement.Kind.HOME:
        log_refusal(by, "placement_create", f"unit={unit.pk}")
        raise PermissionError(_("You may not move people into %(unit)s.") % {"unit": unit})
    # Lock the person so two officers cannot record overlapping placements at once.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    return _save(
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


@transaction.atomic
def role_grant(
    *,
    user,
    role: str,
    region: Region | None = None,
    unit: Unit | None = None,
    section: Section | None = None,
    by=None,
) -> RoleAssignment:
    """Grant ``role`` on exactly one node. Refused when given no node, two nodes, or the wrong kind."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role: %(role)s.") % {"role": role}, code="unknown_role")
    assignment = _save(RoleAssignment(user=user, role=role, region=region, unit=unit, section=section, granted_by=by))
    forget(user)
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment) -> None:
    user = assignment.user
    assignment.delete()
    forget(user)
