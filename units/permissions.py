"""Who may do what, and on which part of the tree.

A role held on a node covers the node's whole subtree: a region covers its units and their sections, a
unit covers its sections, a section covers its sub-sections. Guardian has no inheritance, so roles are
resolved through the tree here, and guardian is kept for explicit per-object grants (``units.view_unit``
or ``units.view_section`` on one object, e.g. for an inspector). No view calls guardian directly.

A scope is resolved once per user and action and cached on the user object for the request.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from units.models import Person, Role, RoleAssignment, Section, Unit, current_placements_q


class Action(StrEnum):
    VIEW = "view"
    MANAGE_PEOPLE = "manage_people"
    RUN_PERIOD = "run_period"
    ENTER_SCORES = "enter_scores"
    PROPOSE = "propose"
    REVIEW = "review"
    DECIDE = "decide"
    SET_RATIOS = "set_ratios"
    CONFIRM = "confirm"
    EXPORT = "export"
    IMPORT_MONTHLY = "import_monthly"
    APPROVE_EVENTS = "approve_events"
    UNLOCK_ACCOUNTS = "unlock_accounts"
    AUDIT = "audit"  # read and export the audit trail of the subtree (assessment.trail)


# What each role may do inside the subtree it is held on (domain.md §2).
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.ORG: frozenset(
        {
            Action.VIEW,
            Action.MANAGE_PEOPLE,
            Action.SET_RATIOS,
            Action.CONFIRM,
            Action.EXPORT,
            Action.IMPORT_MONTHLY,
            # the logins of the region's people and officers, locked after failed attempts (accounts.services)
            Action.UNLOCK_ACCOUNTS,
            Action.AUDIT,
        }
    ),
    Role.OFFICE: frozenset(
        {
            Action.VIEW,
            Action.MANAGE_PEOPLE,
            Action.RUN_PERIOD,
            Action.ENTER_SCORES,
            Action.PROPOSE,
            Action.EXPORT,
            Action.IMPORT_MONTHLY,
            Action.APPROVE_EVENTS,
            Action.AUDIT,
        }
    ),
    Role.COMMITTEE: frozenset({Action.VIEW, Action.DECIDE}),
    Role.PRINCIPAL: frozenset({Action.VIEW, Action.REVIEW}),
    Role.DEPUTY: frozenset({Action.VIEW, Action.REVIEW}),
    Role.SECTION_HEAD: frozenset({Action.VIEW, Action.ENTER_SCORES, Action.PROPOSE}),
}

# What the home page tells a holder of each role that they can do.
ROLE_ABILITIES: dict[str, tuple] = {
    Role.ORG: (
        _("See every unit in the region"),
        _("Set ratios and parameters"),
        _("Confirm unit results"),
        _("Export all registers"),
        _("Follow the region's grades, scores and late units on the region dashboard"),
        _("Unlock the region's accounts locked after failed logins"),
        _("Search and export the audit trail of the region"),
    ),
    Role.OFFICE: (
        _("Run the unit's assessment periods"),
        _("Allocate section quotas"),
        _("Enter and correct scores"),
        _("Publish results and handle review requests"),
        _("Follow each section's progress, deadlines and places on the quarter dashboard"),
        _("Search and export the audit trail of the unit"),
    ),
    Role.COMMITTEE: (_("Decide the final grades of the unit"),),
    Role.PRINCIPAL: (_("Review and approve the unit's sections"),),
    Role.DEPUTY: (_("Review and approve the sections you are responsible for"),),
    Role.SECTION_HEAD: (
        _("Score your section"),
        _("Write review comments and propose grades"),
    ),
}
SELF_ABILITIES = (
    _("Write your quarterly summary"),
    _("Declare bonus items"),
    _("See your own results and ask for a review"),
)


@dataclass(frozen=True)
class Scope:
    """The part of the tree a user may act on for one action."""

    everything: bool = False
    region_ids: frozenset[int] = frozenset()
    unit_ids: frozenset[int] = frozenset()
    section_ids: frozenset[int] = frozenset()

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.region_ids or self.unit_ids or self.section_ids)

    def covers_region(self, region_id: int) -> bool:
        """The whole region: its units and everything in them."""
        return self.everything or region_id in self.region_ids

    def covers_unit(self, unit: Unit) -> bool:
        """The whole unit, not one of its sections."""
        return unit.pk in self.unit_ids or self.covers_region(unit.region_id)

    def covers_section(self, section: Section) -> bool:
        return self.everything or section.pk in self.section_ids or self.covers_unit(section.unit)

    def covers_place(self, *, unit: Unit, section: Section | None) -> bool:
        """A person sitting in this unit and section (section may be None)."""
        if self.covers_unit(unit):
            return True
        return section is not None and section.pk in self.section_ids

    def unit_q(self, prefix: str = "") -> Q:
        """Units touched by the scope: whole units, and units where the scope holds some sections."""
        if self.everything:
            return Q()
        p = prefix
        section_unit_q = Q(**{f"{p}sections__in": self.section_ids}) if self.section_ids else Q(pk__in=[])
        return Q(**{f"{p}pk__in": self.unit_ids}) | Q(**{f"{p}region_id__in": self.region_ids}) | section_unit_q

    def place_q(self, *, unit_field: str = "unit", section_field: str = "section") -> Q:
        """Rows that sit in a unit (and optionally a section) covered by the scope."""
        if self.everything:
            return Q()
        return (
            Q(**{f"{unit_field}_id__in": self.unit_ids})
            | Q(**{f"{unit_field}__region_id__in": self.region_ids})
            | Q(**{f"{section_field}_id__in": self.section_ids})
        )


def _descendants(section_ids: set[int], unit_ids: set[int]) -> set[int]:
    """The given sections and every section nested below them (one query over their units)."""
    if not section_ids:
        return set()
    children: dict[int, list[int]] = {}
    for pk, parent_id in Section.objects.filter(unit_id__in=unit_ids).values_list("pk", "parent_id"):
        if parent_id is not None:
            children.setdefault(parent_id, []).append(pk)
    found = set(section_ids)
    stack = list(section_ids)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def _granted(user, perm: str, model):
    return get_objects_for_user(user, perm, klass=model, with_superuser=False, accept_global_perms=False)


@dataclass
class _Cache:
    assignments: list[RoleAssignment]
    scopes: dict[Action, Scope]


def _cache(user) -> _Cache:
    # One attribute, read and written with getattr/setattr so that a SimpleLazyObject (request.user)
    # passes it through to the wrapped user, and forget() clears the same object.
    cache = getattr(user, "_kaohe_cache", None)
    if cache is None:
        assignments = list(RoleAssignment.objects.filter(user=user).select_related("region", "unit", "section__unit"))
        cache = _Cache(assignments=assignments, scopes={})
        user._kaohe_cache = cache
    return cache


def _assignments(user) -> list[RoleAssignment]:
    return _cache(user).assignments


def scope_for(user, action: Action) -> Scope:
    """The scope in which ``user`` may perform ``action``; empty for nobody and for anonymous users."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    if user.is_superuser:
        return Scope(everything=True)
    cache = _cache(user).scopes
    if action in cache:
        return cache[action]

    region_ids: set[int] = set()
    unit_ids: set[int] = set()
    section_ids: set[int] = set()
    section_units: set[int] = set()
    for assignment in _assignments(user):
        if action not in ROLE_ACTIONS.get(assignment.role, ()):
            continue
        if assignment.region_id:
            region_ids.add(assignment.region_id)
        elif assignment.unit_id:
            unit_ids.add(assignment.unit_id)
        elif assignment.section_id:
            section_ids.add(assignment.section_id)
            section_units.add(assignment.section.unit_id)

    if action == Action.VIEW:
        # Explicit per-object grants (guardian) add single units or sections to what may be seen.
        unit_ids.update(_granted(user, "units.view_unit", Unit).values_list("pk", flat=True))
        for pk, unit_id in _granted(user, "units.view_section", Section).values_list("pk", "unit_id"):
            section_ids.add(pk)
            section_units.add(unit_id)

    scope = Scope(
        region_ids=frozenset(region_ids),
        unit_ids=frozenset(unit_ids),
        section_ids=frozenset(_descendants(section_ids, section_units)),
    )
    cache[action] = scope
    return scope


