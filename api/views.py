"""The REST API, version 1: thin views over the selectors (reads) and services (writes).

Every queryset comes from a selector scoped to the caller, so a row outside the caller's roles is simply
not found: lists leave it out, details answer 404 (logged, as in the browser).
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.defaults import page_not_found
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api import filters, parsers, serializers
from api import selectors as api_selectors
from api.filters import MAX_ID
from assessment.analytics import selectors as analytics_selectors
from assessment.models import AnnualAppeal, AnnualResult, QuarterlyResult, RegisterExport
from assessment.quarter import selectors as quarter_selectors
from assessment.quarter import services as quarter_services
from assessment.registers import selectors as register_selectors
from assessment.registers import services as register_services
from assessment.registers.export import Request as RegisterRequest
from assessment.year import selectors as year_selectors
from assessment.year import services as year_services
from assessment.year.history import history_import
from common import workbooks
from common.refusals import log_refusal, not_found
from periods import selectors as periods_selectors
from periods.models import AssessmentYear, Period
from scoring import monthly as scoring_monthly
from scoring import selectors as scoring_selectors
from scoring import services as scoring_services
from scoring.models import EventStandard, ScoreEntry
from units import selectors as units_selectors
from units.permissions import Action


class ScopedViewSet(viewsets.ReadOnlyModelViewSet):
    """A read-only list and detail over a selector's queryset; ``lookup`` is always the integer id."""

    lookup_value_regex = r"[0-9]+"
    what = "row"

    def selected(self):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is built without a user
            return self.serializer_class.Meta.model.objects.none()
        return self.selected()

    def get_object(self):
        try:
            if int(self.kwargs[self.lookup_field]) > MAX_ID:
                raise Http404
            return super().get_object()
        except Http404:
            log_refusal(self.request.user, f"api_{self.what}_detail", f"{self.what}={self.kwargs.get('pk')}")
            raise


def described(list_description):
    return extend_schema_view(
        list=extend_schema(description=list_description),
        retrieve=extend_schema(description=_("One row; 404 when it is outside what your roles cover.")),
    )


# Writes ---------------------------------------------------------------------------------------------------

UNKNOWN = _("Unknown, or outside what your roles cover.")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def validated(input_class, data) -> dict:
    """The input checked for shape (400 naming each field); the services decide the rest."""
    serializer = input_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def pick(queryset, pk: int, field: str):
    """The row ``pk`` of a scoped queryset named in the body: 400 naming ``field`` when the caller cannot see
    it, in the same words as when it does not exist (nothing is told about another unit's rows)."""
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise exceptions.ValidationError({field: [UNKNOWN]})
    return row


def acted(description, request=None, responses=None, **kwargs):
    """The schema of a write: its input and its answer (the refusals are added to every write by
    ``api.schema``, 409 included)."""
    return extend_schema(description=description, request=request, responses=responses, **kwargs)


ACTION = {"filter_backends": [], "pagination_class": None}


class ActingViewSet(ScopedViewSet):
    """A scoped viewset whose detail actions call one service on the row and answer the row as it is now.

    The row comes from the caller's scope (404 outside it); the service authorises the act itself (403)."""

    def act(self, input_class, service, key: str):
        row = self.get_object()
        data = validated(input_class, self.request.data)
        service(**{key: row}, by=self.request.user, **data)
        fresh = self.selected().filter(pk=row.pk).first() or row
        return Response(self.get_serializer(fresh).data)


@described(_("The units your roles cover, whole or in part."))
class UnitViewSet(ScopedViewSet):
    serializer_class = serializers.UnitSerializer
    filterset_class = filters.UnitFilter
    ordering_fields = ["code", "name", "order", "id"]
    ordering = ["region_id", "order", "code"]
    what = "unit"

    def selected(self):
        return units_selectors.units_visible_to(user=self.request.user)


@described(_("The sections your roles cover."))
class SectionViewSet(ScopedViewSet):
    serializer_class = serializers.SectionSerializer
    filterset_class = filters.SectionFilter
    ordering_fields = ["name", "order", "id", "unit"]
    ordering = ["unit_id", "order", "id"]
    what = "section"

    def selected(self):
        return units_selectors.sections_visible_to(user=self.request.user)


@described(_("The people your roles cover, and your own record; ID numbers masked."))
class PersonViewSet(ScopedViewSet):
    serializer_class = serializers.PersonSerializer
    filterset_class = filters.PersonFilter
    ordering_fields = ["name", "post_order", "id", "unit"]
    ordering = ["unit_id", "post_order", "id"]
    what = "person"

    def selected(self):
        return units_selectors.people_visible_to(user=self.request.user)


