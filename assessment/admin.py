from django.contrib import admin

from assessment.models import (
    AnnualAppeal,
    AnnualInput,
    AnnualLedger,
    AnnualResult,
    ExcellentRatio,
    FollowUp,
    GradeHistory,
    QuarterlyResult,
    QuotaLedger,
    QuotaOpening,
    ReviewRequest,
    Sanction,
    SanctionType,
    UnitYear,
)
from audit.models import AuditEntry


@admin.register(QuotaOpening)
class QuotaOpeningAdmin(admin.ModelAdmin):
    list_display = ["assessment_year", "unit", "section", "participants", "nominations", "note"]
    list_filter = ["assessment_year"]
    autocomplete_fields = ["unit", "section"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written only by the services, which check roles, steps and places and keep the audit trail."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UnitYear)
class UnitYearAdmin(ReadOnlyAdmin):
    list_display = ["unit", "assessment_year", "good_ratio", "reason", "set_by", "set_at"]


@admin.register(QuotaLedger)
class QuotaLedgerAdmin(ReadOnlyAdmin):
    list_display = [
        "period",
        "unit",
        "section",
        "participants",
        "places",
        "cumulative_places",
        "nominations",
        "approved",
    ]
    list_filter = ["period"]
    list_select_related = ["period__assessment_year", "unit", "section"]


@admin.register(QuarterlyResult)
class QuarterlyResultAdmin(ReadOnlyAdmin):
    list_display = ["person", "period", "unit", "section", "status", "proposed_grade", "nominated", "final_grade"]
    list_filter = ["period", "status", "final_grade"]
    search_fields = ["person__name", "unit__name"]
    list_select_related = ["person", "period__assessment_year", "unit", "section"]


@admin.register(ReviewRequest)
class ReviewRequestAdmin(ReadOnlyAdmin):
    list_display = ["result", "requested_at", "answered_at", "grade_before", "grade_after"]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ["person", "kind", "due_on", "done_on"]
    list_filter = ["kind"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "region", "unit", "person", "object_type", "object_id", "address"]
    list_filter = ["action", "object_type", "period", "assessment_year"]
    list_select_related = ["actor", "region", "unit", "person"]
    search_fields = ["actor__username", "person__name", "comment"]


@admin.register(SanctionType)
class SanctionTypeAdmin(admin.ModelAdmin):
    """The parameter table: what each sanction does to the annual grade."""

    list_display = ["name", "effect", "order"]
    list_editable = ["effect", "order"]


@admin.register(Sanction)
class SanctionAdmin(ReadOnlyAdmin):
    list_display = ["person", "kind", "starts_on", "ends_on", "reason", "recorded_by"]
    list_filter = ["kind"]
    list_select_related = ["person", "kind", "recorded_by"]


@admin.register(AnnualInput)
class AnnualInputAdmin(ReadOnlyAdmin):
    list_display = [
        "person",
        "assessment_year",
        "special_score",
        "review_score",
        "leave_days",
        "probation",
        "under_investigation",
    ]
    list_filter = ["assessment_year", "probation", "under_investigation"]
    list_select_related = ["person", "assessment_year"]


@admin.register(GradeHistory)
class GradeHistoryAdmin(ReadOnlyAdmin):
    """Imported from the organisation department's workbook only (assessment.year.history)."""

    list_display = ["person", "year", "quarter", "grade", "file_name", "imported_by", "imported_at"]
    list_filter = ["year", "quarter", "grade"]
    list_select_related = ["person", "imported_by"]
    search_fields = ["person__name"]


@admin.register(ExcellentRatio)
class ExcellentRatioAdmin(ReadOnlyAdmin):
    list_display = ["unit", "assessment_year", "performance", "ratio", "reason", "set_by", "set_at"]


@admin.register(AnnualLedger)
class AnnualLedgerAdmin(ReadOnlyAdmin):
    list_display = ["unit", "assessment_year", "ratio", "graded", "places", "proposed", "excellent"]
    list_filter = ["assessment_year"]
    list_select_related = ["unit", "assessment_year"]


@admin.register(AnnualResult)
class AnnualResultAdmin(ReadOnlyAdmin):
    list_display = [
        "person",
        "assessment_year",
        "unit",
        "status",
        "case",
        "suggested_grade",
        "excellent_eligible",
        "final_grade",
    ]
    list_filter = ["assessment_year", "status", "case", "final_grade"]
    search_fields = ["person__name", "unit__name"]
    list_select_related = ["person", "assessment_year", "unit"]


@admin.register(AnnualAppeal)
class AnnualAppealAdmin(ReadOnlyAdmin):
    list_display = ["result", "kind", "requested_on", "answer_due", "answered_on", "outcome"]
    list_filter = ["kind", "outcome"]