def forget(user) -> None:
    """Drop the cached roles of ``user`` (after a grant or revoke in the same request).

    Only this instance is cleared; another instance of the same user loaded earlier keeps its cache
    until the end of its request.
    """
    with contextlib.suppress(AttributeError):
        del user._kaohe_cache


def grant_view(*, user, obj: Unit | Section) -> None:
    """An explicit read grant on one unit or section (e.g. for an inspector), outside the role tree."""
    assign_perm(f"units.view_{obj._meta.model_name}", user, obj)
    forget(user)


def revoke_view(*, user, obj: Unit | Section) -> None:
    remove_perm(f"units.view_{obj._meta.model_name}", user, obj)
    forget(user)


def roles_of(user) -> list[RoleAssignment]:
    if user is None or not user.is_authenticated:
        return []
    return _assignments(user)


# Actions a receiving unit may take on a person placed with it (seconded, borrowed, stationed): it sees
# and assesses them. Managing the person's record and placements stays with the home unit.
PLACEMENT_ACTIONS = frozenset(
    {
        Action.VIEW,
        Action.ENTER_SCORES,
        Action.PROPOSE,
        Action.REVIEW,
        Action.DECIDE,
        Action.APPROVE_EVENTS,
        Action.IMPORT_MONTHLY,
        Action.EXPORT,
    }
)


def can_on_person(user, action: Action, person: Person) -> bool:
    """Whether ``user`` may perform ``action`` on ``person``: by the person's home, or for the assessing
    actions by a placement that is in force now (see ``units.models.current_placements_q``)."""
    if action == Action.VIEW and person.user_id is not None and person.user_id == getattr(user, "pk", None):
        return True
    scope = scope_for(user, action)
    if scope.is_empty:
        return False
    if scope.covers_place(unit=person.unit, section=person.section):
        return True
    if action not in PLACEMENT_ACTIONS:
        return False
    return person.placements.filter(current_placements_q()).filter(scope.place_q()).exists()


def can_on_unit(user, action: Action, unit: Unit) -> bool:
    return scope_for(user, action).covers_unit(unit)
