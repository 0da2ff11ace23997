"""Matching a provider's values to our answers: only confident guesses are chosen for
the person, a value left as it is is remembered (and not asked about again), and every
column and value match the organisation saved can be seen, changed and removed on a
page that works without JavaScript. (The precision of confident guesses on a labelled
set of provider values: bench/value_matching.py.)"""

import re

import pytest
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.records.models import Record
from cldc.platform.uploads.fixes import ValuesForm
from cldc.platform.uploads.models import SavedMapping
from tests.uploads.test_upload_fixes import accept_page, chosen, post_file, upload_of

pytestmark = pytest.mark.usefixtures("eager_celery")  # tasks run in this process


@pytest.fixture
def council(make_organisation):
    return make_organisation("Matching Borough Council", type="local_authority")


@pytest.fixture
def officer(make_person, council):
    return make_person("matcher@example.com", council, role="data_coordinator")


@pytest.fixture
def client(client_for, visits_service, officer):
    return client_for("visits", officer)


def choose_on_page(client, url, choices):
    """Submit a matching page, choosing `choices` {label text: value} and accepting the rest."""
    page = client.get(url).content.decode()
    data = {name: chosen(page, name) for name in re.findall(r'<select name="([^"]+)"', page)}
    for text, value in choices.items():
        name = re.search(rf'for="id_([^"]+)"[^>]*>\s*“{re.escape(text)}”', page).group(1)
        data[name] = value
    return client.post(url, data)


def test_only_confident_value_guesses_are_chosen_for_the_person():
    visit = registry.get("visits").definition("visit", 2026)
    wanted = [("period", "fortnightly", "Fortnightly", 3),
              ("work1", "not working", "Not working", 2),
              ("period", "no", "No", 1)]
    form = ValuesForm(wanted=wanted, definition=visit)
    initial = {name: field.initial for name, field in form.fields.items()}
    # Fortnightly is every 2 weeks, never every 4; "Not working" (not in work, or
    # retired and would rather not say?) and "No" (not an answer to a rent period) are
    # only suggested: the person chooses, or leaves them.
    assert initial == {"value_0": "2", "value_1": "", "value_2": ""}
    suggested = [label for _, label in dict(form.fields["value_1"].choices)["Suggested"]]
    assert len(suggested) == 3


def test_a_value_left_as_it_is_is_remembered_and_not_asked_about_again(client, council, visits_provider_csv):
    content, _ = visits_provider_csv(["LEFT-1"])
    with schema_context("visits"):
        upload = upload_of(post_file(client, council, content))
        accept_page(client, f"/uploads/{upload.pk}/columns/")
        choose_on_page(client, f"/uploads/{upload.pk}/values/", {"Calendar month": ""})  # leave it
        upload.refresh_from_db()
        assert upload.status == "checked" and upload.issues.filter(field="period", value="Calendar month").exists()
        assert SavedMapping.objects.filter(organisation=council, kind="value", variable="period", source="calendar month",
                                           target="").exists()

        again = upload_of(post_file(client, council, content))
        again.refresh_from_db()
        assert again.status == "checked"  # not stopped to ask about "Calendar month" again
        page = client.get(f"/uploads/{again.pk}/values/").content.decode()  # still reviewable after the check
        assert "“Calendar month” as an answer to" in page


def test_a_chosen_value_is_kept_for_the_organisations_next_file(client, council, visits_provider_csv):
    content, _ = visits_provider_csv(["KEPT-1"])
    with schema_context("visits"):
        upload = upload_of(post_file(client, council, content))
        accept_page(client, f"/uploads/{upload.pk}/columns/")
        choose_on_page(client, f"/uploads/{upload.pk}/values/", {"Calendar month": "4"})
        upload.refresh_from_db()
        assert (upload.status, upload.created) == ("done", 1)
        again = upload_of(post_file(client, council, content))
        again.refresh_from_db()
        assert (again.status, again.unchanged) == ("done", 1)


