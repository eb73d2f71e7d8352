from django.contrib import admin

from periods.models import AssessmentYear, CalendarDay, Period


class PeriodInline(admin.TabularInline):
    model = Period
    fields = ["quarter", "status", "summary_due", "section_due", "leader_due", "committee_due", "submit_by"]
    readonly_fields = ["status"]
    extra = 0


@admin.register(AssessmentYear)
class AssessmentYearAdmin(admin.ModelAdmin):
    list_display = [
        "region",
        "year",
        "default_good_ratio",
        "default_excellent_ratio",
        "publicity_days",
        "good_threshold",
        "fair_threshold",
    ]
    list_filter = ["region", "year"]
    inlines = [PeriodInline]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Holidays on weekdays and weekend working days (调休), for counting publicity working days."""

    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
