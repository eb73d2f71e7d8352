import pytest

from scoring import services
from tests import factories


@pytest.fixture
def period(region):
    return factories.assessment_period(region, year=2026, quarter=1)


@pytest.fixture
def templates(db):
    return services.templates_install_defaults(year=2026)


@pytest.fixture
def sheet(period, templates, officer, person, unit):
    services.sheets_open(period=period, unit=unit, by=officer)
    return person.score_sheets.get(period=period)


@pytest.fixture
def items(sheet):
    """The items a sheet scores by hand, by name."""
    return {item.name: item for item in sheet.template.items.filter(kind__in=("common", "distinctive"))}
