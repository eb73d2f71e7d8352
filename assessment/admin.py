from django.contrib import admin

from assessment.models import AssessmentYear, Period


class PeriodInline(admin.TabularInline):
    model = Period
    fields = ["quarter", "status"]
    extra = 0


@admin.register(AssessmentYear)
class AssessmentYearAdmin(admin.ModelAdmin):
    list_display = ["region", "year", "good_threshold", "fair_threshold", "ordinary_threshold"]
    list_filter = ["region", "year"]
    inlines = [PeriodInline]