@described(_("The placements of the people you may see."))
class PlacementViewSet(ScopedViewSet):
    serializer_class = serializers.PlacementSerializer
    filterset_class = filters.PlacementFilter
    ordering_fields = ["start_date", "end_date", "id"]
    ordering = ["person_id", "start_date", "id"]
    what = "placement"

    def selected(self):
        return units_selectors.placements_visible_to(user=self.request.user)


@described(_("The periods of the regions in which you see a unit."))
class PeriodViewSet(ScopedViewSet):
    serializer_class = serializers.PeriodSerializer
    filterset_class = filters.PeriodFilter
    ordering_fields = ["quarter", "id"]
    ordering = ["-assessment_year__year", "quarter", "id"]
    what = "period"

    def selected(self):
        return periods_selectors.periods_visible_to(user=self.request.user)


@described(_("The score sheets your roles cover, with their entries."))
class ScoreSheetViewSet(ScopedViewSet):
    serializer_class = serializers.ScoreSheetSerializer
    filterset_class = filters.ScoreSheetFilter
    ordering_fields = ["total", "id", "person", "version"]
    ordering = ["period_id", "unit_id", "section_id", "person__post_order", "person_id"]
    what = "sheet"

    def selected(self):
        return scoring_selectors.sheets_visible_to(user=self.request.user).prefetch_related(entries_prefetch())


def entries_prefetch():
    from django.db.models import Prefetch

    return Prefetch("entries", queryset=ScoreEntry.objects.select_related("item").order_by("item__order", "item_id"))


