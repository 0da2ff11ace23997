"""Who may see and who may change a log, as one table: each role × each action × the
log of each organisation, through the web form, with real requests.

Seeing is not changing. An analyst reads every log and changes none: a change is a
403 and changes nothing. A log a person may not see is a 404, as if it did not exist.
The API's clients are organisations' and suppliers' keys, not people: their matrix is
in tests/api/test_api_permissions.py, and here a person's session is no key to it.
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from guardian.shortcuts import assign_perm

from cldc.platform.organisations.models import OrganisationRelationship
from cldc.platform.people.models import User
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import SHARE_PERMISSION, Record, shared_with
from cldc.platform.uploads.models import Upload

# --- The table ------------------------------------------------------------------------------

OK = "done"  # the page, or the change made
FORBIDDEN = 403  # may see the log, may not change it: nothing changes
NOT_FOUND = 404  # may not see the log: as if it did not exist, nothing changes
NOT_OFFERED = "not offered"  # the form does not offer that organisation: shown again with an error, nothing made
SIGN_IN = "sign in"  # a deactivated person's session: back to signing in, nothing changes

ORGANISATIONS = ("parent", "child", "other")  # whose log; for create and upload, whom the new logs are for
CHANGES = ("edit", "confirm", "assign", "share", "stop sharing")  # an answer, a soft check, working together
CREATES = ("create", "upload")  # a new log in the web form, new logs from a file

# The owning organisation is the child; its parent acts for it; "other" is unrelated.
# Each role: (see) (every change in CHANGES) (every create in CREATES), per organisation
# in ORGANISATIONS.
TABLE = {
    "child provider": ((NOT_FOUND, OK, NOT_FOUND), (NOT_FOUND, OK, NOT_FOUND), (NOT_OFFERED, OK, NOT_OFFERED)),
    "child coordinator": ((NOT_FOUND, OK, NOT_FOUND), (NOT_FOUND, OK, NOT_FOUND), (NOT_OFFERED, OK, NOT_OFFERED)),
    "parent coordinator": ((OK, OK, NOT_FOUND), (OK, OK, NOT_FOUND), (OK, OK, NOT_OFFERED)),
    "other coordinator": ((NOT_FOUND, NOT_FOUND, OK), (NOT_FOUND, NOT_FOUND, OK), (NOT_OFFERED, NOT_OFFERED, OK)),
    "support": ((OK, OK, OK), (OK, OK, OK), (OK, OK, OK)),
    "analyst": ((OK, OK, OK), (FORBIDDEN, FORBIDDEN, FORBIDDEN), (FORBIDDEN, FORBIDDEN, FORBIDDEN)),
    "content designer": ((NOT_FOUND,) * 3, (NOT_FOUND,) * 3, (FORBIDDEN,) * 3),
    "collection administrator": ((NOT_FOUND,) * 3, (NOT_FOUND,) * 3, (FORBIDDEN,) * 3),
    # In a related organisation; the child's log is shared with them by name.
    "shared by name": ((NOT_FOUND, OK, NOT_FOUND), (NOT_FOUND, OK, NOT_FOUND), (NOT_OFFERED,) * 3),
    "deactivated": ((SIGN_IN,) * 3, (SIGN_IN,) * 3, (SIGN_IN,) * 3),
}

EXPECTED = {  # (role, action, organisation): outcome, e.g. ("analyst", "edit", "other"): 403
    (role, action, organisation): outcomes[at]
    for role, (seeing, changing, creating) in TABLE.items()
    for actions, outcomes in ((("see",), seeing), (CHANGES, changing), (CREATES, creating))
    for action in actions
    for at, organisation in enumerate(ORGANISATIONS)
}

# What the page behind a change answers a GET with, for each outcome of the change.
PAGE_STATUS = {OK: 200, NOT_OFFERED: 200, FORBIDDEN: 403, NOT_FOUND: 404, SIGN_IN: 302}

SOFT_CHECK = "older_person_in_work_1"  # someone of 70 in work
VISIT = {"visitref": "V-1", "visitdate": "2026-05-04", "hhmemb": 1, "age1": 70, "work1": 1}


# --- The organisations, the people in each role, and a log of each organisation --------------


@pytest.fixture
def world(make_organisation, make_person, client_for, visits_service):
    parent = make_organisation("Parent Homes")
    orgs = {"parent": parent, "child": make_organisation("Child Lettings", parent=parent),
            "other": make_organisation("Other Housing"), "partner": make_organisation("Partner Support")}
    for name in ORGANISATIONS:  # the partner supports each: their people may be given a log by name
        OrganisationRelationship.objects.create(parent=orgs[name], child=orgs["partner"], kind="supporting")
    people = {
        "child provider": make_person("provider@child.example", orgs["child"]),
        "child coordinator": make_person("coordinator@child.example", orgs["child"], role="data_coordinator"),
        "parent coordinator": make_person("coordinator@parent.example", orgs["parent"], role="data_coordinator"),
        "other coordinator": make_person("coordinator@other.example", orgs["other"], role="data_coordinator"),
        "support": make_person("support@dept.example", staff_role="support"),
        "analyst": make_person("analyst@dept.example", staff_role="analyst"),
        "content designer": make_person("content@dept.example", staff_role="content_designer"),
        "collection administrator": make_person("collections@dept.example", staff_role="collection_admin"),
        "shared by name": make_person("shared@partner.example", orgs["partner"]),
        "deactivated": make_person("former@child.example", orgs["child"], role="data_coordinator"),
    }
    # Whom the share and stop sharing actions name: partners, not in the table.
    newcomer = make_person("newcomer@partner.example", orgs["partner"])
    leaving = make_person("leaving@partner.example", orgs["partner"])
    with schema_context("visits"):
        logs = {name: submit(Record(collection="visits", record_type="visit", version=2026,
                                    owning_organisation=orgs[name], managing_organisation=orgs[name]),
                             VISIT, source="form").record
                for name in ORGANISATIONS}
        assert all(SOFT_CHECK in [w["rule"] for w in submit(log, {}, source="form", validate_only=True).warnings]
                   for log in logs.values())
        assign_perm(f"records.{SHARE_PERMISSION}", people["shared by name"], logs["child"])
        for log in logs.values():
            assign_perm(f"records.{SHARE_PERMISSION}", leaving, log)
    clients = {role: client_for("visits", person) for role, person in people.items()}
    User.objects.filter(pk=people["deactivated"].pk).update(is_active=False)  # after signing in
    return {"orgs": orgs, "people": people, "logs": logs, "clients": clients, "newcomer": newcomer, "leaving": leaving,
            "assignees": {name: people[f"{name} coordinator"] for name in ORGANISATIONS}}


def stored(log):
    with schema_context("visits"):
        return Record.objects.get(pk=log.pk)


def is_shared(person, log):
    with schema_context("visits"):
        return shared_with(person).filter(record_id=log.pk).exists()


# --- The actions: each returns its page (a GET, if it has one), its answer, and whether it
# --- had its effect --------------------------------------------------------------------------


def see(client, world, organisation):
    log = world["logs"][organisation]
    page = client.get(f"/logs/{log.pk}/")
    review = client.get(f"/logs/{log.pk}/review/")
    listing = client.get("/logs/")
    listed = listing.status_code == 200 and f'href="/logs/{log.pk}/"' in listing.content.decode()
    assert review.status_code == page.status_code
    return None, page, listed and page.status_code == 200


def edit(client, world, organisation):
    log = world["logs"][organisation]
    url = f"/logs/{log.pk}/page/visit/"
    answer = client.post(url, {"log_wizard-current_step": "visit", "lock_version": stored(log).lock_version,
                               "visitref": "CHANGED", "visitdate_0": "4", "visitdate_1": "5", "visitdate_2": "2026"})
    return client.get(url), answer, stored(log).answers["visitref"] == "CHANGED"


def confirm(client, world, organisation):
    log = world["logs"][organisation]
    url = f"/logs/{log.pk}/soft-check/{SOFT_CHECK}/"
    page = client.get(url)
    answer = client.post(url, {"confirm": "yes", "lock_version": stored(log).lock_version})
    return page, answer, SOFT_CHECK in stored(log).confirmations


def assign(client, world, organisation):
    log, assignee = world["logs"][organisation], world["assignees"][organisation]
    url = f"/logs/{log.pk}/assign/"
    return client.get(url), client.post(url, {"person": assignee.pk}), stored(log).assigned_to_id == assignee.pk


def share(client, world, organisation):
    log = world["logs"][organisation]
    url = f"/logs/{log.pk}/share/"
    answer = client.post(url, {"email": world["newcomer"].email})
    return client.get(url), answer, is_shared(world["newcomer"], log)


def stop_sharing(client, world, organisation):
    log, leaving = world["logs"][organisation], world["leaving"]
    return None, client.post(f"/logs/{log.pk}/share/{leaving.pk}/stop/"), not is_shared(leaving, log)


def create(client, world, organisation):
    owner = world["orgs"][organisation]
    answer = client.post("/logs/new/", {"record_type": "visits:visit", "year": "2026", "owning_organisation": owner.pk,
                                        "managing_organisation": owner.pk, "assigned_to": ""})
    with schema_context("visits"):
        made = Record.objects.filter(owning_organisation=owner).count() > 1  # the fixture's log and a new one
    return client.get("/logs/new/"), answer, made


def upload(client, world, organisation, visits_template_csv):
    owner = world["orgs"][organisation]
    answer = client.post("/uploads/new/", {
        "record_type": "visits:visit", "year": "2026", "organisation": owner.pk, "on_errors": "check_only",
        "file": SimpleUploadedFile("visits.csv", visits_template_csv(owner), content_type="text/csv")})
    with schema_context("visits"):
        made = Upload.objects.filter(organisation=owner).exists()
    return client.get("/uploads/new/"), answer, made


ACTIONS = {"see": see, "edit": edit, "confirm": confirm, "assign": assign, "share": share,
           "stop sharing": stop_sharing, "create": create, "upload": upload}


def outcome(response, done):
    """What happened, in the table's words."""
    status = response.status_code
    if status == 302 and response.url.startswith("/sign-in/"):
        found = SIGN_IN
    elif status in (FORBIDDEN, NOT_FOUND):
        found = status
    elif done:
        return OK
    elif status == 200 and 'class="govuk-error-summary' in response.content.decode():
        found = NOT_OFFERED
    else:
        found = f"{status}, with no effect"
    return f"{found}, but done" if done else found


