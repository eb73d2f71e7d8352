from django.urls import include, path

from assessment.quarter.views import chain, mine, office, publicity

app_name = "quarter"

urlpatterns = [
    # The dashboards' pages have always been named in this namespace (quarter:region_dashboard,
    # quarter:office_dashboard); their URLconf is mounted here so the names stay.
    path("", include("assessment.dashboards.urls")),
    path("mine/", mine.my_quarters, name="my_quarters"),
    path("mine/<int:period_pk>/", mine.my_quarter, name="my_quarter"),
    path("<int:period_pk>/units/<str:code>/", chain.board, name="board"),
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
]
