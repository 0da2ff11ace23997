from django.urls import path

from cldc.platform.returns import views

RETURN = "returns/<int:pk>/<str:collection>/<str:record_type>/<str:period>/"

urlpatterns = [
    path("returns/", views.return_list, name="return-list"),
    path(RETURN, views.return_detail, name="return-detail"),
    path(f"{RETURN}choose/", views.choose, name="return-choose"),
    path(f"{RETURN}submit/", views.submit, name="return-submit"),
    path(f"{RETURN}sign-off/", views.sign_off, name="return-sign-off"),
    path(f"{RETURN}reopen/", views.reopen, name="return-reopen"),
]
