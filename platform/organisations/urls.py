from django.urls import path

from cldc.platform.organisations import views

urlpatterns = [
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation-detail"),
    path("organisations/<int:pk>/people/invite/", views.invite_person, name="invite-person"),
    path("organisations/<int:pk>/people/<int:user_pk>/", views.edit_person, name="edit-person"),
    path("organisations/<int:pk>/people/<int:user_pk>/invite-again/", views.resend_invitation, name="resend-invitation"),
    path("organisations/<int:pk>/merge/", views.merge_organisation, name="merge-organisation"),
    path("organisations/<int:pk>/merge/check/", views.merge_organisation_check, name="merge-organisation-check"),
    path("organisations/<int:pk>/details/", views.organisation_data, name="organisation-data"),
    path("organisations/<int:pk>/details/check/", views.organisation_data_check, name="organisation-data-check"),
    path("organisations/<int:pk>/data-sharing-agreement/", views.data_sharing_agreement, name="data-sharing-agreement"),
]
