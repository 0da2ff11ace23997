"""People: sign-in, lockout, password reset, invitations, two-factor for staff,
and coordinators managing their own organisation's people."""

import re

import pytest
from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cldc.platform.organisations import policy
from cldc.platform.organisations.models import Membership
from cldc.platform.people.models import User

PASSWORD = "correct-horse-battery-staple"


def link_in_last_email(path_prefix):
    match = re.search(rf"http://[^/\s]+({path_prefix}\S+)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def code_for(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.fixture
def org(make_organisation):
    return make_organisation("Riverside Homes")


@pytest.fixture
def provider(make_person, org):
    return make_person("officer@example.com", org)


@pytest.fixture
def coordinator(make_person, org):
    return make_person("coordinator@example.com", org, role="data_coordinator")


# --- Signing in ------------------------------------------------------------------


def test_sign_in_with_email_and_password(client_for, provider):
    client = client_for("core")
    response = client.post("/sign-in/", {"email": "Officer@Example.com", "password": PASSWORD, "next": "/account/"})
    assert response.status_code == 302 and response.url == "/account/"
    assert "officer@example.com" in client.get("/account/").content.decode()


def test_wrong_details_get_the_govuk_error_summary(client_for, provider):
    response = client_for("core").post("/sign-in/", {"email": "officer@example.com", "password": "wrong"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="govuk-error-summary"' in page
    assert '<a href="#id_email">Enter a correct email address and password</a>' in page
    assert "<title>Error: Sign in" in page


def test_empty_and_malformed_sign_in_say_which_field(client_for, db):
    page = client_for("core").post("/sign-in/", {"email": "not-an-email", "password": ""}).content.decode()
    assert "Enter an email address in the correct format, like name@example.com" in page
    assert "Enter your password" in page


def test_sign_in_refuses_an_open_redirect(client_for, provider):
    response = client_for("core").post(
        "/sign-in/", {"email": "officer@example.com", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.url == "/"


def test_lockout_after_repeated_failed_sign_ins(client_for, provider, settings):
    client = client_for("core")
    for _ in range(settings.SIGN_IN_MAX_FAILURES):
        client.post("/sign-in/", {"email": "officer@example.com", "password": "wrong"})
    provider.refresh_from_db()
    assert provider.is_locked()
    # Even the right password is refused while locked, with a message saying why.
    response = client.post("/sign-in/", {"email": "officer@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert "Your account is locked" in response.content.decode()


def test_a_successful_sign_in_resets_the_failure_count(client_for, provider, settings):
    client = client_for("core")
    for _ in range(settings.SIGN_IN_MAX_FAILURES - 1):
        client.post("/sign-in/", {"email": "officer@example.com", "password": "wrong"})
    assert client.post("/sign-in/", {"email": "officer@example.com", "password": PASSWORD}).status_code == 302
    # Four more wrong ones do not lock it: the count started again.
    for _ in range(settings.SIGN_IN_MAX_FAILURES - 1):
        client_for("core").post("/sign-in/", {"email": "officer@example.com", "password": "wrong"})
    assert not provider.is_locked()


def test_an_address_with_no_account_locks_the_same_way(client_for, provider, settings):
    """The lock message must not tell an account from no account."""
    pages = {}
    for email in ("officer@example.com", "Nobody@Example.com"):
        for _ in range(settings.SIGN_IN_MAX_FAILURES):
            pages[email] = client_for("core").post("/sign-in/", {"email": email, "password": "wrong"}).content.decode()
    assert all("Your account is locked" in page for page in pages.values())


def test_deactivated_people_cannot_sign_in(client_for, provider):
    provider.is_active = False
    provider.save()
    response = client_for("core").post("/sign-in/", {"email": "officer@example.com", "password": PASSWORD})
    assert "Enter a correct email address and password" in response.content.decode()


# --- Password reset ----------------------------------------------------------------


def test_self_service_password_reset_also_lifts_a_lockout(client_for, provider, settings):
    client = client_for("core")
    for _ in range(settings.SIGN_IN_MAX_FAILURES):
        client.post("/sign-in/", {"email": "officer@example.com", "password": "wrong"})

    response = client.post("/password-reset/", {"email": "officer@example.com"})
    assert response.url == "/password-reset/sent/"
    assert "If officer@example.com has an account" in client.get(response.url).content.decode()
    assert mail.outbox[-1].to == ["officer@example.com"]
    link = link_in_last_email("/password-reset/")
    assert "core.localhost" in mail.outbox[-1].body  # the link goes back to the service it was asked from

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"})
    assert response.url == "/password-reset/done/"
    assert not provider.is_locked()
    assert client.post("/sign-in/", {"email": "officer@example.com", "password": "a-brand-new-passphrase"}).status_code == 302


def test_password_reset_does_not_reveal_whether_an_account_exists(client_for, db):
    response = client_for("core").post("/password-reset/", {"email": "nobody@example.com"})
    assert response.url == "/password-reset/sent/"
    assert mail.outbox == []


def test_a_used_or_tampered_reset_link_has_expired(client_for, provider):
    client = client_for("core")
    client.post("/password-reset/", {"email": "officer@example.com"})
    link = link_in_last_email("/password-reset/")
    tampered = link[:-3] + "abc/"
    assert "This link has expired" in client.get(tampered, follow=True).content.decode()


def test_weak_new_passwords_are_refused_on_the_field(client_for, provider):
    client = client_for("core")
    client.post("/password-reset/", {"email": "officer@example.com"})
    page = client.get(link_in_last_email("/password-reset/"), follow=True)
    response = client.post(page.redirect_chain[-1][0], {"new_password1": "password", "new_password2": "password"})
    assert 'href="#id_new_password2"' in response.content.decode()
    assert "This password is too short" in response.content.decode()


# --- Invitations and coordinators -------------------------------------------------------


def test_coordinator_invites_a_person_who_then_chooses_a_password(client_for, coordinator, org):
    client = client_for("core", coordinator)
    response = client.post(
        f"/organisations/{org.pk}/people/invite/",
        {"name": "New Officer", "email": "new@example.com", "role": "data_provider"},
    )
    assert response.status_code == 302
    person = User.objects.get(email="new@example.com")
    assert not person.has_usable_password()
    assert person.memberships.get().organisation == org
    assert "Riverside Homes" in client.get(f"/organisations/{org.pk}/").content.decode()

    invited = client_for("core")
    link = link_in_last_email("/invitation/")
    page = invited.get(link, follow=True)
    assert "Choose your password" in page.content.decode()
    response = invited.post(page.redirect_chain[-1][0], {"new_password1": "my-first-passphrase", "new_password2": "my-first-passphrase"})
    assert response.url == "/invitation/accepted/"
    assert invited.post("/sign-in/", {"email": "new@example.com", "password": "my-first-passphrase"}).status_code == 302
    # The invitation link works once.
    assert "This link has expired" in client_for("core").get(link, follow=True).content.decode()


def test_inviting_says_the_same_whether_or_not_the_address_has_an_account(
        client_for, coordinator, org, make_organisation, make_person):
    """The invitation form must not tell a coordinator who has an account elsewhere."""
    elsewhere = make_person("elsewhere@example.com", make_organisation("Hilltop Housing"))
    client = client_for("core", coordinator)
    said = {}
    for email in ("elsewhere@example.com", "brand-new@example.com"):
        response = client.post(f"/organisations/{org.pk}/people/invite/",
                               {"name": "Someone", "email": email, "role": "data_provider"}, follow=True)
        said[email] = [str(m) for m in response.context["messages"]]
        assert response.redirect_chain[-1][0] == f"/organisations/{org.pk}/"
    assert said == {email: [f"Invitation sent to {email}"] for email in said}
    # Both show as invited; the existing account keeps its name and its other organisation,
    # and is told by email that it was added (no password link).
    assert [m.status for m in Membership.objects.filter(organisation=org, user__email__in=said)] == ["Invited", "Invited"]
    elsewhere.refresh_from_db()
    assert elsewhere.name == "Elsewhere" and elsewhere.memberships.count() == 2
    assert "added you to Riverside Homes" in mail.outbox[0].body and "/invitation/" not in mail.outbox[0].body
    # Signing in shows them as active.
    client_for("core").post("/sign-in/", {"email": "elsewhere@example.com", "password": PASSWORD})
    assert Membership.objects.get(organisation=org, user=elsewhere).status == "Active"


def test_coordinator_changes_role_and_deactivates(client_for, coordinator, org, provider):
    client = client_for("core", coordinator)
    response = client.post(
        f"/organisations/{org.pk}/people/{provider.pk}/",
        {"name": "Renamed Officer", "role": "data_coordinator", "is_active": "False"},
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.name == "Renamed Officer" and not provider.is_active
    assert provider.memberships.get().role == "data_coordinator"


def test_coordinator_cannot_deactivate_themselves(client_for, coordinator, org):
    response = client_for("core", coordinator).post(
        f"/organisations/{org.pk}/people/{coordinator.pk}/",
        {"name": coordinator.name, "role": "data_coordinator", "is_active": "False"},
    )
    assert "You cannot remove yourself from the organisation" in response.content.decode()


def test_a_person_in_another_organisation_is_removed_from_this_one_not_deactivated(
        client_for, coordinator, org, make_organisation, make_person):
    """A coordinator cannot close, or rename, the account of someone who also works for
    an unrelated organisation: removing them ends only this membership."""
    hilltop = make_organisation("Hilltop Housing")
    shared = make_person("shared@example.com", hilltop, name="Sam Shared")
    Membership.objects.create(user=shared, organisation=org)
    client = client_for("core", coordinator)
    form = client.get(f"/organisations/{org.pk}/people/{shared.pk}/").content.decode()
    assert "only they or support can change their name" in form
    response = client.post(f"/organisations/{org.pk}/people/{shared.pk}/",
                           {"name": "Renamed By Riverside", "role": "data_provider", "is_active": "False"})
    assert response.status_code == 302
    shared.refresh_from_db()
    assert shared.is_active and shared.name == "Sam Shared"
    assert policy.may_act_for(shared, hilltop) and not policy.may_act_for(shared, org)
    assert "Removed" in client.get(f"/organisations/{org.pk}/").content.decode()
    # Changed their mind: the membership comes back.
    client.post(f"/organisations/{org.pk}/people/{shared.pk}/",
                {"name": "Sam Shared", "role": "data_provider", "is_active": "True"})
    assert policy.may_act_for(shared, org)


def test_other_organisations_are_404(client_for, make_organisation, make_person, coordinator, org):
    other = make_organisation("Hilltop Housing")
    stranger = make_person("stranger@example.com", other)
    client = client_for("core", coordinator)
    for url in (
        f"/organisations/{other.pk}/",
        f"/organisations/{other.pk}/people/invite/",
        f"/organisations/{other.pk}/people/{stranger.pk}/",
        f"/organisations/{org.pk}/people/{stranger.pk}/",  # a person of another organisation, through our own
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/organisations/{other.pk}/people/{stranger.pk}/invite-again/").status_code == 404


def test_providers_cannot_manage_people(client_for, provider, coordinator, org):
    client = client_for("core", provider)
    assert client.get(f"/organisations/{org.pk}/").status_code == 200  # they see their organisation
    assert client.get(f"/organisations/{org.pk}/people/invite/").status_code == 404
    assert client.get(f"/organisations/{org.pk}/people/{coordinator.pk}/").status_code == 404


def test_a_parent_coordinator_sees_the_child_but_does_not_manage_its_people(client_for, make_organisation, make_person, coordinator, org):
    child = make_organisation("Riverside Lettings", parent=org)
    child_person = make_person("child-officer@example.com", child)
    client = client_for("core", coordinator)
    assert client.get(f"/organisations/{child.pk}/").status_code == 200
    assert client.get(f"/organisations/{child.pk}/people/{child_person.pk}/").status_code == 404


def test_support_manages_everyone(client_for, make_person, provider, org):
    support = make_person("support@example.com", staff_role="support")
    client = client_for("core", support)
    assert client.get(f"/organisations/{org.pk}/people/{provider.pk}/").status_code == 200


# --- Two-factor authentication for staff ---------------------------------------------------


@pytest.mark.parametrize("role", ["support", "analyst", "content_designer", "collection_admin"])
def test_staff_must_set_up_and_pass_two_factor(client_for, make_person, role):
    staff = make_person(f"{role}@example.com", staff_role=role)
    client = client_for("core")
    response = client.post("/sign-in/", {"email": staff.email, "password": PASSWORD, "next": "/account/"})
    assert response.url.startswith("/sign-in/two-factor/")
    # Nothing else opens before two-factor.
    assert client.get("/account/").url.startswith("/sign-in/two-factor/")
    assert client.get("/admin/").url.startswith("/sign-in/two-factor/")

    page = client.get("/sign-in/two-factor/set-up/?next=/account/")
    assert "Set up two-factor authentication" in page.content.decode()
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    wrong = client.post("/sign-in/two-factor/set-up/?next=/account/", {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert "The security code is not correct" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    response = client.post("/sign-in/two-factor/set-up/?next=/account/", {"code": code_for(device)})
    assert response.url == "/account/"
    assert client.get("/account/").status_code == 200


def test_staff_with_an_app_enter_a_code_at_each_sign_in(client_for, make_person):
    staff = make_person("support@example.com", staff_role="support")
    device = TOTPDevice.objects.create(user=staff, name="App", confirmed=True)
    client = client_for("core")
    response = client.post("/sign-in/", {"email": staff.email, "password": PASSWORD})
    assert response.url.startswith("/sign-in/two-factor/")
    page = client.post("/sign-in/two-factor/?next=/", {"code": "12ab"})
    assert "Enter the 6-digit security code" in page.content.decode()
    assert client.post("/sign-in/two-factor/?next=/admin/", {"code": code_for(device)}).url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_providers_do_not_need_two_factor(client_for, provider):
    client = client_for("core")
    client.post("/sign-in/", {"email": provider.email, "password": PASSWORD})
    assert client.get("/account/").status_code == 200


def test_wagtail_admin_sends_people_to_our_sign_in(client_for, db):
    response = client_for("core").get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/sign-in/?next=/admin/")


def test_providers_have_no_admin(client_for, provider):
    response = client_for("core", provider).get("/admin/")
    assert response.status_code in (302, 403)
    assert "/admin/" not in client_for("core", provider).get("/account/").content.decode().split("govuk-service-navigation")[1]


def test_sign_out_is_a_post(client_for, provider):
    client = client_for("core", provider)
    assert client.get("/sign-out/").status_code == 405
    assert client.post("/sign-out/").url == "/sign-in/"
    assert client.get("/account/").status_code == 302
