"""A closed period is read-only, whoever asks and whatever the act: every write service on a quarter's data calls
``periods.guards.ensure_open``.

The walk finds the services by reading the modules, not from a list kept by hand: every public function of every
``services`` module (and of the other modules that write a quarter's rows) that takes a period-scoped object (a
period, or a row that belongs to one: a sheet, a result, an event, a review request…, or a list of them) is either
walked here (called by the one who may make the act on a closed period: refused with the code ``closed``, no row
changed) or named in ``EXEMPT`` with the reason. A new service that is neither fails the first test, so it cannot
forget the guard unnoticed."""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import inspect
import re
import typing
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError

from assessment.models import QuarterlyResult, ReviewRequest
from assessment.quarter import services as quarter
from periods.models import Period
from scoring.models import Event, EventShare, EventStandard, ScoreSheet
from tests import factories

# Modules that write a quarter's rows without being called services.py.
WRITERS_BESIDES_SERVICES = [
    "scoring.monthly",
    "assessment.quarter.places",
    "assessment.year.inputs",
    "assessment.year.history",
]

READS = "reads; writes nothing"

# Whole modules left out of the walk, with the reason.
EXEMPT_MODULES = {
    "assessment.year.services": "the annual roll-up and its chain read the closed quarters: a year is assessed "
    "once its four quarters are closed, and writes only the year's own rows",
    "assessment.year.inputs": "the annual inputs belong to the year, entered once its quarters are closed",
    "assessment.year.history": "the history import stores grades of earlier quarters, closed or from before the "
    "system, as GradeHistory, never in a period's rows",
}

# Functions left out of the walk, with the reason. (A follow-up completed after its quarter, FollowUp.done_on, is
# exempt by the same rule as reopening: talks are held after the quarter closes. No service writes it yet; when one
# does, it belongs here with that reason.)
EXEMPT = {
    "assessment.quarter.services.period_reopen": "reopening is how a closed period changes at all: the "
    "organisation department's audited act",
    "assessment.quarter.services.audit": "the audit trail of every act, reopening included; the acts that call "
    "it are guarded",
    "scoring.services.assessed_by": READS,
    "scoring.services.ensure_with_section": READS,
    "scoring.services.event_places": READS,
    "scoring.services.moved_on": READS,
    "scoring.services.scoring_params": READS,
    "scoring.services.sheets_for_people": READS,
    "scoring.monthly.monthly_template": READS,
    "scoring.monthly.parse_monthly": READS,
    "assessment.quarter.places.good_ratio": READS,
    "assessment.quarter.places.ledger_figures": READS,
    "assessment.quarter.places.places_by_section": READS,
    "assessment.quarter.places.section_places": READS,
    "assessment.quarter.places.section_places_from": READS,
    "assessment.quarter.places.unit_figures": READS,
    "assessment.quarter.places.unit_places": READS,
}

# Every walked service: who makes the act (a name of the cast below, None for a step that takes nobody), and the
# rows of the world that stand for its arguments where the name of the argument is not enough.
OWN = {"result": "own_result"}
WALKED: dict[str, tuple[str | None, dict[str, str]]] = {
    "scoring.services.sheets_open": ("office", {}),
    "scoring.services.sheet_enter": ("office", {}),
    "scoring.services.sheets_enter_section": ("office", {}),
    "scoring.services.sheets_recompute": (None, {}),
    "scoring.services.event_record": ("office", {}),
    "scoring.services.event_declare": ("p0", {}),
    "scoring.services.event_check": ("head", {}),
    "scoring.services.event_return": ("head", {}),
    "scoring.services.event_approve": ("office", {"event": "checked_event"}),
    "scoring.services.event_reject": ("office", {"event": "checked_event"}),
    "scoring.monthly.monthly_import": ("office", {}),
    "assessment.quarter.places.allocate": (None, {}),
    "assessment.quarter.places.ledger_lock": (None, {}),
    "assessment.quarter.services.period_open": ("org", {}),
    "assessment.quarter.services.period_close": ("org", {}),
    "assessment.quarter.services.unit_start": ("office", {}),
    "assessment.quarter.services.work_record_add": ("p0", {}),
    "assessment.quarter.services.summary_submit": ("p0", OWN),
    "assessment.quarter.services.summaries_skip": ("office", {}),
    "assessment.quarter.services.summary_skip": ("office", {}),
    "assessment.quarter.services.proposals_submit": ("head", {}),
    "assessment.quarter.services.result_propose": ("head", {}),
    "assessment.quarter.services.results_review_bulk": ("leader", {}),
    "assessment.quarter.services.result_review": ("leader", {}),
    "assessment.quarter.services.result_return": ("head", {"result": "scoring_result"}),
    "assessment.quarter.services.decisions_record": ("committee", {}),
    "assessment.quarter.services.committee_decide": ("committee", {}),
    "assessment.quarter.services.unit_publish": ("office", {}),
    "assessment.quarter.services.review_request": ("p0", OWN),
    "assessment.quarter.services.review_answer": ("office", {}),
    "assessment.quarter.services.unit_report": ("office", {}),
    "assessment.quarter.services.unit_confirm": ("org", {}),
    "assessment.quarter.services.unit_send_back": ("org", {}),
    "assessment.quarter.services.units_confirm": ("org", {}),
    "assessment.quarter.services.units_send_back": ("org", {}),
    "assessment.quarter.services.feedback_record_bulk": ("office", {}),
    "assessment.quarter.services.feedback_record": ("office", {}),
    "assessment.quarter.services.opinion_record": ("p0", OWN),
}


