from django.urls import path

from cldc.platform.registers import views

urlpatterns = [
    path("registers/<slug:name>/", views.entry_list, name="register-list"),
    path("registers/<slug:name>/add/", views.entry_add, name="register-add"),
    path("registers/<slug:name>/check/", views.entry_check, name="register-check"),
    path("registers/<slug:name>/upload/", views.upload, name="register-upload"),
    path("registers/<slug:name>/<int:pk>/", views.entry_detail, name="register-detail"),
    path("registers/<slug:name>/<int:pk>/change/", views.entry_change, name="register-change"),
    path("registers/<slug:name>/<int:pk>/deactivate/", views.deactivate, name="register-deactivate"),
    path("registers/<slug:name>/<int:pk>/reactivate/", views.reactivate, name="register-reactivate"),
]
