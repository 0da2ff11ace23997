from django.urls import path

from cldc.platform.organisations import views

urlpatterns = [
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation-detail"),
    path("organisations/<int:pk>/people/invite/", views.invite_person, name="invite-person"),
    path("organisations/<int:pk>/people/<int:user_pk>/", views.edit_person, name="edit-person"),
    path("organisations/<int:pk>/people/<int:user_pk>/invite-again/", views.resend_invitation, name="resend-invitation"),
]