@pytest.mark.parametrize("role, action, organisation", list(EXPECTED), ids=lambda value: str(value).replace(" ", "_"))
def test_who_may_do_what_to_whose_log(role, action, organisation, world, request):
    act = ACTIONS[action]
    if action == "upload":
        request.getfixturevalue("eager_celery")
        page, answer, done = act(world["clients"][role], world, organisation, request.getfixturevalue("visits_template_csv"))
    else:
        page, answer, done = act(world["clients"][role], world, organisation)
    expected = EXPECTED[role, action, organisation]
    assert outcome(answer, done) == expected, (answer.status_code, answer.content.decode()[:2000])
    if page is not None:
        assert page.status_code == PAGE_STATUS[expected]


def test_the_table_covers_every_role_action_and_organisation():
    assert len(EXPECTED) == len(TABLE) * len(ACTIONS) * len(ORGANISATIONS)


@pytest.mark.parametrize("role", TABLE)
def test_the_one_rule_is_the_table(role, world):
    """visible_to and changeable_by themselves, as the pages use them (a deactivated
    person: neither)."""
    person = User.objects.get(pk=world["people"][role].pk)
    seeing, changing, _ = TABLE[role]
    with schema_context("visits"):
        for rule, outcomes in ((Record.objects.visible_to, seeing), (Record.objects.changeable_by, changing)):
            found = set(rule(person).values_list("pk", flat=True))
            assert found == {world["logs"][name].pk for name, result in zip(ORGANISATIONS, outcomes) if result == OK}


