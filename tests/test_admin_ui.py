"""Staff screens in Wagtail's admin: organisations, relationships, people and
memberships, through real requests on a service's domain."""

import re

import pytest
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice

from cldc.platform.organisations.models import Membership, Organisation, OrganisationRelationship
from cldc.platform.people.models import User

PASSWORD = "correct-horse-battery-staple"

SCREENS = ["/admin/organisations/", "/admin/relationships/", "/admin/people/", "/admin/memberships/"]


@pytest.fixture
def support(make_person):
    return make_person("support@example.com", staff_role="support", name="Sam Support")


@pytest.fixture
def admin(client_for, support, core_service):
    return client_for("core", support)


def sidebar(page):
    """The JSON props of Wagtail's sidebar, where the menu lives."""
    return re.search(r'id="wagtail-sidebar-props"[^>]*>(.*?)</script>', page, re.S).group(1)


def test_support_sees_the_screens_in_one_menu_group(admin):
    menu = sidebar(admin.get("/admin/").content.decode())
    assert "Organisations and people" in menu
    for url in SCREENS:
        assert admin.get(url).status_code == 200, url


def test_support_lists_creates_and_edits_an_organisation(admin, make_organisation):
    make_organisation("Riverside Homes")
    assert "Riverside Homes" in admin.get("/admin/organisations/").content.decode()

    # Organisation.clean() checks the code for the type; its message shows on the form.
    response = admin.post("/admin/organisations/new/", {"name": "Hillside Housing", "type": "prp"})
    assert response.status_code == 200
    assert "Enter the regulator number of the provider" in response.content.decode()
    assert not Organisation.objects.filter(name="Hillside Housing").exists()

    response = admin.post(
        "/admin/organisations/new/",
        {"name": "Hillside Housing", "type": "prp", "regulator_number": "LH4242", "active_from": "2026-04-01"},
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Hillside Housing")
    assert str(organisation.active_from) == "2026-04-01"

    assert "Hillside Housing" in admin.get("/admin/organisations/?q=LH4242").content.decode()
    assert "Hillside Housing" not in admin.get("/admin/organisations/?type=local_authority").content.decode()

    edit_url = f"/admin/organisations/edit/{organisation.pk}/"
    assert admin.get(edit_url).status_code == 200
    response = admin.post(edit_url, {"name": "Hillside Homes", "type": "prp", "regulator_number": "LH4242",
                                     "region": "north_west"})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Hillside Homes" and organisation.active_from is None
    assert organisation.region == "north_west"  # its peers in each organisation's figures


def test_relationship_and_membership_rules_show_on_the_form(admin, make_organisation, support):
    riverside = make_organisation("Riverside Homes")
    response = admin.post(
        "/admin/relationships/new/", {"parent": riverside.pk, "child": riverside.pk, "kind": "stock_owner"}
    )
    assert "An organisation cannot be its own parent" in response.content.decode()

    response = admin.post(
        "/admin/memberships/new/",
        {"user": support.pk, "organisation": riverside.pk, "role": "data_coordinator", "is_key_contact": "on"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=support, organisation=riverside).is_key_contact
    page = admin.get(f"/admin/memberships/?role=data_coordinator&organisation={riverside.pk}").content.decode()
    assert "Sam Support" in page


@pytest.mark.parametrize("role", ["content_designer", "analyst"])
def test_other_staff_get_no_access(client_for, make_person, make_organisation, core_service, role):
    client = client_for("core", make_person(f"{role}@example.com", staff_role=role))
    organisation = make_organisation("Riverside Homes")
    for url in [*SCREENS, "/admin/organisations/new/", f"/admin/organisations/edit/{organisation.pk}/"]:
        response = client.get(url)
        # Wagtail redirects to the admin home (or, without admin access, to sign in).
        assert response.status_code in (302, 403), url
        assert response.get("Location", "").split("?")[0] in ("", "/admin/", "/sign-in/"), url
    if role == "content_designer":  # designers use the admin, without this group
        assert "Organisations and people" not in sidebar(client.get("/admin/").content.decode())


def test_adding_a_person_sends_an_invitation_instead_of_asking_for_a_password(admin, support):
    form = admin.get("/admin/people/new/").content.decode()
    assert 'name="password' not in form and "failed_sign_ins" not in form

    response = admin.post(
        "/admin/people/new/", {"name": "Nia New", "email": "Nia@Example.com", "phone": "0123", "staff_role": "analyst"}
    )
    assert response.status_code == 302
    person = User.objects.get(email="nia@example.com")
    assert not person.has_usable_password()
    assert (person.invited_by, person.staff_role, person.phone) == (support, "analyst", "0123")
    assert mail.outbox[-1].to == ["nia@example.com"]
    assert "http://core.localhost/invitation/" in mail.outbox[-1].body

    # The same address again, in any case, is refused on the field.
    response = admin.post("/admin/people/new/", {"name": "Nia Again", "email": "NIA@example.com"})
    assert "This email address already has an account" in response.content.decode()
    assert len(mail.outbox) == 1


def test_send_invitation_again_only_to_people_who_have_not_accepted(admin, make_person):
    invited = User.objects.create_user("invited@example.com", name="Ivy Invited")
    accepted = make_person("accepted@example.com")
    assert f"/admin/people/invite-again/{invited.pk}/" in admin.get(f"/admin/people/edit/{invited.pk}/").content.decode()
    assert "invite-again" not in admin.get(f"/admin/people/edit/{accepted.pk}/").content.decode()

    assert admin.post(f"/admin/people/invite-again/{invited.pk}/").status_code == 302
    assert admin.post(f"/admin/people/invite-again/{accepted.pk}/").status_code == 302
    assert [message.to for message in mail.outbox] == [["invited@example.com"]]


def test_unlock_clears_the_lock(admin, client_for, make_person, settings):
    person = make_person("locked@example.com")
    for _ in range(settings.SIGN_IN_MAX_FAILURES):
        client_for("core").post("/sign-in/", {"email": "locked@example.com", "password": "wrong"})
    assert person.is_locked()
    edit = admin.get(f"/admin/people/edit/{person.pk}/").content.decode()
    assert f"/admin/people/unlock/{person.pk}/" in edit
    # In plain sight above the form, not only in the header's menu.
    assert "This person is locked out after too many failed sign-in attempts." in edit

    # GET only asks to confirm; POST unlocks.
    admin.get(f"/admin/people/unlock/{person.pk}/")
    assert User.objects.get(pk=person.pk).is_locked()
    assert admin.post(f"/admin/people/unlock/{person.pk}/").status_code == 302
    person.refresh_from_db()
    assert not person.is_locked()
    assert "locked out" not in admin.get(f"/admin/people/edit/{person.pk}/").content.decode()

    response = client_for("core").post("/sign-in/", {"email": "locked@example.com", "password": "correct-horse-battery-staple"})
    assert response.status_code == 302


def test_editing_a_person_never_touches_password_or_superusers(admin, make_person, support):
    person = make_person("officer@example.com")
    password = person.password
    form = admin.get(f"/admin/people/edit/{person.pk}/").content.decode()
    assert 'name="password' not in form and "failed_sign_ins" not in form
    response = admin.post(
        f"/admin/people/edit/{person.pk}/",
        {"name": "Olu Officer", "email": "officer@example.com", "staff_role": "", "is_active": ""},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.is_active, person.password) == ("Olu Officer", False, password)

    # Support cannot take over a superuser (by changing its email, say), nor deactivate themselves.
    root = make_person("root@example.com", is_superuser=True)
    assert admin.get(f"/admin/people/edit/{root.pk}/").status_code in (302, 403)
    response = admin.post(
        f"/admin/people/edit/{support.pk}/", {"name": "Sam Support", "email": "support@example.com", "staff_role": "support"}
    )
    assert "You cannot deactivate your own account" in response.content.decode()


def test_wagtail_users_screen_is_hidden_but_groups_stay(client_for, make_person, core_service):
    root = make_person("root@example.com", is_superuser=True)
    menu = sidebar(client_for("core", root).get("/admin/").content.decode())
    assert '"name": "groups"' in menu
    assert '"name": "users"' not in menu


def test_wagtails_own_user_screens_lead_to_people(admin):
    for url in ("/admin/users/", "/admin/users/add/", "/admin/users/1/"):
        response = admin.get(url)
        assert response.status_code == 302 and response.url == "/admin/people/", url


def test_a_relationship_that_would_make_a_loop_is_refused(admin, make_organisation):
    top = make_organisation("Top Homes")
    middle = make_organisation("Middle Lettings", parent=top)
    bottom = make_organisation("Bottom Agency", parent=middle)
    for parent, child in ((middle, top), (bottom, top)):
        response = admin.post("/admin/relationships/new/", {"parent": parent.pk, "child": child.pk, "kind": "stock_owner"})
        assert response.status_code == 200
        assert f"{top.name} is already a parent of {parent.name}" in response.content.decode()
    assert not OrganisationRelationship.objects.filter(child=top).exists()
    # Not a loop: a second parent for the bottom one.
    response = admin.post("/admin/relationships/new/", {"parent": top.pk, "child": bottom.pk, "kind": "supporting"})
    assert response.status_code == 302


def test_support_resets_a_persons_two_factor(admin, make_person, client_for):
    analyst = make_person("analyst@example.com", staff_role="analyst")
    client_for("core", analyst)  # sets up a confirmed authenticator, as a signed-in analyst has
    edit = admin.get(f"/admin/people/edit/{analyst.pk}/").content.decode()
    assert f"/admin/people/reset-two-factor/{analyst.pk}/" in edit
    assert "Reset two-factor" in admin.get(f"/admin/people/reset-two-factor/{analyst.pk}/").content.decode()
    assert TOTPDevice.objects.filter(user=analyst).exists()  # GET only asks
    assert admin.post(f"/admin/people/reset-two-factor/{analyst.pk}/").status_code == 302
    assert not TOTPDevice.objects.filter(user=analyst).exists()
    # Next sign-in: the analyst is asked to set up an authenticator app again.
    client = client_for("core")
    response = client.post("/sign-in/", {"email": "analyst@example.com", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0].startswith("/sign-in/two-factor/set-up/")
