from django.urls import path

from cldc.platform.uploads import views

urlpatterns = [
    path("uploads/", views.upload_list, name="upload-list"),
    path("uploads/new/", views.new_upload, name="upload-new"),
    path("uploads/<int:pk>/", views.upload_detail, name="upload-detail"),
    path("uploads/<int:pk>/status.json", views.upload_status, name="upload-status"),
    path("uploads/templates/<str:collection>/<str:record_type>/<int:version>/<str:name>", views.template_download,
         name="upload-template"),
]