# Discovery ----------------------------------------------------------------------------------------------------


def _period_scoped_models() -> set[type]:
    """Period, and every model with a foreign key to one of these (a sheet, a result, its review request…)."""
    scoped: set[type] = {Period}
    grown = True
    while grown:
        grown = False
        for model in apps.get_models():
            if model not in scoped and any(
                field.many_to_one and field.related_model in scoped for field in model._meta.concrete_fields
            ):
                scoped.add(model)
                grown = True
    return scoped


SCOPED = _period_scoped_models()


def _mentions_scoped(annotation, namespace: dict, *, inside: bool = False) -> bool:
    """Whether an annotation (a string: the modules use postponed annotations) names a period-scoped model, alone,
    in a container, or as a field of a dataclass it names (a Proposal carries its result)."""
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    for name in re.findall(r"[A-Za-z_]\w*", text):
        found = namespace.get(name)
        if found in SCOPED:
            return True
        if not inside and isinstance(found, type) and dataclasses.is_dataclass(found):
            fields_namespace = vars(importlib.import_module(found.__module__))
            if any(_mentions_scoped(f.type, fields_namespace, inside=True) for f in dataclasses.fields(found)):
                return True
    return False


def _writer_modules() -> list[str]:
    root = Path(settings.BASE_DIR)
    found = [
        ".".join(path.relative_to(root).with_suffix("").parts)
        for app in ("accounts", "units", "periods", "scoring", "assessment", "api", "common")
        for path in sorted((root / app).rglob("services.py"))
    ]
    return found + WRITERS_BESIDES_SERVICES


