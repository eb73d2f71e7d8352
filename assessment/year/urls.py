from django.urls import path

from assessment.year import chain_views, region_views, views

app_name = "annual"

urlpatterns = [
    path("", views.year_list, name="year_list"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("mine/<int:pk>/<str:kind>/", views.ask, name="ask"),
    path("<int:year_pk>/units/<str:code>/", views.unit_results, name="unit_results"),
    path("<int:year_pk>/units/<str:code>/rollup/", views.unit_rollup, name="unit_rollup"),
    path("<int:year_pk>/units/<str:code>/propose/", chain_views.propose, name="propose"),
    path("<int:year_pk>/units/<str:code>/decide/", chain_views.decide, name="decide"),
    path("<int:year_pk>/units/<str:code>/publish/", chain_views.publish, name="publish"),
    path("<int:year_pk>/units/<str:code>/report/", chain_views.report, name="report"),
    path("<int:year_pk>/units/<str:code>/reviews/", chain_views.reviews, name="reviews"),
    path("<int:year_pk>/inputs/", views.inputs, name="inputs"),
    path("<int:year_pk>/people/<str:person_pk>/inputs/", views.person_inputs, name="person_inputs"),
    path("<int:year_pk>/inputs/template.xlsx", views.inputs_template, name="inputs_template"),
    path("<int:year_pk>/consequences/", views.consequences, name="consequences"),
    path("<int:year_pk>/publicity/", views.publicity, name="publicity"),
    path("<int:year_pk>/ratios/", region_views.ratios, name="ratios"),
    path("<int:year_pk>/confirm/", region_views.confirm_queue, name="confirm_queue"),
    path("<int:year_pk>/appeals/", region_views.appeals, name="appeals"),
    path("<int:year_pk>/dashboard/", region_views.dashboard, name="dashboard"),
    path("regions/<int:region_pk>/history/", region_views.history, name="history"),
    path(
        "regions/<int:region_pk>/history/template.xlsx",
        region_views.history_template_download,
        name="history_template",
    ),
]
