from django.urls import path

from cldc.platform.exports import schedule_views, views

urlpatterns = [
    path("downloads/", views.download_list, name="download-list"),
    path("downloads/new/", views.new_download, name="download-new"),
    path("downloads/<int:pk>/", views.download_detail, name="download-detail"),
    path("downloads/<int:pk>/file", views.download_file, name="download-file"),
    path("downloads/<int:pk>/status.json", views.download_status, name="download-status"),
    path("downloads/schedule/", schedule_views.schedule_list, name="export-schedule"),
    path("downloads/schedule/new/", schedule_views.schedule_edit, name="export-schedule-new"),
    path("downloads/schedule/<int:pk>/", schedule_views.schedule_edit, name="export-schedule-edit"),
    path("downloads/runs/<int:pk>/file", schedule_views.run_file, name="export-run-file"),
]
