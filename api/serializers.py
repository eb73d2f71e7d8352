"""What the API reads and writes. Output serializers describe rows; input serializers only check shapes,
and the services decide (house style: no business rules in serializers).

Field descriptions come from the model's ``help_text`` or ``verbose_name`` (already translated), or are
given here as English msgids, so the schema describes every field in Chinese.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api import fields as numbers
from assessment.models import (
    AnnualAppeal,
    AnnualGrade,
    AnnualResult,
    Grade,
    GradeHistory,
    QuarterlyResult,
    QuotaLedger,
    RegisterExport,
    ReviewRequest,
)
from assessment.quarter.places import LEDGER_FIGURES
from assessment.registers.export import KINDS, QUARTER_NAMES
from periods.models import Period
from scoring.models import Event, EventShare, MonthlyImport, MonthlyScore, ScoreEntry, ScoreSheet
from units.models import Person, Placement, Section, Unit


class Described(serializers.ModelSerializer):
    """A model serializer whose fields carry the model field's help text, or its verbose name, as description."""

    def build_field(self, field_name, info, model_class, nested_depth):
        field_class, kwargs = super().build_field(field_name, info, model_class, nested_depth)
        if "help_text" not in kwargs:
            try:
                model_field = model_class._meta.get_field(field_name)
            except Exception:  # a property or a method: described where it is declared
                return field_class, kwargs
            kwargs["help_text"] = model_field.help_text or getattr(model_field, "verbose_name", "")
        return field_class, kwargs


class UnitSerializer(Described):
    region_name = serializers.CharField(source="region.name", read_only=True, help_text=_("Name of the region."))
    category_name = serializers.CharField(
        source="category.name", read_only=True, help_text=_("Name of the unit category.")
    )

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "region", "region_name", "category", "category_name", "order", "is_active"]


class SectionSerializer(Described):
    unit_code = serializers.CharField(source="unit.code", read_only=True, help_text=_("Code of the unit."))

    class Meta:
        model = Section
        fields = ["id", "unit", "unit_code", "parent", "name", "order"]


class PersonSerializer(Described):
    masked_id_number = serializers.CharField(
        read_only=True, help_text=_("ID number with all but its first four and last four characters hidden.")
    )
    unit_code = serializers.CharField(source="unit.code", read_only=True, help_text=_("Code of the home unit."))

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "sex",
            "birth_date",
            "masked_id_number",
            "political_status",
            "post",
            "rank",
            "duties",
            "post_order",
            "took_post_on",
            "staffing_type",
            "unit",
            "unit_code",
            "section",
            "is_active",
        ]


class PlacementSerializer(Described):
    unit_code = serializers.CharField(source="unit.code", read_only=True, help_text=_("Code of the assessing unit."))

    class Meta:
        model = Placement
        fields = ["id", "person", "kind", "unit", "unit_code", "section", "start_date", "end_date", "note"]


class PeriodSerializer(Described):
    year = numbers.IntegerField(source="assessment_year.year", read_only=True, help_text=_("Assessment year."))
    region = numbers.IntegerField(
        source="assessment_year.region_id", read_only=True, help_text=_("Region of the assessment year.")
    )
    start_date = serializers.DateField(read_only=True, help_text=_("First day of the quarter."))
    end_date = serializers.DateField(read_only=True, help_text=_("Last day of the quarter."))

    class Meta:
        model = Period
        fields = [
            "id",
            "region",
            "year",
            "quarter",
            "status",
            "start_date",
            "end_date",
            "summary_due",
            "section_due",
            "leader_due",
            "committee_due",
            "submit_by",
        ]


class ScoreEntrySerializer(Described):
    item_name = serializers.CharField(source="item.name", read_only=True, help_text=_("Name of the indicator item."))
    item_kind = serializers.CharField(source="item.kind", read_only=True, help_text=_("Kind of the indicator item."))
    max_points = numbers.DecimalField(
        source="item.max_points",
        max_digits=6,
        decimal_places=2,
        read_only=True,
        help_text=_("Maximum points of the indicator item."),
    )

    class Meta:
        model = ScoreEntry
        fields = ["item", "item_name", "item_kind", "max_points", "points", "entered_at"]


SHEET_FIELDS = [
    "id",
    "person",
    "person_name",
    "period",
    "unit",
    "section",
    "template",
    "common_points",
    "monthly_average",
    "months_scored",
    "individual_points",
    "bonus_points",
    "deduction_points",
    "total",
    "is_complete",
    "vetoed",
    "eligible_grade",
    "computed_at",
    "version",
    "entries",
]


