from django.urls import path

from cldc.platform.quality import views

urlpatterns = [
    path("quality/", views.national, name="quality"),
    path("quality/records/", views.records_behind, name="quality-records"),
]
