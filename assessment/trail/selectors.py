"""The audit trail as the organisation department and the units' offices read it (``/trail/``): every entry of
what their roles cover (``Action.AUDIT``: the organisation department its region, the office its unit, a
system administrator everything), searchable by kind of act, person, unit and dates, each entry's changes
told field by field.

What an entry belongs to: its unit; failing a unit, its region, or the region of its period or year (acts of
the whole region, such as opening a period). An entry of nobody's (a failed login under an unknown name) is a
system administrator's alone."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry
from common.listing import Filter
from periods.models import AssessmentYear, Period
from units.models import Person, Unit
from units.permissions import Action, scope_for

# The kinds of act a reader filters by. Each is a condition on the entry, not a single action code: the trail
# holds some seventy codes, and the administration writes <model>_create/change/delete.
SCORES = Q(action__in=["score_enter", "monthly_import", "monthly_scores"])
EVENTS = Q(action__startswith="event_")
WORK = Q(action__in=["work_record_add", "summary_submit", "summary_skip"])
KINDS: dict[str, tuple] = {
    "login": (
        _("logins and lockouts"),
        Q(action__startswith="login") | Q(action__in=["account_unlock", "address_unlock"]),
    ),
    "account": (
        _("accounts, passwords and tokens"),
        Q(action__in=["password_change", "token_issue", "token_revoke"]) | Q(action__startswith="user_"),
    ),
    "role": (_("roles"), Q(action__startswith="role")),
    "person": (
        _("people and placements"),
        Q(action__startswith="person_") | Q(action__startswith="placement_") | Q(action="roster_import"),
    ),
    "organisation": (
        _("units and sections"),
        Q(action__startswith="region_")
        | Q(action__startswith="unit_", period__isnull=True)
        | Q(action__startswith="section_"),
    ),
    "score": (_("scores"), SCORES),
    "event": (_("bonus and deduction events"), EVENTS),
    "work": (_("work records and summaries"), WORK),
    "quarter": (_("quarterly assessment"), Q(period__isnull=False) & ~SCORES & ~EVENTS & ~WORK),
    "annual": (_("annual assessment"), Q(assessment_year__isnull=False)),
    "export": (_("exports"), Q(action__in=["register_export", "trail_export"])),
}

ACTION_LABELS = {
    "login": _("logged in"),
    "login_failed": _("login failed"),
    "login_locked": _("login locked out"),
    "account_unlock": _("account unlocked"),
    "address_unlock": _("address unlocked"),
    "password_change": _("password changed"),
    "token_issue": _("API token issued"),
    "token_revoke": _("API token revoked"),
    "role_grant": _("role granted"),
    "role_revoke": _("role revoked"),
    "person_create": _("person added"),
    "person_change": _("person changed"),
    "person_move": _("person moved"),
    "person_delete": _("person deleted"),
    "placement_create": _("placement added"),
    "placement_change": _("placement changed"),
    "placement_delete": _("placement deleted"),
    "roster_import": _("roster imported"),
    "score_enter": _("scores entered"),
    "monthly_import": _("monthly scores imported"),
    "monthly_scores": _("monthly scores set"),
    "event_record": _("event recorded"),
    "event_declare": _("bonus item declared"),
    "event_check": _("declaration checked"),
    "event_return": _("declaration returned"),
    "event_approve": _("event approved"),
    "event_reject": _("event rejected"),
    "work_record_add": _("work record added"),
    "register_export": _("register exported"),
    "trail_export": _("audit trail exported"),
    "region_create": _("region created"),
    "unit_create": _("unit created"),
    "section_create": _("section created"),
    "year_create": _("assessment year created"),
    "period_open": _("period opened"),
    "period_close": _("period closed"),
    "period_reopen": _("period reopened"),
    "ratio_set": _("ratio of 好 set"),
    "unit_start": _("unit's quarter started"),
    "summary_submit": _("summary submitted"),
    "summary_skip": _("summary waived"),
    "result_propose": _("grade proposed"),
    "result_review": _("leader's approval"),
    "result_return": _("result returned"),
    "committee_decide": _("committee's decision"),
    "opinion_record": _("opinion recorded"),
    "unit_publish": _("results published"),
    "review_request": _("review requested"),
    "review_answer": _("review answered"),
    "review_change": _("grade changed on review"),
    "unit_report": _("results reported"),
    "unit_confirm": _("results confirmed"),
    "unit_send_back": _("results sent back"),
    "feedback_record": _("feedback recorded"),
    "excellent_ratio_set": _("ratio of 优秀 set"),
    "annual_rollup": _("annual roll-up"),
    "annual_reroll": _("annual roll-up redone"),
    "annual_places_fell": _("places of 优秀 fell short"),
    "annual_input_set": _("annual input set"),
    "annual_inputs_import": _("annual inputs imported"),
    "sanction_record": _("sanction recorded"),
    "sanction_withdraw": _("sanction withdrawn"),
    "annual_propose": _("annual grade proposed"),
    "annual_decide": _("annual grade decided"),
    "annual_publish": _("annual results published"),
    "annual_report": _("annual results reported"),
    "annual_confirm": _("annual results confirmed"),
    "annual_send_back": _("annual results sent back"),
    "annual_review_request": _("annual review requested"),
    "annual_review_answer": _("annual review answered"),
    "annual_appeal_request": _("appeal lodged"),
    "annual_appeal_decide": _("appeal decided"),
    "notice_acknowledge": _("notice acknowledged"),
    "grade_history_import": _("earlier grades imported"),
}


def action_label(action: str) -> str:
    """The label of an act; the administration's acts as "<object>: added/changed/deleted"; else the code."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    model_name, _sep, what = action.rpartition("_")
    model = _models().get(model_name)
    verbs = {"create": _("added"), "change": _("changed"), "delete": _("deleted")}
    if model is not None and what in verbs:
        return f"{model._meta.verbose_name}: {verbs[what]}"
    return action