class ScoreSheetSerializer(Described):
    person_name = serializers.CharField(source="person.name", read_only=True, help_text=_("Name of the person."))
    entries = ScoreEntrySerializer(many=True, read_only=True, help_text=_("The points entered, one per item."))

    class Meta:
        model = ScoreSheet
        fields = SHEET_FIELDS
        extra_kwargs = {"version": {"help_text": _("Send it back with a score entry: a stale version is refused.")}}


class QuarterlyResultSerializer(Described):
    person_name = serializers.CharField(source="person.name", read_only=True, help_text=_("Name of the person."))
    total = numbers.DecimalField(
        source="sheet.total", max_digits=6, decimal_places=2, read_only=True, help_text=_("Total of the score sheet.")
    )

    class Meta:
        model = QuarterlyResult
        fields = [
            "id",
            "person",
            "person_name",
            "period",
            "unit",
            "section",
            "sheet",
            "total",
            "status",
            "proposed_grade",
            "nominated",
            "decision",
            "final_grade",
            "publicity_ends",
            "version",
        ]


class QuotaLedgerSerializer(Described):
    class Meta:
        model = QuotaLedger
        fields = ["id", "period", "unit", "section", *LEDGER_FIGURES, "allocated_at"]


class AnnualResultSerializer(Described):
    person_name = serializers.CharField(source="person.name", read_only=True, help_text=_("Name of the person."))
    year = numbers.IntegerField(source="assessment_year.year", read_only=True, help_text=_("Assessment year."))

    class Meta:
        model = AnnualResult
        fields = [
            "id",
            "person",
            "person_name",
            "assessment_year",
            "year",
            "unit",
            "section",
            "status",
            "case",
            "case_reason",
            "quarter_grades",
            "quarters",
            "goods",
            "average_quarterly",
            "annual_score",
            "suggested_grade",
            "ceiling",
            "excellent_eligible",
            "proposed_grade",
            "final_grade",
            "notified_on",
            "notice",
            "notice_acknowledged_at",
        ]


class AnnualAppealSerializer(Described):
    person = numbers.IntegerField(source="result.person_id", read_only=True, help_text=_("Person id."))
    year = numbers.IntegerField(source="result.assessment_year.year", read_only=True, help_text=_("Year."))
    is_open = serializers.BooleanField(read_only=True, help_text=_("Waiting for its answer."))

    class Meta:
        model = AnnualAppeal
        fields = [
            "id",
            "result",
            "person",
            "year",
            "kind",
            "reason",
            "requested_on",
            "answer_due",
            "answer",
            "outcome",
            "grade_before",
            "grade_after",
            "answered_on",
            "is_open",
        ]


class MonthlyScoreSerializer(Described):
    person_name = serializers.CharField(source="person.name", read_only=True, help_text=_("Name of the person."))

    class Meta:
        model = MonthlyScore
        fields = ["id", "person", "person_name", "year", "month", "score", "batch"]


class MonthlyImportSerializer(Described):
    imported_by = serializers.CharField(
        source="imported_by.username", read_only=True, help_text=_("Account that imported the file.")
    )

    class Meta:
        model = MonthlyImport
        fields = [
            "id",
            "period",
            "unit",
            "file_name",
            "sha256",
            "rows",
            "created",
            "replaced",
            "imported_by",
            "imported_at",
        ]


class GradeHistorySerializer(Described):
    person_name = serializers.CharField(source="person.name", read_only=True, help_text=_("Name of the person."))
    imported_by = serializers.CharField(
        source="imported_by.username", read_only=True, help_text=_("Account that imported the file.")
    )

    class Meta:
        model = GradeHistory
        fields = ["id", "person", "person_name", "year", "quarter", "grade", "file_name", "imported_by", "imported_at"]


class HistoryImported(serializers.Serializer):
    rows = numbers.IntegerField(help_text=_("Grades in the file."))
    annual = numbers.IntegerField(help_text=_("Annual grades in the file."))
    quarterly = numbers.IntegerField(help_text=_("Quarterly grades in the file."))
    created = numbers.IntegerField(help_text=_("Grades imported for the first time."))
    updated = numbers.IntegerField(help_text=_("Grades imported before that the file changed."))
    unchanged = numbers.IntegerField(help_text=_("Grades imported before, the same in the file."))


class EventShareSerializer(Described):
    person_name = serializers.CharField(source="person.name", read_only=True, help_text=_("Name of the person."))

    class Meta:
        model = EventShare
        fields = ["person", "person_name", "points"]


