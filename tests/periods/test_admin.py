"""The calendar's models are administered under periods; an old address under assessment follows them."""

from django.urls import reverse

from tests.units.test_admin import admin_client_  # noqa: F401


def test_an_old_admin_address_of_the_calendar_leads_to_its_new_one(admin_client_):  # noqa: F811
    response = admin_client_.get("/admin/assessment/calendarday/add/?date=2026-10-01")
    assert response.status_code == 301
    assert response["Location"] == reverse("admin:periods_calendarday_add") + "?date=2026-10-01"
    assert admin_client_.get(response["Location"]).status_code == 200
    assert admin_client_.get("/admin/assessment/assessmentyear/").url == reverse(
        "admin:periods_assessmentyear_changelist"
    )
    # The models that stay in assessment keep their addresses.
    assert admin_client_.get(reverse("admin:assessment_quarterlyresult_changelist")).status_code == 200