@described(_("The quarterly results your roles cover."))
class QuarterlyResultViewSet(ActingViewSet):
    serializer_class = serializers.QuarterlyResultSerializer
    filterset_class = filters.QuarterlyResultFilter
    ordering_fields = ["id", "person", "status", "final_grade"]
    ordering = ["period_id", "unit_id", "section_id", "person__post_order", "person_id"]
    what = "result"

    def selected(self):
        return quarter_selectors.results_visible_to(user=self.request.user)

    @acted(
        _(
            "The section head proposes a grade with the review comment (评鉴), and may nominate for 好 within the "
            "section's places. The result goes to the leaders."
        ),
        request=serializers.ProposeInput,
        responses={200: serializers.QuarterlyResultSerializer},
    )
    @action(detail=True, methods=["post"], **ACTION)
    def propose(self, request, pk=None):
        return self.act(serializers.ProposeInput, quarter_services.result_propose, "result")

    @acted(
        _("A leader approves the proposal; the result goes to the committee."),
        request=serializers.ReviewInput,
        responses={200: serializers.QuarterlyResultSerializer},
    )
    @action(detail=True, methods=["post"], **ACTION)
    def review(self, request, pk=None):
        return self.act(serializers.ReviewInput, quarter_services.result_review, "result")

    @acted(
        _(
            "Send the result back one step for correction, with the reason; the step's nomination or decision "
            "is undone."
        ),
        request=serializers.ReturnInput,
        responses={200: serializers.QuarterlyResultSerializer},
        operation_id="results_return",
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return", **ACTION)
    def send_back(self, request, pk=None):
        return self.act(serializers.ReturnInput, quarter_services.result_return, "result")

    @acted(
        _("The committee decides the final grade; every 好 takes one of the unit's places."),
        request=serializers.DecideInput,
        responses={200: serializers.QuarterlyResultSerializer},
    )
    @action(detail=True, methods=["post"], **ACTION)
    def decide(self, request, pk=None):
        return self.act(serializers.DecideInput, quarter_services.committee_decide, "result")

    @acted(
        _(
            "The office moves a result without a summary in the system (a paper summary, leave) on to its "
            "section's scoring, with the reason."
        ),
        request=serializers.SkipSummaryInput,
        responses={200: serializers.QuarterlyResultSerializer},
    )
    @action(detail=True, methods=["post"], url_path="skip-summary", url_name="skip-summary", **ACTION)
    def skip_summary(self, request, pk=None):
        return self.act(serializers.SkipSummaryInput, quarter_services.summary_skip, "result")


@extend_schema_view(
    post=acted(
        _(
            "A person submits their own quarterly summary for a period; the result moves on to the section's "
            "scoring. Nobody submits another's."
        ),
        request=serializers.SummaryInput,
        responses={200: serializers.SummaryOutput},
        operation_id="summary_submit",
    )
)
class SummaryView(generics.GenericAPIView):
    """``/summaries/``: the caller's own result is found from the period; there is no one else's to name."""

    serializer_class = serializers.SummaryOutput
    pagination_class = None
    filter_backends = []

    def post(self, request):
        data = validated(serializers.SummaryInput, request.data)
        period = pick(quarter_selectors.own_periods(user=request.user), data["period"], "period")
        result = quarter_selectors.own_result(user=request.user, period=period)
        if result is None:
            raise exceptions.ValidationError({"period": [_("You have no result in this period yet.")]})
        done = quarter_services.summary_submit(result=result, summary=data["summary"], by=request.user)
        return Response({"result": done.pk, "status": done.status})


@described(_("The quota ledgers of the units and sections your roles cover."))
class QuotaLedgerViewSet(ScopedViewSet):
    serializer_class = serializers.QuotaLedgerSerializer
    filterset_class = filters.QuotaLedgerFilter
    ordering_fields = ["id", "places", "participants"]
    ordering = ["period_id", "unit_id", "section_id", "id"]
    what = "ledger"

    def selected(self):
        return quarter_selectors.ledgers_visible_to(user=self.request.user)


@described(_("The annual results your roles cover, and your own once final."))
class AnnualResultViewSet(ActingViewSet):
    serializer_class = serializers.AnnualResultSerializer
    filterset_class = filters.AnnualResultFilter
    ordering_fields = ["id", "person", "status", "annual_score", "final_grade"]
    ordering = ["-assessment_year__year", "unit_id", "section_id", "person__post_order", "person_id"]
    what = "annual"

    def selected(self):
        user = self.request.user
        covered = year_selectors.annual_results_visible_to(user=user).values("pk")
        own = year_selectors.own_annual_results(user=user).values("pk")
        return AnnualResult.objects.filter(Q(pk__in=covered) | Q(pk__in=own)).select_related(
            "person", "unit", "section", "assessment_year"
        )

    @acted(
        _(
            "A leader proposes the annual grade with the appraisal (领导提名); a grade that differs from the "
            "suggestion needs its reason, and every 优秀 takes one of the unit's places. The result goes to the "
            "committee."
        ),
        request=serializers.AnnualProposeInput,
        responses={200: serializers.AnnualResultSerializer},
        operation_id="annual_results_propose",
    )
    @action(detail=True, methods=["post"], **ACTION)
    def propose(self, request, pk=None):
        return self.act(serializers.AnnualProposeInput, year_services.annual_result_propose, "result")

    @acted(
        _(
            "The committee decides the annual grade within the unit's places of 优秀; a grade that differs from "
            "the suggestion needs its reason."
        ),
        request=serializers.AnnualDecideInput,
        responses={200: serializers.AnnualResultSerializer},
        operation_id="annual_results_decide",
    )
    @action(detail=True, methods=["post"], **ACTION)
    def decide(self, request, pk=None):
        return self.act(serializers.AnnualDecideInput, year_services.annual_result_decide, "result")

    @acted(
        _(
            "The person acknowledges the written notice of their own final annual result (签收), once; nobody "
            "acknowledges another's. Their right to a review and an appeal is not affected."
        ),
        request=None,
        responses={200: serializers.AnnualResultSerializer},
        operation_id="annual_results_acknowledge",
    )
    @action(detail=True, methods=["post"], **ACTION)
    def acknowledge(self, request, pk=None):
        return self.act(serializers.NoInput, year_services.notice_acknowledge, "result")

    def ask(self, service):
        """The person's own request on their final result; answers the request made."""
        row = self.get_object()
        data = validated(serializers.AnnualAskInput, self.request.data)
        made = service(result=row, by=self.request.user, **data)
        return Response(serializers.AnnualAppealSerializer(made).data, status=201)

    @acted(
        _(
            "The person asks their unit for a review (复核) of their own final annual result, with the reason, "
            "within the days the year allows after the notice; the unit's committee answers it."
        ),
        request=serializers.AnnualAskInput,
        responses={201: serializers.AnnualAppealSerializer},
        operation_id="annual_results_review",
    )
    @action(detail=True, methods=["post"], **ACTION)
    def review(self, request, pk=None):
        return self.ask(year_services.annual_review_request)

    @acted(
        _(
            "After the review's answer, the person appeals (申诉) to the organisation department, with the reason, "
            "within the days the year allows; the organisation department decides it."
        ),
        request=serializers.AnnualAskInput,
        responses={201: serializers.AnnualAppealSerializer},
        operation_id="annual_results_appeal",
    )
    @action(detail=True, methods=["post"], **ACTION)
    def appeal(self, request, pk=None):
        return self.ask(year_services.annual_appeal_request)


@described(_("The reviews (复核) and appeals (申诉) of the annual results your roles cover, and your own."))
class AnnualAppealViewSet(ActingViewSet):
    serializer_class = serializers.AnnualAppealSerializer
    filterset_class = None
    ordering_fields = ["id", "requested_on", "answer_due"]
    ordering = ["answer_due", "id"]
    what = "annual_appeal"

    def selected(self):
        user = self.request.user
        covered = year_selectors.annual_results_visible_to(user=user).values("pk")
        own = Q(result__person__user_id=user.pk) if user.is_authenticated else Q(pk__in=[])
        return AnnualAppeal.objects.filter(Q(result_id__in=covered) | own).select_related("result__assessment_year")

    @acted(
        _(
            "The unit's committee answers a review (复核) within its deadline; a changed grade passes the same "
            "rules and places as a decision."
        ),
        request=serializers.AnnualAnswerInput,
        responses={200: serializers.AnnualAppealSerializer},
    )
    @action(detail=True, methods=["post"], **ACTION)
    def answer(self, request, pk=None):
        return self.act(serializers.AnnualAnswerInput, year_services.annual_review_answer, "appeal")

    @acted(
        _(
            "The organisation department decides an appeal (申诉) within its deadline; a changed grade passes the "
            "same rules and places as a decision."
        ),
        request=serializers.AnnualAnswerInput,
        responses={200: serializers.AnnualAppealSerializer},
    )
    @action(detail=True, methods=["post"], **ACTION)
    def decide(self, request, pk=None):
        return self.act(serializers.AnnualAnswerInput, year_services.annual_appeal_decide, "appeal")


class SectionScoresView(generics.GenericAPIView):
    """Bulk score entry for one section of one period."""

    serializer_class = serializers.SheetScoresInput
    pagination_class = None
    filter_backends = []

    @extend_schema(
        operation_id="section_scores_enter",
        description=_(
            "Enter the points of many score sheets of one section at once. The whole request is checked and "
            "saved in one transaction: one invalid row refuses everything, and the answer names each problem "
            "as [row].entries.<item id>, [row].version or [row].sheet."
        ),
        request=serializers.SheetScoresInput(many=True),
        responses={200: serializers.BulkScoresResult},
    )
    def post(self, request, period_pk: int, section_pk: int):
        user = request.user
        if max(period_pk, section_pk) > MAX_ID:
            raise not_found(request, "api_section_scores", f"period={period_pk} section={section_pk}")
        period = periods_selectors.periods_visible_to(user=user).filter(pk=period_pk).first()
        if period is None:
            raise not_found(request, "api_section_scores", f"period={period_pk}")
        section = (
            units_selectors.sections_visible_to(user=user)
            .filter(pk=section_pk, unit__region_id=period.assessment_year.region_id)
            .first()
        )
        if section is None:
            raise not_found(request, "api_section_scores", f"section={section_pk}")
        rows = serializers.SheetScoresInput(data=request.data, many=True, allow_empty=False)
        rows.is_valid(raise_exception=True)
        saved = scoring_services.sheets_enter_section(
            period=period,
            section=section,
            rows=[
                scoring_services.SheetScores(sheet_id=row["sheet"], version=row["version"], values=row["entries"])
                for row in rows.validated_data
            ],
            by=user,
        )
        sheets = scoring_selectors.sheets_visible_to(user=user, period=period).filter(pk__in=[s.pk for s in saved])
        sheets = sheets.prefetch_related(entries_prefetch()).order_by("person__post_order", "person_id")
        return Response(serializers.BulkScoresResult({"saved": len(saved), "sheets": list(sheets)}).data)


@described(_("The monthly performance scores (月度绩效) of the people your roles cover."))
class MonthlyScoreViewSet(ScopedViewSet):
    serializer_class = serializers.MonthlyScoreSerializer
    filterset_class = filters.MonthlyScoreFilter
    ordering_fields = ["id", "month", "score", "person"]
    ordering = ["person_id", "year", "month"]
    what = "monthly_score"

    def selected(self):
        return api_selectors.monthly_scores_visible_to(user=self.request.user)


@described(_("The monthly performance files imported: your own, and those of the units you import for."))
class MonthlyImportViewSet(ScopedViewSet):
    serializer_class = serializers.MonthlyImportSerializer
    filterset_class = filters.MonthlyImportFilter
    ordering_fields = ["id", "imported_at"]
    ordering = ["-imported_at", "-id"]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]
    what = "monthly_import"

    def selected(self):
        return api_selectors.monthly_imports_visible_to(user=self.request.user)

    @acted(
        _(
            "Import a monthly performance workbook (.xlsx, the template of the browser) for one period, all or "
            "nothing: a file with any bad row saves nothing, and the answer lists its first problems in errors, each "
            "with its row, column and message, and how many there are in errors_total."
        ),
        request={"multipart/form-data": serializers.MonthlyUploadInput},
        responses={201: serializers.MonthlyImportSerializer},
        operation_id="monthly_imports_create",
    )
    def create(self, request):
        user = request.user
        data = validated(serializers.MonthlyUploadInput, request.data)
        period = pick(periods_selectors.periods_visible_to(user=user), data["period"], "period")
        unit = None
        if "unit" in data:
            units = units_selectors.units_visible_to(user=user).filter(region_id=period.assessment_year.region_id)
            unit = units.filter(code=data["unit"]).first()
            if unit is None:
                raise exceptions.ValidationError({"unit": [UNKNOWN]})
        upload = data["file"]
        try:
            batch = scoring_monthly.monthly_import(
                content=uploaded(upload), file_name=upload.name, period=period, by=user, unit=unit
            )
        except workbooks.ImportRefused as refused:
            return refused_import(refused)
        return Response(self.get_serializer(batch).data, status=status.HTTP_201_CREATED)


