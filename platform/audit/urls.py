from django.urls import path

from cldc.platform.audit import views

urlpatterns = [
    path("personal-data-access/", views.access_list, name="personal-data-access"),
]
