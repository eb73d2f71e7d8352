from django.urls import include, path

from assessment.quarter.views import chain, mine, office, publicity, region

app_name = "quarter"

urlpatterns = [
    # The dashboards' pages have always been named in this namespace (quarter:region_dashboard,
    # quarter:office_dashboard); their URLconf is mounted here so the names stay.
    path("", include("assessment.dashboards.urls")),
    path("mine/", mine.my_quarters, name="my_quarters"),
    path("mine/<int:period_pk>/", mine.my_quarter, name="my_quarter"),
    path("<int:period_pk>/units/<str:code>/", chain.board, name="board"),
    path("<int:period_pk>/units/<str:code>/propose/", chain.propose_unsectioned, name="propose_unsectioned"),
    path(
        "<int:period_pk>/units/<str:code>/skip-summaries/",
        chain.skip_summaries_unsectioned,
        name="skip_summaries_unsectioned",
    ),
    path("<int:period_pk>/units/<str:code>/review/", chain.review, name="review"),
    path("<int:period_pk>/units/<str:code>/reviews/", chain.reviews, name="reviews"),
    path("<int:period_pk>/units/<str:code>/decide/", chain.decide, name="decide"),
    path("<int:period_pk>/units/<str:code>/publish/", chain.publish, name="publish"),
    path("<int:period_pk>/units/<str:code>/allocate/", chain.allocate, name="allocate"),
    path("<int:period_pk>/units/<str:code>/start/", office.start, name="unit_start"),
    path("<int:period_pk>/units/<str:code>/report/", office.report, name="report"),
    path("<int:period_pk>/units/<str:code>/feedback/", office.feedback, name="feedback"),
    path("<int:period_pk>/units/<str:code>/publicity/", publicity.publicity, name="publicity"),
    path("<int:period_pk>/allocate/", chain.allocate_region, name="allocate_region"),
    path("<int:period_pk>/sections/<int:section_pk>/skip-summaries/", chain.skip_summaries, name="skip_summaries"),
    path("<int:period_pk>/sections/<int:section_pk>/propose/", chain.propose, name="propose"),
    path("results/<int:pk>/send-back/", chain.send_back, name="send_back"),
    # The organisation department's own pages: years and periods, ratios of 好, the confirmation queue.
    path("region/periods/", region.periods, name="region_periods"),
    path("region/years/", region.year_create, name="year_create"),
    path("<int:period_pk>/open/", region.period_open, name="period_open"),
    path("<int:period_pk>/close/", region.period_close, name="period_close"),
    path("<int:period_pk>/reopen/", region.period_reopen, name="period_reopen"),
    path("years/<int:year_pk>/ratios/", region.ratios, name="ratios"),
    path("<int:period_pk>/confirm/", region.confirm_queue, name="confirm_queue"),
]
