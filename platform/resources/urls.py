from django.urls import path

from cldc.platform.resources import views

urlpatterns = [
    path("resources/", views.resource_list, name="resource-list"),
    path("resources/<str:collection>/<int:version>/release/", views.release, name="resource-release"),
    path("resources/<str:collection>/<int:version>/hide/", views.release, {"hide": True}, name="resource-hide"),
    path("resources/<str:collection>/<str:record_type>/<int:version>/paper-form.pdf", views.paper_form,
         name="resource-paper-form"),
    path("resources/<str:collection>/<str:record_type>/<int:version>/add/", views.add_file, name="resource-add"),
    path("resources/files/<int:pk>/", views.extra_file, name="resource-file"),
    path("resources/files/<int:pk>/remove/", views.remove_file, name="resource-remove"),
]