def test_the_organisations_saved_matches_are_listed_and_each_can_be_changed_or_removed(
        client, council, visits_provider_csv, client_for, make_person, make_organisation):
    content, _ = visits_provider_csv(["SAVED-1"])
    with schema_context("visits"):
        upload = upload_of(post_file(client, council, content))
        accept_page(client, f"/uploads/{upload.pk}/columns/")
        choose_on_page(client, f"/uploads/{upload.pk}/values/", {"Calendar month": "4"})

        index = client.get("/uploads/matches/").content.decode()
        url = f"/uploads/matches/{council.pk}/visits/visit/"
        assert f'href="{url}"' in index and "Matching Borough Council" in index
        page = client.get(url).content.decode()
        assert "govuk-summary-list" in page
        assert "visit ref" in page.lower() and "Calendar month" in page and "Monthly" in page
        value = SavedMapping.objects.get(organisation=council, kind="value", variable="period", source="calendar month")
        column = SavedMapping.objects.get(organisation=council, kind="column", source="our internal notes")
        assert f'href="/uploads/matches/change/{value.pk}/"' in page and f'href="/uploads/matches/change/{column.pk}/"' in page

        # Change the value to every 4 weeks; leave another as it is; take a column out.
        form = client.get(f"/uploads/matches/change/{value.pk}/").content.decode()
        assert chosen(form, "target") == "4" and "Every 4 weeks" in form and "Remove this match" in form
        assert client.post(f"/uploads/matches/change/{value.pk}/", {"target": "3"})["Location"] == url
        value.refresh_from_db()
        assert value.target == "3"
        client.post(f"/uploads/matches/change/{value.pk}/", {"target": ""})
        value.refresh_from_db()
        assert value.target == "" and "Leave it" in client.get(url).content.decode()
        assert client.post(f"/uploads/matches/remove/{value.pk}/")["Location"] == url
        assert not SavedMapping.objects.filter(pk=value.pk).exists()
        client.post(f"/uploads/matches/change/{column.pk}/", {"target": "repairsdetail"})
        column.refresh_from_db()
        assert column.target == "repairsdetail"

        stranger = client_for("visits", make_person("peeker@example.com", make_organisation("Peeking Homes"),
                                                  role="data_coordinator"))
        assert stranger.get(url).status_code == 404
        assert stranger.get(f"/uploads/matches/change/{column.pk}/").status_code == 404
        assert stranger.post(f"/uploads/matches/remove/{column.pk}/").status_code == 404


def test_a_saved_column_changed_to_the_question_another_column_answers_is_asked_about_not_used(
        client, council, visits_provider_csv):
    """Two of a file's columns filling one answer: the later one's cells overwrote the
    other's, and a record was created with a person's work as its reference, without a word."""
    content, _ = visits_provider_csv(["CLASH-1"])
    with schema_context("visits"):
        upload = upload_of(post_file(client, council, content))
        accept_page(client, f"/uploads/{upload.pk}/columns/")
        choose_on_page(client, f"/uploads/{upload.pk}/values/", {"Calendar month": "4"})
        work = SavedMapping.objects.get(organisation=council, kind="column", written="Person 2 work")
        client.post(f"/uploads/matches/change/{work.pk}/", {"target": "visitref"})  # as "Visit Ref" is

        content, _ = visits_provider_csv(["CLASH-2"])
        again = upload_of(post_file(client, council, content))
        again.refresh_from_db()
        assert again.status == "mapping", list(Record.objects.values_list("answers__visitref", flat=True))
        page = client.get(f"/uploads/{again.pk}/columns/").content.decode()
        assert page.count("Another column fills the same answer") == 2
        response = accept_page(client, f"/uploads/{again.pk}/columns/")
        assert "“Person 2 work” and “Visit Ref” fill the same answer" in response.content.decode()
        assert not Record.objects.filter(answers__visitref="CLASH-2").exists()
