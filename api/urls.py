from django.urls import path
from rest_framework.routers import DefaultRouter

from api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("units", views.UnitViewSet, basename="unit")
router.register("sections", views.SectionViewSet, basename="section")
router.register("people", views.PersonViewSet, basename="person")
router.register("placements", views.PlacementViewSet, basename="placement")
router.register("periods", views.PeriodViewSet, basename="period")
router.register("sheets", views.ScoreSheetViewSet, basename="sheet")
router.register("results", views.QuarterlyResultViewSet, basename="result")
router.register("ledgers", views.QuotaLedgerViewSet, basename="ledger")
router.register("annual-results", views.AnnualResultViewSet, basename="annual-result")
router.register("annual-appeals", views.AnnualAppealViewSet, basename="annual-appeal")
router.register("monthly-scores", views.MonthlyScoreViewSet, basename="monthly-score")
router.register("monthly-imports", views.MonthlyImportViewSet, basename="monthly-import")
router.register("grade-history", views.GradeHistoryViewSet, basename="grade-history")
router.register("events", views.EventViewSet, basename="event")
router.register("review-requests", views.ReviewRequestViewSet, basename="review-request")
router.register("register-exports", views.RegisterExportViewSet, basename="register-export")

app_name = "api"
urlpatterns = [
    path(
        "periods/<int:period_pk>/sections/<int:section_pk>/scores/",
        views.SectionScoresView.as_view(),
        name="section-scores",
    ),
    path("summaries/", views.SummaryView.as_view(), name="summaries"),
    path("years/<int:year_pk>/fairness/", views.FairnessView.as_view(), name="fairness"),
    *(
        path(f"periods/<int:period_pk>/units/<str:code>/{act}/", view.as_view(), name=f"unit-{act}")
        for act, view in (
            ("publish", views.UnitPublishView),
            ("report", views.UnitReportView),
            ("confirm", views.UnitConfirmView),
            ("send-back", views.UnitSendBackView),
        )
    ),
    *(
        path(f"years/<int:year_pk>/units/<str:code>/{act}/", view.as_view(), name=f"year-unit-{act}")
        for act, view in views.YEAR_UNIT_ACTS.items()
    ),
    *router.urls,
]
