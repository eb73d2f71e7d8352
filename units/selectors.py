"""Reads of the organisation, already scoped to what the user may see."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from units.models import Person, Placement, Region, RosterImport, Section, Unit, current_placements_q
from units.permissions import PLACEMENT_ACTIONS, Action, Scope, scope_for


def regions_visible_to(*, user) -> QuerySet[Region]:
    scope = scope_for(user, Action.VIEW)
    if scope.everything:
        return Region.objects.all()
    return Region.objects.filter(pk__in=scope.region_ids)


def units_visible_to(*, user, action: Action = Action.VIEW) -> QuerySet[Unit]:
    """Units whose page the user may open: a whole unit covered, or some of its sections."""
    scope = scope_for(user, action)
    units = Unit.objects.select_related("region", "category")
    if scope.everything:
        return units
    if scope.is_empty:
        return units.none()
    return units.filter(scope.unit_q()).distinct()


def sections_visible_to(*, user, unit: Unit | None = None, action: Action = Action.VIEW) -> QuerySet[Section]:
    scope = scope_for(user, action)
    sections = Section.objects.select_related("unit")
    if unit is not None:
        sections = sections.filter(unit=unit)
    if scope.everything:
        return sections
    if scope.is_empty:
        return sections.none()
    return sections.filter(
        Q(unit_id__in=scope.unit_ids) | Q(unit__region_id__in=scope.region_ids) | Q(pk__in=scope.section_ids)
    )


def _people_q(scope: Scope, user, action: Action) -> Q:
    q = scope.place_q()
    if action in PLACEMENT_ACTIONS:
        placed_here = Placement.objects.filter(current_placements_q()).filter(scope.place_q()).values("person_id")
        q |= Q(pk__in=placed_here)
    if action == Action.VIEW:
        # Everyone may see their own record.
        q |= Q(user_id=user.pk)
    return q


def people_visible_to(*, user, action: Action = Action.VIEW) -> QuerySet[Person]:
    """People whose home, or a current placement, lies in the user's scope; plus the user's own record."""
    people = Person.objects.select_related("unit", "section")
    if user is None or not user.is_authenticated:
        return people.none()
    scope = scope_for(user, action)
    if scope.everything:
        return people
    if scope.is_empty and action != Action.VIEW:
        return people.none()
    return people.filter(_people_q(scope, user, action))


def placements_visible_to(*, user) -> QuerySet[Placement]:
    """Every placement of the people the user may see (their record shows where they are assessed)."""
    return Placement.objects.filter(person__in=people_visible_to(user=user).values("pk")).select_related(
        "person", "unit", "section"
    )


def unit_overview_for(*, user) -> QuerySet[Unit]:
    """The unit list with counts of the sections and people the user may see, one query in all.

    Counted in subqueries, so the filter that picks the units cannot narrow or multiply the counts.
    """
    scope = scope_for(user, Action.VIEW)
    people = Person.objects.filter(unit=OuterRef("pk"), is_active=True)
    sections = Section.objects.filter(unit=OuterRef("pk"))
    if not scope.everything:
        people = people.filter(scope.place_q())
        sections = sections.filter(
            Q(unit_id__in=scope.unit_ids) | Q(unit__region_id__in=scope.region_ids) | Q(pk__in=scope.section_ids)
        )
    return units_visible_to(user=user).annotate(
        section_count=_count(sections),
        people_count=_count(people),
    )


def _count(queryset) -> Subquery:
    return Coalesce(Subquery(queryset.order_by().values("unit").annotate(n=Count("pk")).values("n")[:1]), Value(0))


@dataclass(frozen=True)
class RosterRow:
    person: Person
    placement: Placement | None  # the away placement in force, if any

    @property
    def assessed_elsewhere(self) -> bool:
        return self.placement is not None


@dataclass(frozen=True)
class SectionRoster:
    section: Section | None
    depth: int
    rows: list[RosterRow]


def assessing_placement(placements: list[Placement], on: datetime.date) -> Placement | None:
    """The placement that decides who assesses on ``on``: an away one outranks the home one."""
    running = [p for p in placements if p.covers(on)]
    away = [p for p in running if p.is_away]
    pool = away or running
    return max(pool, key=lambda p: (p.start_date, p.pk)) if pool else None


def placement_for_span(placements: list[Placement], start: datetime.date, end: datetime.date) -> Placement | None:
    """Who assesses over a period: the placement that decides the most of its days (seed 002 §三).

    A tie goes to the placement that decides the later days, so a move at mid-quarter lands with the new
    unit. The span is cut where a placement starts or ends; each piece has one deciding placement.
    """
    one_day = datetime.timedelta(days=1)
    cuts = {start, end + one_day}
    for p in placements:
        if start < p.start_date <= end:
            cuts.add(p.start_date)
        if p.end_date is not None and start <= p.end_date < end:
            cuts.add(p.end_date + one_day)
    bounds = sorted(cuts)
    days: dict[int, int] = {}
    last_day: dict[int, datetime.date] = {}
    chosen: dict[int, Placement] = {}
    for piece_start, next_start in itertools.pairwise(bounds):
        decisive = assessing_placement(placements, piece_start)
        if decisive is not None:
            days[decisive.pk] = days.get(decisive.pk, 0) + (next_start - piece_start).days
            last_day[decisive.pk] = next_start - one_day
            chosen[decisive.pk] = decisive
    if not days:
        return None
    best = max(days, key=lambda pk: (days[pk], last_day[pk]))
    return chosen[best]


def unit_roster(*, user, unit: Unit, on: datetime.date | None = None) -> tuple[list[SectionRoster], list[RosterRow]]:
    """The unit's sections in tree order with their visible home people, and people placed in from elsewhere.

    A fixed number of queries whatever the size of the unit.
    """
    on = on or timezone.localdate()
    sections = list(sections_visible_to(user=user, unit=unit).order_by("order", "pk"))
    running = Placement.objects.filter(start_date__lte=on).filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
    placement_prefetch = Prefetch(
        "placements", queryset=running.select_related("unit", "section"), to_attr="running_placements"
    )
    visible = people_visible_to(user=user).filter(is_active=True)
    home_people = list(visible.filter(unit=unit).prefetch_related(placement_prefetch).order_by("post_order", "pk"))
    incoming = list(
        visible.filter(placements__in=running.filter(unit=unit).exclude(kind=Placement.Kind.HOME))
        .exclude(unit=unit)
        .distinct()
        .prefetch_related(placement_prefetch)
        .order_by("post_order", "pk")
    )

    by_section: dict[int | None, list[RosterRow]] = {}
    for person in home_people:
        decisive = assessing_placement(person.running_placements, on)
        away = decisive if decisive is not None and decisive.is_away and decisive.unit_id != unit.pk else None
        by_section.setdefault(person.section_id, []).append(RosterRow(person=person, placement=away))

    rosters: list[SectionRoster] = []
    children: dict[int | None, list[Section]] = {}
    known = {s.pk for s in sections}
    for section in sections:
        parent = section.parent_id if section.parent_id in known else None
        children.setdefault(parent, []).append(section)

    def walk(parent: int | None, depth: int) -> None:
        for section in children.get(parent, []):
            rosters.append(SectionRoster(section=section, depth=depth, rows=by_section.get(section.pk, [])))
            walk(section.pk, depth + 1)

    walk(None, 0)
    unsectioned = by_section.get(None, [])
    if unsectioned:
        rosters.append(SectionRoster(section=None, depth=0, rows=unsectioned))
    incoming_rows = [RosterRow(person=p, placement=assessing_placement(p.running_placements, on)) for p in incoming]
    return rosters, incoming_rows


def person_profile_for(*, user, pk: int) -> Person | None:
    person = (
        people_visible_to(user=user)
        .filter(pk=pk)
        .prefetch_related(Prefetch("placements", queryset=Placement.objects.select_related("unit", "section")))
        .first()
    )
    return person


def region_census(*, region_id: int) -> dict[str, int]:
    """How many units, sections and people in service a region has (no user scope: callers check it)."""
    units = Unit.objects.filter(region_id=region_id, is_active=True)
    return {
        "units": units.count(),
        "sections": Section.objects.filter(unit__in=units).count(),
        "people": Person.objects.filter(unit__in=units, is_active=True).count(),
    }


def roster_imports_visible_to(*, user) -> QuerySet[RosterImport]:
    """Roster imports the user made, or that touched one unit or region the user manages people in."""
    scope = scope_for(user, Action.MANAGE_PEOPLE)
    imports = RosterImport.objects.select_related("unit", "region", "imported_by")
    if scope.everything:
        return imports
    if scope.is_empty:
        return imports.none()
    return imports.filter(
        Q(imported_by=user)
        | Q(unit_id__in=scope.unit_ids)
        | Q(unit__region_id__in=scope.region_ids)
        | Q(unit__isnull=True, region_id__in=scope.region_ids)
    )