def _period_scoped_services() -> dict[str, typing.Callable]:
    services = {}
    for module_name in _writer_modules():
        module = importlib.import_module(module_name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != module_name:
                continue
            namespace = inspect.unwrap(function).__globals__
            parameters = inspect.signature(function).parameters.values()
            if any(
                p.annotation is not inspect.Parameter.empty and _mentions_scoped(p.annotation, namespace)
                for p in parameters
            ):
                services[f"{module_name}.{name}"] = function
    return services


SERVICES = _period_scoped_services()


def test_every_service_on_a_periods_data_is_walked_or_exempt_with_a_reason():
    exempt_by_module = {name for name in SERVICES if name.rpartition(".")[0] in EXEMPT_MODULES}
    unclassified = sorted(set(SERVICES) - set(WALKED) - set(EXEMPT) - exempt_by_module)
    assert unclassified == [], (
        "These services take a period-scoped object: make them call periods.guards.ensure_open and add them "
        "to WALKED, or name them in EXEMPT with the reason"
    )
    stale = sorted((set(WALKED) | set(EXEMPT)) - set(SERVICES))
    assert stale == [], "WALKED or EXEMPT names a function that is gone or no longer takes a period-scoped object"
    assert set(EXEMPT_MODULES) <= set(_writer_modules())
    assert all(reason.strip() for reason in [*EXEMPT.values(), *EXEMPT_MODULES.values()])


def test_the_walk_finds_the_services_it_must():
    """The discovery itself is tested: it sees services that take a period, a row of one, or a list of those."""
    assert {
        "scoring.services.sheet_enter",  # a sheet
        "assessment.quarter.services.opinion_record",  # a result
        "assessment.quarter.services.decisions_record",  # a list of Verdict dataclasses, each with its result
        "assessment.quarter.services.review_answer",  # a review request
        "assessment.quarter.places.allocate",  # a period, in a module that is not services.py
    } <= set(SERVICES)
    assert "units.services.person_move" not in SERVICES


# The walk -----------------------------------------------------------------------------------------------------


@pytest.fixture
def world(region, unit, section):
    """An opened quarter with its unit started, a declaration waiting for its check, one checked, a review request;
    then closed. Every row is read afresh after closing, so each carries the closed period."""
    cast = {
        "org": factories.user_with_role("org", region=region, username="org"),
        "office": factories.user_with_role("office", unit=unit, username="office"),
        "leader": factories.user_with_role("principal", unit=unit, username="leader"),
        "committee": factories.user_with_role("committee", unit=unit, username="committee"),
        "head": factories.user_with_role("section_head", section=section, username="head"),
        "p0": factories.UserFactory(username="p0"),
    }
    own = factories.PersonFactory(unit=unit, section=section, user=cast["p0"], name="本人")
    other = factories.PersonFactory(unit=unit, section=section, name="他人")
    year = quarter.year_create(region=region, year=2026, by=cast["org"])
    period = year.periods.get(quarter=1)
    quarter.period_open(period=period, by=cast["org"])
    quarter.unit_start(period=period, unit=unit, by=cast["office"])
    bonus = EventStandard.objects.filter(kind=EventStandard.Kind.BONUS, is_active=True).first()
    declared = Event.objects.create(
        period=period,
        unit=unit,
        matter="申报",
        standard=bonus,
        points=bonus.points,
        evidence="证明",
        declared_by=cast["p0"],
    )
    EventShare.objects.create(event=declared, person=own, points=bonus.points)
    checked = Event.objects.create(
        period=period,
        unit=unit,
        matter="已把关",
        standard=bonus,
        points=bonus.points,
        evidence="证明",
        declared_by=cast["p0"],
        status=Event.Status.CHECKED,
        checked_by=cast["head"],
    )
    EventShare.objects.create(event=checked, person=own, points=bonus.points)
    scoring_result = QuarterlyResult.objects.get(period=period, person=other)
    request = ReviewRequest.objects.create(result=scoring_result, reason="复核")
    QuarterlyResult.objects.filter(pk=scoring_result.pk).update(status=QuarterlyResult.Status.SCORING)
    Period.objects.filter(pk=period.pk).update(status=Period.Status.CLOSED)

    period = Period.objects.select_related("assessment_year__region").get(pk=period.pk)
    results = QuarterlyResult.objects.select_related("period", "person", "unit", "section", "sheet")
    result = results.get(period=period, person=other)
    sheet = ScoreSheet.objects.select_related("period", "person", "unit", "section").get(period=period, person=other)
    return {
        **cast,
        "period": period,
        "unit": unit,
        "units": [unit],
        "section": section,
        "result": result,
        "results": [result],
        "own_result": results.get(period=period, person=own),
        "scoring_result": result,
        "sheet": sheet,
        "sheets": [sheet],
        "event": Event.objects.get(pk=declared.pk),
        "checked_event": Event.objects.get(pk=checked.pk),
        "request": ReviewRequest.objects.get(pk=request.pk),
        "standard": bonus,
        "shares": [(other, bonus.points)],
        "proposals": [quarter.Proposal(result=result, grade="较好", comment="称职")],
        "verdicts": [quarter.Verdict(result=result, grade="较好")],
        "grade": "较好",
        "method": "talk",
    }


def _argument(parameter: inspect.Parameter, world: dict, chosen: dict[str, str]):
    """The world's row for an argument: by the walk's choice, by the argument's name, else by its type."""
    if parameter.name in chosen:
        return world[chosen[parameter.name]]
    if parameter.name in world:
        return world[parameter.name]
    annotation = str(parameter.annotation)
    simple = {
        "str": "理由",
        "bytes": b"",
        "Decimal": Decimal("1"),
        "bool": False,
        "int": 1,
        "datetime.date": datetime.date(2026, 2, 2),
    }
    for kind, value in simple.items():
        if annotation.split(" ")[0] == kind:
            return value
    if annotation.startswith(("Mapping", "dict")):
        return {}
    if annotation.startswith(("Sequence", "list", "Iterable")):
        return []
    raise AssertionError(f"no argument for {parameter.name}: {annotation}; add it to the world")


def _rows() -> dict[str, list]:
    """Every row of the apps that hold people's assessment data, as plain values."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for app in ("units", "periods", "scoring", "assessment", "accounts")
        for model in apps.get_app_config(app).get_models()
    }


@pytest.mark.parametrize("name", sorted(WALKED))
def test_a_write_on_a_closed_period_is_refused_and_changes_nothing(name, world):
    function = SERVICES[name]
    who, chosen = WALKED[name]
    kwargs = {}
    for parameter in inspect.signature(function).parameters.values():
        if parameter.name == "by":
            kwargs["by"] = world[who] if who else None
        elif parameter.default is inspect.Parameter.empty:
            kwargs[parameter.name] = _argument(parameter, world, chosen)
    before = _rows()
    with pytest.raises(ValidationError) as refused:
        function(**kwargs)
    assert [error.code for error in refused.value.error_list] == ["closed"], refused.value.messages
    assert "已关闭" in refused.value.messages[0]
    assert _rows() == before
