from django.urls import path

from cldc.platform.playback import views

urlpatterns = [
    path("figures/", views.choose_organisation, name="figures"),
    path("figures/<int:pk>/", views.organisation_figures, name="figures-organisation"),
    path("figures/<int:pk>/<str:collection>/<str:record_type>/<int:version>/", views.organisation_figures,
         name="figures-year"),
]