class EventSerializer(Described):
    kind = serializers.CharField(source="standard.kind", read_only=True, help_text=_("Bonus, deduction or veto item."))
    standard_name = serializers.CharField(source="standard.name", read_only=True, help_text=_("Name of the standard."))
    shares = EventShareSerializer(many=True, read_only=True, help_text=_("Each person's share of the points."))

    class Meta:
        model = Event
        fields = [
            "id",
            "period",
            "unit",
            "matter",
            "standard",
            "standard_name",
            "kind",
            "points",
            "evidence",
            "status",
            "declared_at",
            "checked_at",
            "check_note",
            "decided_at",
            "decision_note",
            "shares",
        ]


class ReviewRequestSerializer(Described):
    person = numbers.IntegerField(source="result.person_id", read_only=True, help_text=_("Person id."))
    period = numbers.IntegerField(source="result.period_id", read_only=True, help_text=_("Period id."))
    is_open = serializers.BooleanField(read_only=True, help_text=_("Waiting for its answer."))

    class Meta:
        model = ReviewRequest
        fields = [
            "id",
            "result",
            "person",
            "period",
            "reason",
            "requested_at",
            "is_open",
            "answer",
            "answered_at",
            "grade_before",
            "grade_after",
        ]


class RegisterExportSerializer(Described):
    year = numbers.IntegerField(source="assessment_year.year", read_only=True, help_text=_("Assessment year."))
    region = numbers.IntegerField(
        source="assessment_year.region_id", read_only=True, help_text=_("Region of the assessment year.")
    )
    unit_code = serializers.CharField(
        source="unit.code", read_only=True, allow_null=True, help_text=_("Code of the unit; null for a whole region.")
    )
    download = serializers.SerializerMethodField(help_text=_("Address of the file once it is done, else null."))

    class Meta:
        model = RegisterExport
        fields = [
            "id",
            "kind",
            "year",
            "region",
            "quarter",
            "unit",
            "unit_code",
            "status",
            "done",
            "total",
            "file_name",
            "size",
            "sheets",
            "error",
            "requested_at",
            "finished_at",
            "expires_at",
            "download",
        ]

    def get_download(self, job) -> str | None:
        if job.status != RegisterExport.Status.DONE:
            return None
        return f"/api/v1/register-exports/{job.pk}/file/"


class Moved(serializers.Serializer):
    moved = numbers.IntegerField(help_text=_("How many results moved to the next step."))


# Input ---------------------------------------------------------------------------------------------------


class Strict(serializers.Serializer):
    """Input that refuses fields it does not know, naming each, rather than ignoring a misspelt one."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError({key: [_("Unknown field.")] for key in sorted(unknown)})
        return super().to_internal_value(data)


class SheetScoresInput(Strict):
    """One sheet's row of a bulk score entry."""

    sheet = numbers.IntegerField(min_value=1, help_text=_("Id of the score sheet."))
    version = numbers.IntegerField(
        min_value=0, help_text=_("The sheet's version as read; refused if someone changed it since.")
    )
    entries = serializers.DictField(
        child=numbers.DecimalField(max_digits=6, decimal_places=2, allow_null=True),
        allow_empty=False,
        help_text=_("Points by indicator item id; null clears an entry."),
    )

    def validate_entries(self, value):
        bad = [key for key in value if not (str(key).isascii() and str(key).isdigit())]
        if bad:
            raise serializers.ValidationError({key: [_("Keys are indicator item ids.")] for key in bad})
        return {int(key): points for key, points in value.items()}


class BulkScoresResult(serializers.Serializer):
    saved = numbers.IntegerField(help_text=_("How many sheets were saved."))
    sheets = ScoreSheetSerializer(many=True, help_text=_("The sheets as saved, with their new versions."))


GRADES = [(value, value) for value in Grade.values]


def text(help_text, *, required=True, max_length=2000):
    return serializers.CharField(
        required=required, allow_blank=not required, max_length=max_length, trim_whitespace=True, help_text=help_text
    )


def ident(help_text, *, required=True):
    return numbers.IntegerField(min_value=1, max_value=2**63 - 1, required=required, help_text=help_text)


class MonthlyUploadInput(Strict):
    period = ident(_("Id of the period."))
    unit = serializers.CharField(
        required=False,
        max_length=50,
        help_text=_("Code of the unit the file is for; leave out for a region-wide file."),
    )
    file = serializers.FileField(
        max_length=200, allow_empty_file=False, help_text=_("The monthly performance workbook (.xlsx).")
    )


