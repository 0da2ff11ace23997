from django.urls import path

from cldc.platform.people import views

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-in/two-factor/", views.two_factor, name="two-factor"),
    path("sign-in/two-factor/set-up/", views.two_factor_set_up, name="two-factor-set-up"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("password-reset/", views.RequestPasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", views.password_reset_sent, name="password-reset-sent"),
    path("password-reset/done/", views.password_reset_done, name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>/", views.ChooseNewPasswordView.as_view(), name="password-reset-confirm"
    ),
    path("invitation/accepted/", views.invitation_accepted, name="invitation-accepted"),
    path("invitation/<uidb64>/<token>/", views.AcceptInvitationView.as_view(), name="invitation"),
    path("account/", views.account, name="account"),
]
