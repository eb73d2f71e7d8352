import pytest

from audit.services import record
from scoring.models import MonthlyImport, MonthlyScoreChange, ScoreChange, ScoreSheet
from scoring.services import templates_install_defaults
from tests import factories


@pytest.fixture
def period(region):
    return factories.assessment_period(region, year=2026, quarter=1)


@pytest.fixture
def stored(period, person, officer):
    """One stored row of each append-only table: an audit entry, a score change and a monthly score change."""
    template = templates_install_defaults(year=2026)[0]
    sheet = ScoreSheet.objects.create(person=person, period=period, unit=person.unit, template=template)
    batch = MonthlyImport.objects.create(period=period, file_name="m.xlsx", sha256="0" * 64, imported_by=officer)
    return {
        "AuditEntry": record(action="person_change", by=officer, person=person, changes={"post": ["科员", "副科长"]}),
        "ScoreChange": ScoreChange.objects.create(sheet=sheet, field="total", old=1, new=2, changed_by=officer),
        "MonthlyScoreChange": MonthlyScoreChange.objects.create(
            person=person, year=2026, month=1, old=80, new=90, batch=batch
        ),
    }