class HistoryUploadInput(Strict):
    region = ident(_("Id of the region whose people the grades are of."))
    file = serializers.FileField(
        max_length=200, allow_empty_file=False, help_text=_("The workbook of earlier grades (.xlsx).")
    )


class ShareInput(Strict):
    person = ident(_("Person id."))
    points = numbers.DecimalField(max_digits=6, decimal_places=2, help_text=_("This person's share of the points."))


class EventRecordInput(Strict):
    period = ident(_("Id of the period."))
    unit = ident(_("Id of the unit recording the event."))
    matter = text(_("The matter: events naming the same matter count once, at the higher value."), max_length=200)
    standard = ident(_("Id of the bonus or deduction standard."))
    evidence = text(_("The evidence: the document, the commendation or the record."))
    points = numbers.DecimalField(
        max_digits=6, decimal_places=2, required=False, help_text=_("Points; the standard's when left out.")
    )
    shares = ShareInput(many=True, allow_empty=False, help_text=_("Who shares the event, and how much each."))


class EventDeclareInput(Strict):
    period = ident(_("Id of the period."))
    matter = text(_("The matter: events naming the same matter count once, at the higher value."), max_length=200)
    standard = ident(_("Id of the bonus standard."))
    evidence = text(_("The evidence: the document, the commendation or the record."))


class EventCheckInput(Strict):
    note = text(_("The section's note on its check."), required=False, max_length=200)


class EventReturnInput(Strict):
    reason = text(_("Why the section returns the declaration."), max_length=200)


class EventApproveInput(Strict):
    note = text(_("Note on the decision."), required=False, max_length=200)


class EventRejectInput(Strict):
    note = text(_("Why the event is rejected."), max_length=200)


class ProposeInput(Strict):
    grade = serializers.ChoiceField(choices=GRADES, help_text=_("Proposed grade: 好, 较好, 一般 or 较差."))
    comment = text(_("The section's review comment (评鉴)."))
    nominate = serializers.BooleanField(
        default=False, help_text=_("Nominate for 好, using one of the section's places.")
    )


class ReviewInput(Strict):
    comment = text(_("The leader's comment."), required=False)


class ReturnInput(Strict):
    reason = text(_("Why the result is sent back one step."))


class DecideInput(Strict):
    grade = serializers.ChoiceField(choices=GRADES, help_text=_("Final grade: 好, 较好, 一般 or 较差."))
    comment = text(_("The committee's comment."), required=False)


class NoInput(Strict):
    """An act that takes no input: an empty body, or an empty object; anything else is refused."""


class SkipSummaryInput(Strict):
    reason = text(_("Why the summary is not in the system (a paper summary, leave)."))


class SummaryInput(Strict):
    period = ident(_("Id of the period."))
    summary = text(_("The quarterly summary (个人小结); once submitted it cannot be changed."), max_length=5000)


class SummaryOutput(serializers.Serializer):
    result = numbers.IntegerField(help_text=_("Result id."))
    status = serializers.CharField(help_text=_("The step the result is at now."))


class SendBackInput(Strict):
    reason = text(_("Why the unit's results are sent back to its committee."))


class ReviewRequestInput(Strict):
    result = ident(_("Id of your published quarterly result."))
    reason = text(_("What should be reviewed, and why."))


class ReviewAnswerInput(Strict):
    answer = text(_("The office's answer."))
    grade = serializers.ChoiceField(
        choices=GRADES, required=False, help_text=_("A changed final grade, if the review changes it.")
    )


ANNUAL_GRADES = [("", "")] + [(value, value) for value in AnnualGrade.values]


class AnnualProposeInput(Strict):
    grade = serializers.ChoiceField(
        choices=ANNUAL_GRADES, help_text=_("Proposed grade: 优秀, 称职, 基本称职 or 不称职; empty for no grade.")
    )
    comment = text(_("The leaders' appraisal; for no grade, the written comment."), required=False)
    reason = text(_("Why, when the grade differs from the suggestion."), required=False)


class AnnualDecideInput(Strict):
    grade = serializers.ChoiceField(
        choices=ANNUAL_GRADES, help_text=_("Final grade: 优秀, 称职, 基本称职 or 不称职; empty for no grade.")
    )
    reason = text(_("Why, when the grade differs from the suggestion."), required=False)
    comment = text(_("The written comment for no grade, if the committee rewrites it."), required=False)


class AnnualAskInput(Strict):
    reason = text(_("Why the person asks: what they hold to be wrong in the grade."))