@cache
def _models() -> dict:
    return {model._meta.model_name: model for model in apps.get_models()}


def trail_visible_to(*, user) -> QuerySet[AuditEntry]:
    """The entries ``user`` may read (see the module's docstring). Subqueries, not joins: the trail is the
    largest table there is."""
    scope = scope_for(user, Action.AUDIT)
    entries = AuditEntry.objects.select_related("actor", "person", "unit")
    if scope.everything:
        return entries
    if scope.is_empty:
        return entries.none()
    regions = scope.region_ids
    covered = Q(unit_id__in=scope.unit_ids)
    if regions:
        covered |= Q(unit_id__in=Unit.objects.filter(region_id__in=regions).values("pk"))
        covered |= Q(unit__isnull=True) & (
            Q(region_id__in=regions)
            | Q(period_id__in=Period.objects.filter(assessment_year__region_id__in=regions).values("pk"))
            | Q(assessment_year_id__in=AssessmentYear.objects.filter(region_id__in=regions).values("pk"))
        )
    return entries.filter(covered)


def may_read_trail(user) -> bool:
    return not scope_for(user, Action.AUDIT).is_empty


def trail_filters(*, user, person_pk: str = "") -> tuple[Filter, ...]:
    """The filters of the page: kind of act, unit (of those covered), and the person asked for (``?person=``, from
    a link; offered only when the reader may see the person, so a key never reveals a name)."""
    scope = scope_for(user, Action.AUDIT)
    units = Unit.objects.all() if scope.everything else Unit.objects.filter(scope.unit_q())
    filters = [
        Filter(
            "action",
            "",
            _("act"),
            [(k, label) for k, (label, _q) in KINDS.items()],
            where={k: q for k, (_l, q) in KINDS.items()},
        ),
        Filter(
            "unit",
            "unit_id",
            _("unit"),
            [(str(pk), name) for pk, name in units.order_by("region_id", "order", "code").values_list("pk", "name")],
        ),
    ]
    if person_pk.isdigit():
        people = Person.objects.filter(pk=int(person_pk))
        if not scope.everything:
            people = people.filter(scope.place_q())
        filters.append(
            Filter(
                "person", "person_id", _("person"), [(str(pk), name) for pk, name in people.values_list("pk", "name")]
            )
        )
    return tuple(filters)


SEARCH = ("person__name", "actor__username", "actor__full_name", "comment", "object_id")
SORTS = {"at": ("at", "id"), "actor": ("actor__username",), "action": ("action",), "unit": ("unit__order", "unit_id")}
DEFAULT_SORT = ("-at", "-id")


@dataclass(frozen=True)
class Change:
    field: str
    before: object
    after: object


def changes_of(entry: AuditEntry) -> list[Change]:
    """The entry's changes, each field by its verbose name where the entry's object is a model of the system."""
    model = _models().get(entry.object_type) or (
        _models()["quarterlyresult"] if entry.result_id else _models()["annualresult"] if entry.annual_id else None
    )
    found = []
    for name, pair in (entry.changes or {}).items():
        label, choices = name, {}
        if model is not None:
            with contextlib.suppress(FieldDoesNotExist):
                field = model._meta.get_field(name)
                label = str(field.verbose_name)
                choices = {str(value): str(text) for value, text in field.flatchoices}
        before, after = ([*pair, None, None])[:2] if isinstance(pair, list) else (None, pair)
        found.append(Change(label, _text(_choice(before, choices)), _text(_choice(after, choices))))
    return found


def _choice(value, choices: dict[str, str]):
    """A stored code (a step, a grade) as the pages name it."""
    return choices.get(str(value), value) if choices and isinstance(value, str | int) else value


def step_moved(entry: AuditEntry) -> tuple[str, str] | None:
    """The steps an act moved a result between, named as the pages name them; None when it moved none."""
    if not (entry.from_status or entry.to_status):
        return None
    model = _models()["annualresult"] if entry.annual_id else _models()["quarterlyresult"]
    choices = {str(value): str(text) for value, text in model._meta.get_field("status").flatchoices}
    return (
        _text(_choice(entry.from_status, choices)),
        _text(_choice(entry.to_status, choices)),
    )


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return "；".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_text(v) for v in value)
    return str(value)