# --- What a person who may see but not change is shown ---------------------------------------


def change_links(html):
    return re.findall(r'href="(/logs/\d+/(?:page|assign|share|soft-check)/[^"]*|/logs/new/|/uploads/new/)"', html)


@pytest.mark.parametrize("role, shown", [("analyst", False), ("child coordinator", True)])
def test_a_log_is_shown_with_change_links_only_to_those_who_may_change_it(role, shown, world):
    client, log = world["clients"][role], world["logs"]["child"]
    pages = [client.get(url).content.decode() for url in (
        "/logs/", f"/logs/{log.pk}/", f"/logs/{log.pk}/review/", f"/logs/{log.pk}/visit_details/check-answers/")]
    assert all("V-1" in page for page in pages[2:])  # the answers, to read
    assert [bool(change_links(page)) for page in pages] == [shown] * len(pages)


# --- A person's session is no key to the API --------------------------------------------------


@pytest.mark.parametrize("role", TABLE)
def test_a_persons_session_is_no_key_to_the_api(role, world):
    client, url = world["clients"][role], f"/api/v1/records/{world['logs']['child'].pk}/"
    assert client.get(url).status_code == 401
    assert client.patch(url, {"answers": {"visitref": "CHANGED"}}, content_type="application/json").status_code == 401
    assert client.delete(url).status_code == 401
    assert stored(world["logs"]["child"]).answers["visitref"] == "V-1"
