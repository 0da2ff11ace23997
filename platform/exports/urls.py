from django.urls import path

from cldc.platform.exports import views

urlpatterns = [
    path("downloads/", views.download_list, name="download-list"),
    path("downloads/new/", views.new_download, name="download-new"),
    path("downloads/<int:pk>/", views.download_detail, name="download-detail"),
    path("downloads/<int:pk>/file", views.download_file, name="download-file"),
]
