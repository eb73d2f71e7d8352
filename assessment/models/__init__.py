"""The models of the assessment, one module per stage of the work. Django loads an app's models from here,
so every model is named here too; code may import them from here or from their module."""

from assessment.models.history import GradeHistory
from assessment.models.notifications import Notification
from assessment.models.quarter import (
    GRADE_ORDER,
    FollowUp,
    Grade,
    QuarterlyResult,
    QuotaLedger,
    QuotaOpening,
    ReviewRequest,
    UnitYear,
    WorkRecord,
)
from assessment.models.registers import RegisterExport, private_register_name, private_storage
from assessment.models.year import (
    AnnualAppeal,
    AnnualGrade,
    AnnualInput,
    AnnualLedger,
    AnnualResult,
    ExcellentRatio,
    Performance,
    Sanction,
    SanctionType,
)

__all__ = [
    "GRADE_ORDER",
    "AnnualAppeal",
    "AnnualGrade",
    "AnnualInput",
    "AnnualLedger",
    "AnnualResult",
    "ExcellentRatio",
    "FollowUp",
    "Grade",
    "GradeHistory",
    "Notification",
    "Performance",
    "QuarterlyResult",
    "QuotaLedger",
    "QuotaOpening",
    "RegisterExport",
    "ReviewRequest",
    "Sanction",
    "SanctionType",
    "UnitYear",
    "WorkRecord",
    "private_register_name",
    "private_storage",
]