def uploaded(upload) -> bytes:
    """An uploaded file's content, or ImportRefused if it is larger than any import reads."""
    workbooks.check_upload_size(upload.size)
    return upload.read()


def refused_import(refused: workbooks.ImportRefused) -> Response:
    """A refused file: 400, with its first problems (IMPORT_ERRORS_SHOWN) named by row, column and message, and
    how many there are in all: 50,000 unknown people answer in a few kilobytes, not megabytes."""
    return Response(
        {"detail": str(refused), "code": "import_refused", **workbooks.ShownErrors(refused.errors).as_data()},
        status=status.HTTP_400_BAD_REQUEST,
    )


@described(_("The grades imported from before the system (历史等次) of the people your roles cover, and your own."))
class GradeHistoryViewSet(ScopedViewSet):
    serializer_class = serializers.GradeHistorySerializer
    filterset_class = filters.GradeHistoryFilter
    ordering_fields = ["id", "year", "imported_at"]
    ordering = ["person_id", "year", "quarter", "id"]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]
    what = "grade_history"

    def selected(self):
        return api_selectors.grade_history_visible_to(user=self.request.user)

    @acted(
        _(
            "The organisation department imports its region's grades from before the system (earlier years' annual "
            "grades, the quarters before the first live one) from a workbook (.xlsx, the template of the browser), "
            "all or nothing: a file with any bad row saves nothing, and the answer lists its first problems in errors, "
            "each with its row, column and message, and how many there are in errors_total. Importing the same file "
            "again changes nothing."
        ),
        request={"multipart/form-data": serializers.HistoryUploadInput},
        responses={201: serializers.HistoryImported},
        operation_id="grade_history_import",
    )
    def create(self, request):
        user = request.user
        data = validated(serializers.HistoryUploadInput, request.data)
        region = pick(api_selectors.regions_visible_to(user=user), data["region"], "region")
        upload = data["file"]
        try:
            done = history_import(content=uploaded(upload), file_name=upload.name, region=region, by=user)
        except workbooks.ImportRefused as refused:
            return refused_import(refused)
        return Response(serializers.HistoryImported(done).data, status=status.HTTP_201_CREATED)


