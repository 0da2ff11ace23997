from django.urls import path

from cldc.platform.returns import as_submitted, published_files, report_views, views

RETURN = "returns/<int:pk>/<str:collection>/<str:record_type>/<str:period>/"

urlpatterns = [
    path("returns/", views.return_list, name="return-list"),
    path(RETURN, views.return_detail, name="return-detail"),
    path(f"{RETURN}choose/", views.choose, name="return-choose"),
    path(f"{RETURN}submit/", views.submit, name="return-submit"),
    path(f"{RETURN}sign-off/", views.sign_off, name="return-sign-off"),
    path(f"{RETURN}reopen/", views.reopen, name="return-reopen"),
    path(f"{RETURN}v<int:version>/<int:record>/", as_submitted.record_as_submitted, name="return-record"),
    path(f"{RETURN}report/", report_views.return_report, name="return-report"),
    path(f"{RETURN}report/<str:table>/", report_views.figure_records, name="return-report-records"),
    path(f"{RETURN}report/tables.<str:file_format>", published_files.return_tables_file, name="return-report-file"),
    path("returns/national/<str:collection>/<str:record_type>/<str:period>/", report_views.national_report,
         name="return-report-national"),
    path("returns/national/<str:collection>/<str:record_type>/<str:period>/tables.<str:file_format>",
         published_files.national_tables_file, name="return-report-national-file"),
]