class AnnualAnswerInput(Strict):
    answer = text(_("The answer, written to the person."))
    grade = serializers.ChoiceField(
        choices=[(value, value) for value in AnnualGrade.values],
        required=False,
        help_text=_("A changed final grade, if the answer changes it."),
    )


class RegisterExportInput(Strict):
    kind = serializers.ChoiceField(choices=[(kind, kind) for kind in KINDS], help_text=_("Which register."))
    year = numbers.IntegerField(min_value=2000, max_value=2100, help_text=_("Assessment year."))
    quarter = serializers.ChoiceField(
        choices=list(QUARTER_NAMES),
        required=False,
        allow_null=True,
        help_text=_("Quarter, 1 to 4, for the quarterly registers."),
    )
    unit = serializers.CharField(
        required=False, max_length=50, help_text=_("Code of one unit; leave out for the whole region.")
    )
    region = ident(_("Region id, for a whole region's register."), required=False)

    def validate(self, data):
        if ("unit" in data) == ("region" in data):
            raise serializers.ValidationError(_("Give either a unit or a region."))
        return data


# The fairness analytics (read) ------------------------------------------------------------------------------

PERCENT = {"max_digits": 6, "decimal_places": 1, "allow_null": True}


class FairnessSectionSerializer(serializers.Serializer):
    unit = serializers.CharField(source="unit.code", help_text=_("Unit code."))
    section = serializers.IntegerField(source="section_id")
    name = serializers.CharField()
    quarters_with_good = serializers.IntegerField(help_text=_("Closed quarters that gave a 好 in the section."))
    turn_taking = serializers.DecimalField(
        source="turn_taking_percent", **PERCENT, help_text=_("Distinct people per 好 given, in per cent.")
    )
    mean_inversion = serializers.DecimalField(
        source="inversion_percent", **PERCENT, help_text=_("Mean share of inverted pairs, in per cent.")
    )
    judged = serializers.BooleanField()
    suspected = serializers.BooleanField(help_text=_("Suspected of taking turns at 好 (轮流坐庄)."))


class FairnessReviewerSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    name = serializers.CharField()
    unit = serializers.CharField(source="unit.code")
    sheets = serializers.IntegerField()
    mean = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    others_mean = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    leniency = serializers.DecimalField(
        max_digits=7, decimal_places=2, allow_null=True, help_text=_("Null when there is not enough to judge.")
    )
    direction = serializers.ChoiceField(choices=["", "lenient", "severe"])


class FairnessSilenceSerializer(serializers.Serializer):
    unit = serializers.CharField(source="unit.code")
    people = serializers.IntegerField()
    negatives = serializers.IntegerField()
    expected = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    silent = serializers.BooleanField()


class FairnessReviewsSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id", allow_null=True)
    name = serializers.CharField()
    unit = serializers.CharField(source="unit.code")
    requests = serializers.IntegerField(help_text=_("Reviews (复核) of a quarter or of the year."))
    answered = serializers.IntegerField()
    changed = serializers.IntegerField()
    appeals = serializers.IntegerField(help_text=_("Annual appeals (申诉) to the organisation department."))
    appeals_changed = serializers.IntegerField()


class FairnessRatingSerializer(serializers.Serializer):
    unit = serializers.CharField(source="unit.code")
    people = serializers.IntegerField()
    measures = serializers.SerializerMethodField(help_text=_("Each measure in per cent; null when not judged."))
    rating = serializers.DecimalField(
        source="rating.score", max_digits=5, decimal_places=2, allow_null=True, default=None
    )
    suggested_ratio = serializers.DecimalField(source="suggested", max_digits=4, decimal_places=3, allow_null=True)

    def get_measures(self, row) -> dict[str, str | None]:
        return {name: (None if percent is None else str(percent)) for name, percent, _counts in row.lines}


class FairnessSerializer(serializers.Serializer):
    year = serializers.IntegerField(source="assessment_year.year")
    region = serializers.CharField(source="assessment_year.region.code")
    closed_quarters = serializers.SerializerMethodField()
    computed_at = serializers.DateTimeField()
    region_rate = serializers.DecimalField(
        max_digits=9,
        decimal_places=2,
        allow_null=True,
        help_text=_("Approved deductions and veto items per 100 people assessed in the region."),
    )
    sections = FairnessSectionSerializer(many=True)
    reviewers = FairnessReviewerSerializer(many=True)
    silence = FairnessSilenceSerializer(many=True)
    reviews = FairnessReviewsSerializer(many=True)
    ratings = FairnessRatingSerializer(source="running", many=True)

    def get_closed_quarters(self, report) -> list[int]:
        return [period.quarter for period in report.closed]
