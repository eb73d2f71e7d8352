"""The REST API, version 1: thin views over the selectors (reads) and services (writes).

Every queryset comes from a selector scoped to the caller, so a row outside the caller's roles is simply
not found: lists leave it out, details answer 404 (logged, as in the browser).
"""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.defaults import page_not_found
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, viewsets
from rest_framework.response import Response

from api import filters, serializers
from api.filters import MAX_ID
from assessment import selectors as assessment_selectors
from scoring import selectors as scoring_selectors
from scoring import services as scoring_services
from scoring.models import ScoreEntry
from units import selectors as units_selectors
from units.permissions import log_refusal, not_found


class ScopedViewSet(viewsets.ReadOnlyModelViewSet):
    """A read-only list and detail over a selector's queryset; ``lookup`` is always the integer id."""

    lookup_value_regex = r"[0-9]+"
    what = "row"

    def selected(self):
        raise NotImplementedError

    def get_queryset(self):
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
        return scoring_selectors.periods_visible_to(user=self.request.user)


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
class QuarterlyResultViewSet(ScopedViewSet):
    serializer_class = serializers.QuarterlyResultSerializer
    filterset_class = filters.QuarterlyResultFilter
    ordering_fields = ["id", "person", "status", "final_grade"]
    ordering = ["period_id", "unit_id", "section_id", "person__post_order", "person_id"]
    what = "result"

    def selected(self):
        return assessment_selectors.results_visible_to(user=self.request.user)


@described(_("The quota ledgers of the units and sections your roles cover."))
class QuotaLedgerViewSet(ScopedViewSet):
    serializer_class = serializers.QuotaLedgerSerializer
    filterset_class = filters.QuotaLedgerFilter
    ordering_fields = ["id", "places", "participants"]
    ordering = ["period_id", "unit_id", "section_id", "id"]
    what = "ledger"

    def selected(self):
        return assessment_selectors.ledgers_visible_to(user=self.request.user)


@described(_("The annual results your roles cover."))
class AnnualResultViewSet(ScopedViewSet):
    serializer_class = serializers.AnnualResultSerializer
    filterset_class = filters.AnnualResultFilter
    ordering_fields = ["id", "person", "status", "annual_score", "final_grade"]
    ordering = ["-assessment_year__year", "unit_id", "section_id", "person__post_order", "person_id"]
    what = "annual"

    def selected(self):
        return assessment_selectors.annual_results_visible_to(user=self.request.user).select_related("assessment_year")


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
        period = scoring_selectors.periods_visible_to(user=user).filter(pk=period_pk).first()
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


def not_found_json(request, exception):
    """Django's 404 for an address no view matches: JSON under /api/ (e.g. a negative id), HTML elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(_("Not found.")), "code": "not_found"}, status=404)
    return page_not_found(request, exception)