def standards_for(period: Period):
    return EventStandard.objects.filter(Q(region__isnull=True) | Q(region_id=period.assessment_year.region_id))


@described(_("The bonus and deduction events of the units your roles cover whole, and your own declarations."))
class EventViewSet(ActingViewSet):
    serializer_class = serializers.EventSerializer
    filterset_class = filters.EventFilter
    ordering_fields = ["id", "declared_at", "points"]
    ordering = ["period_id", "unit_id", "-declared_at", "-id"]
    what = "event"

    def selected(self):
        return api_selectors.events_visible_to(user=self.request.user)

    @acted(
        _("The office records an event for people of its unit; it counts at once."),
        request=serializers.EventRecordInput,
        responses={201: serializers.EventSerializer},
    )
    def create(self, request):
        user = request.user
        data = validated(serializers.EventRecordInput, request.data)
        period = pick(periods_selectors.periods_visible_to(user=user), data["period"], "period")
        region_id = period.assessment_year.region_id
        unit = pick(units_selectors.units_visible_to(user=user).filter(region_id=region_id), data["unit"], "unit")
        standard = pick(standards_for(period), data["standard"], "standard")
        people = units_selectors.people_visible_to(user=user).in_bulk([share["person"] for share in data["shares"]])
        unknown = {
            f"shares[{index}].person": [UNKNOWN]
            for index, share in enumerate(data["shares"])
            if share["person"] not in people
        }
        if unknown:
            raise exceptions.ValidationError(unknown)
        event = scoring_services.event_record(
            period=period,
            unit=unit,
            matter=data["matter"],
            standard=standard,
            evidence=data["evidence"],
            shares=[(people[share["person"]], share["points"]) for share in data["shares"]],
            points=data.get("points"),
            by=user,
        )
        return Response(self.get_serializer(self.selected().get(pk=event.pk)).data, status=status.HTTP_201_CREATED)

    @acted(
        _("A person declares a bonus item of their own; it counts once the office approves it."),
        request=serializers.EventDeclareInput,
        responses={201: serializers.EventSerializer},
    )
    @action(detail=False, methods=["post"], **ACTION)
    def declare(self, request):
        user = request.user
        person = getattr(user, "person", None)
        if person is None:
            log_refusal(user, "api_event_declare", "no person")
            raise exceptions.PermissionDenied(_("Only a person being assessed can declare a bonus item."))
        data = validated(serializers.EventDeclareInput, request.data)
        periods = Period.objects.filter(assessment_year__region_id=person.unit.region_id)
        period = pick(periods.select_related("assessment_year"), data["period"], "period")
        standard = pick(standards_for(period), data["standard"], "standard")
        event = scoring_services.event_declare(
            period=period, matter=data["matter"], standard=standard, evidence=data["evidence"], by=user
        )
        return Response(self.get_serializer(self.selected().get(pk=event.pk)).data, status=status.HTTP_201_CREATED)

    @acted(
        _("The head of the person's section checks a declaration (把关) and passes it to the office."),
        request=serializers.EventCheckInput,
        responses={200: serializers.EventSerializer},
    )
    @action(detail=True, methods=["post"], url_path="check", url_name="check", **ACTION)
    def check_declaration(self, request, pk=None):
        return self.act(serializers.EventCheckInput, scoring_services.event_check, "event")

    @acted(
        _("The head of the person's section returns a declaration, saying why; it ends there."),
        request=serializers.EventReturnInput,
        responses={200: serializers.EventSerializer},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return", **ACTION)
    def return_declaration(self, request, pk=None):
        return self.act(serializers.EventReturnInput, scoring_services.event_return, "event")

    @acted(
        _("The office approves a declaration the section has checked; the people's sheets are recomputed."),
        request=serializers.EventApproveInput,
        responses={200: serializers.EventSerializer},
    )
    @action(detail=True, methods=["post"], **ACTION)
    def approve(self, request, pk=None):
        return self.act(serializers.EventApproveInput, scoring_services.event_approve, "event")

    @acted(
        _("The office rejects a declaration the section has checked, saying why."),
        request=serializers.EventRejectInput,
        responses={200: serializers.EventSerializer},
    )
    @action(detail=True, methods=["post"], **ACTION)
    def reject(self, request, pk=None):
        return self.act(serializers.EventRejectInput, scoring_services.event_reject, "event")


class UnitActView(generics.GenericAPIView):
    """An act on all the results of one unit in one period: ``/periods/{id}/units/{code}/<act>/``."""

    serializer_class = serializers.Moved
    pagination_class = None
    filter_backends = []
    input_class = serializers.NoInput
    what = "unit_act"

    def service(self, **kwargs) -> int:
        raise NotImplementedError

    def post(self, request, period_pk: int, code: str):
        user = request.user
        if period_pk > MAX_ID:
            raise not_found(request, f"api_{self.what}", f"period={period_pk}")
        period = periods_selectors.periods_visible_to(user=user).filter(pk=period_pk).first()
        if period is None:
            raise not_found(request, f"api_{self.what}", f"period={period_pk}")
        unit = (
            units_selectors.units_visible_to(user=user)
            .filter(code=code, region_id=period.assessment_year.region_id)
            .first()
        )
        if unit is None:
            raise not_found(request, f"api_{self.what}", f"unit={code}")
        data = validated(self.input_class, request.data)
        return Response({"moved": self.service(period=period, unit=unit, by=user, **data)})


@extend_schema_view(
    post=acted(
        _("The office publishes the unit's decided results for the publicity days (公示)."),
        responses={200: serializers.Moved},
        operation_id="unit_publish",
    )
)
class UnitPublishView(UnitActView):
    what = "unit_publish"

    def service(self, **kwargs) -> int:
        return quarter_services.unit_publish(**kwargs)


@extend_schema_view(
    post=acted(
        _("After publicity, the office reports the unit's results to the organisation department."),
        responses={200: serializers.Moved},
        operation_id="unit_report",
    )
)
class UnitReportView(UnitActView):
    what = "unit_report"

    def service(self, **kwargs) -> int:
        return quarter_services.unit_report(**kwargs)


@extend_schema_view(
    post=acted(
        _("The organisation department confirms (核准) the unit's reported results; they become final."),
        responses={200: serializers.Moved},
        operation_id="unit_confirm",
    )
)
class UnitConfirmView(UnitActView):
    what = "unit_confirm"

    def service(self, **kwargs) -> int:
        return quarter_services.unit_confirm(**kwargs)


@extend_schema_view(
    post=acted(
        _("The organisation department sends the unit's reported results back to its committee, with the reason."),
        request=serializers.SendBackInput,
        responses={200: serializers.Moved},
        operation_id="unit_send_back",
    )
)
class UnitSendBackView(UnitActView):
    input_class = serializers.SendBackInput
    what = "unit_send_back"

    def service(self, **kwargs) -> int:
        return quarter_services.unit_send_back(**kwargs)


class YearUnitActView(generics.GenericAPIView):
    """An act on all the annual results of one unit in one year: ``/years/{id}/units/{code}/<act>/``."""

    serializer_class = serializers.Moved
    pagination_class = None
    filter_backends = []
    input_class = serializers.NoInput
    what = "annual_unit_act"
    service = None  # each act's view (_year_act) names the year's service it calls

    def post(self, request, year_pk: int, code: str):
        user = request.user
        regions = units_selectors.units_visible_to(user=user).values("region_id")
        year = AssessmentYear.objects.filter(pk=year_pk, region_id__in=regions).first() if year_pk <= MAX_ID else None
        if year is None:
            raise not_found(request, f"api_{self.what}", f"year={year_pk}")
        unit = units_selectors.units_visible_to(user=user).filter(code=code, region_id=year.region_id).first()
        if unit is None:
            raise not_found(request, f"api_{self.what}", f"unit={code}")
        data = validated(self.input_class, request.data)
        return Response({"moved": self.service(assessment_year=year, unit=unit, by=user, **data)})


def _year_act(name: str, description, service, input_class=serializers.NoInput):
    view = type(
        f"Year{name.title().replace('-', '')}View",
        (YearUnitActView,),
        {"what": f"annual_{name.replace('-', '_')}", "input_class": input_class, "service": staticmethod(service)},
    )
    return extend_schema_view(
        post=acted(
            description,
            request=None if input_class is serializers.NoInput else input_class,
            responses={200: serializers.Moved},
            operation_id=f"annual_unit_{name.replace('-', '_')}",
        )
    )(view)


YEAR_UNIT_ACTS = {
    "publish": _year_act(
        "publish",
        _("The office publishes the unit's decided annual results (公示), the 优秀 with their quarterly grades."),
        lambda **kw: year_services.annual_publish(**kw),
    ),
    "report": _year_act(
        "report",
        _("After publicity, the office reports the unit's annual results to the organisation department."),
        lambda **kw: year_services.annual_report(**kw),
    ),
    "confirm": _year_act(
        "confirm",
        _("The organisation department confirms (核准) the unit's annual results; the notices are written."),
        lambda **kw: year_services.annual_confirm(**kw),
    ),
    "send-back": _year_act(
        "send-back",
        _("The organisation department sends the unit's annual results back to its committee, with the reason."),
        lambda **kw: year_services.annual_send_back(**kw),
        serializers.SendBackInput,
    ),
}


@described(_("The review requests (复核) on the results your roles cover, and your own."))
class ReviewRequestViewSet(ActingViewSet):
    serializer_class = serializers.ReviewRequestSerializer
    filterset_class = filters.ReviewRequestFilter
    ordering_fields = ["id", "requested_at"]
    ordering = ["-requested_at", "-id"]
    what = "review_request"

    def selected(self):
        return api_selectors.review_requests_visible_to(user=self.request.user)

    @acted(
        _("During publicity, a person asks for a review of their own result."),
        request=serializers.ReviewRequestInput,
        responses={201: serializers.ReviewRequestSerializer},
    )
    def create(self, request):
        user = request.user
        data = validated(serializers.ReviewRequestInput, request.data)
        own = api_selectors.results_for_request(user=user).values("pk")
        covered = quarter_selectors.results_visible_to(user=user).values("pk")
        results = QuarterlyResult.objects.filter(Q(pk__in=own) | Q(pk__in=covered)).select_related("person")
        result = pick(results, data["result"], "result")
        asked = quarter_services.review_request(result=result, reason=data["reason"], by=user)
        return Response(self.get_serializer(self.selected().get(pk=asked.pk)).data, status=status.HTTP_201_CREATED)

    @acted(
        _("The office answers a review request; a changed grade goes through the same checks and places."),
        request=serializers.ReviewAnswerInput,
        responses={200: serializers.ReviewRequestSerializer},
    )
    @action(detail=True, methods=["post"], **ACTION)
    def answer(self, request, pk=None):
        return self.act(serializers.ReviewAnswerInput, quarter_services.review_answer, "request")


@described(_("The register exports you asked for that are still kept, with their progress."))
class RegisterExportViewSet(ScopedViewSet):
    serializer_class = serializers.RegisterExportSerializer
    filterset_class = filters.RegisterExportFilter
    ordering_fields = ["id", "requested_at"]
    ordering = ["-requested_at", "-id"]
    what = "register_export"

    def selected(self):
        return api_selectors.register_exports_visible_to(user=self.request.user)

    @acted(
        _(
            "Ask for a register: of one unit (unit) or of a whole region (region, the organisation department). It "
            "is built in the background; follow its progress, then download its file."
        ),
        request=serializers.RegisterExportInput,
        responses={202: serializers.RegisterExportSerializer},
    )
    def create(self, request):
        user = request.user
        data = validated(serializers.RegisterExportInput, request.data)
        unit = None
        if "unit" in data:
            unit = units_selectors.units_visible_to(user=user, action=Action.EXPORT).filter(code=data["unit"]).first()
            if unit is None:
                raise exceptions.ValidationError({"unit": [UNKNOWN]})
            region_id = unit.region_id
        else:
            region_id = data["region"]
            if not register_selectors.may_export_region(user, region_id):
                log_refusal(user, "api_register_export", f"region={region_id}")
                raise exceptions.PermissionDenied(
                    _("Only the organisation department exports the registers of a whole region.")
                )
        year = AssessmentYear.objects.filter(region_id=region_id, year=data["year"]).select_related("region").first()
        if year is None:
            raise exceptions.ValidationError({"year": [UNKNOWN]})
        job = register_services.register_export_request(
            request=RegisterRequest(kind=data["kind"], assessment_year=year, quarter=data.get("quarter"), unit=unit),
            by=user,
        )
        return Response(self.get_serializer(self.selected().get(pk=job.pk)).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        description=_(
            "The file of a finished export. Your roles are checked again: someone who lost them since the export "
            "does not take the file away (404)."
        ),
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], **ACTION)
    def file(self, request, pk=None):
        job = self.get_object()
        expired = job.expires_at is not None and job.expires_at < timezone.now()
        if job.status != RegisterExport.Status.DONE or not job.file or expired:
            raise not_found(request, "api_register_export_file", f"export={job.pk} status={job.status}")
        if not register_selectors.may_export(request.user, job):
            raise not_found(request, "api_register_export_file", f"export={job.pk} no longer in scope")
        response = FileResponse(job.file.open("rb"), content_type=XLSX)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(job.file_name)}"
        return response


def not_found_json(request, exception):
    """Django's 404 for an address no view matches: JSON under /api/ (e.g. a negative id), HTML elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(_("Not found.")), "code": "not_found"}, status=404)
    return page_not_found(request, exception)


# The fairness analytics ----------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        description=_(
            "The fairness analytics of an assessment year over its closed quarters: the organisation department's "
            "whole region, an office's own units. 404 for anybody else. Nothing here changes a grade."
        ),
        operation_id="fairness_retrieve",
    )
)
class FairnessView(generics.GenericAPIView):
    serializer_class = serializers.FairnessSerializer
    pagination_class = None
    filter_backends = []

    def get(self, request, year_pk: int):
        year = AssessmentYear.objects.select_related("region").filter(pk=year_pk).first() if year_pk <= MAX_ID else None
        units = analytics_selectors.analytics_units_for(user=request.user, assessment_year=year) if year else None
        if not units:
            log_refusal(request.user, "api_fairness", f"year={year_pk}")
            raise Http404
        report = analytics_selectors.fairness_report(assessment_year=year)
        if {u.pk for u in units} < {u.pk for u in report.units}:
            report = report.for_units(units)
        return Response(self.get_serializer(report).data)


def bad_request_explained(request, exception):
    """Django's 400, said in words: JSON under /api/, a page elsewhere. A request whose form fields (not its files)
    pass DATA_UPLOAD_MAX_MEMORY_SIZE, e.g. a workbook sent as a field rather than as a file, is told so and how
    an import takes a file; any other malformed request is told that it could not be read."""
    if isinstance(exception, RequestDataTooBig):
        message = _(
            "The request is larger than %(limit)s. Send a workbook as a file (multipart/form-data), of at most "
            "%(file_limit)s."
        ) % {
            "limit": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
            "file_limit": filesizeformat(settings.IMPORT_MAX_BYTES),
        }
        code = "request_too_large"
    else:
        message, code = _("The request could not be read. Reload the page and try again."), "bad_request"
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(message), "code": code}, status=400)
    return render(request, "400.html", {"message": message}, status=400)
