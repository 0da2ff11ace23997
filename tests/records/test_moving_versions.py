"""A record that crosses into a new year moves to that year's version
(cldc.platform.records.versions): the answers the new version still takes are kept,
the others are reported by field with why, and the move is one revision. On the test
collection's 2027 version (visits_next_year.py): "What needs repairing" is no longer
asked, "Every 4 weeks" (3) is split into 5 and 6, and the people of the household have
dates they moved in and out."""

import datetime as dt
import html

import pytest
from django_tenants.utils import schema_context

from cldc.platform.records.gateway import StaleRecord, WindowClosed, submit
from cldc.platform.records.history import members_open_at, state_at, version_at
from cldc.platform.records.models import Record
from cldc.platform.records.versions import MoveRefused, move_to_version
from cldc.platform.windows.models import CollectionWindow
from cldc.tests.records.visits_next_year import visits_2027  # noqa: F401 (a fixture)

IN_2027 = dt.date(2027, 5, 1)
VISIT = {"visitref": "V-77", "visitdate": "2026-05-04", "repairs": 1, "repairsdetail": "Kitchen tap drips",
         "needs_mobility": 1, "hhmemb": 2, "age1": 42, "work1": 1, "age2": 12, "work2": 2, "period": 3,
         "rent": 480, "visitmode": 1}
SPLIT = ("“Every 4 weeks” (3) is no longer an answer to Rent period: choose “Every 4 weeks” (5) or "
         "“Every 28 days” (6).")


@pytest.fixture
def association(make_organisation):
    return make_organisation("Moving Homes", type="prp")


@pytest.fixture
def officer(make_person, association):
    return make_person("officer@moving.example", association)


@pytest.fixture
def visit(visits_2027, association, officer):
    with schema_context("visits"):
        record = Record(collection="visits", record_type="visit", version=2026, owning_organisation=association,
                        managing_organisation=association)
        assert submit(record, VISIT, "form", officer, today=dt.date(2026, 6, 1)).errors == []
        yield record


def test_a_move_keeps_the_answers_the_new_year_takes_and_reports_the_rest_by_field(visit, officer):
    move = move_to_version(visit, 2027, officer, "form", today=IN_2027)

    stored = Record.objects.get(pk=visit.pk)
    assert stored.version == 2027 and move.saved
    assert not {"repairsdetail", "period", "work2"} & set(stored.answers)
    assert {name: stored.answers[name] for name in ("visitref", "age2", "rent", "needs_mobility")} == {
        "visitref": "V-77", "age2": 12, "rent": 480, "needs_mobility": 1}
    assert move.kept == ["visitref", "visitdate", "repairs", "needs_mobility", "needs_mental", "needs_none", "hhmemb",
                         "age1", "work1", "age2", "rent", "visitmode"]  # in form order; unticked boxes are 0
    # Kept, but 4 May 2026 is not in 2027/28: the new year's rule says so on its field.
    assert [(item["field"], item["rule"], item["message"], item["value"]) for item in move.needs_answer] == [
        ("period", "retired_option", SPLIT, 3),
        ("visitdate", "visitdate_in_collection_year", "The date of the visit must be in the collection year.",
         "2026-05-04"),
    ]
    assert [(item["field"], item["rule"], item["message"], item["value"]) for item in move.no_longer_asked] == [
        ("repairsdetail", "not_in_version", "“What needs repairing” is not a question in the 2027 to 2028 collection "
                                            "year.", "Kitchen tap drips"),
        ("work2", "not_applicable", "“Person 2's work” is not asked in the 2027 to 2028 collection year, given this "
                                    "visit’s other answers.", 2),
    ]
    assert stored.status == "in_progress" and "period" in move.outcome.missing


def test_the_move_is_one_revision_that_says_who_when_and_from_which_version(visit, officer):
    before = visit.revisions.count()
    move_to_version(visit, 2027, officer, "form", today=IN_2027)
    revision = visit.revisions.order_by("number").last()
    assert visit.revisions.count() == before + 1
    assert (revision.user, revision.source, revision.changes["version"]) == (officer, "form", [2026, 2027])
    assert revision.changes["period"] == [3, None] and revision.changes["repairsdetail"] == ["Kitchen tap drips", None]
    # History reads the move: the answers and the version as they stood before and after it.
    moved_at = revision.created_at
    first = visit.revisions.get(number=1).created_at
    assert version_at(visit, first) == 2026 and state_at(visit, first)["period"] == 3
    assert version_at(visit, moved_at) == 2027 and state_at(visit, moved_at) == Record.objects.get(pk=visit.pk).answers
    assert version_at(visit, dt.date(2026, 1, 1)) is None  # before the visit was recorded


def test_validate_only_says_what_a_move_would_do_and_changes_nothing(visit, officer):
    move = move_to_version(visit, 2027, officer, "form", today=IN_2027, validate_only=True)
    assert [item["field"] for item in move.needs_answer] == ["period", "visitdate"]
    assert [item["field"] for item in move.no_longer_asked] == ["repairsdetail", "work2"]
    assert not move.saved and visit.version == 2026
    stored = Record.objects.get(pk=visit.pk)
    assert (stored.version, stored.answers) == (2026, Record.objects.get(pk=visit.pk).answers)
    assert stored.answers["period"] == 3 and visit.revisions.count() == 1


@pytest.mark.parametrize("version, message", [
    (2026, "This visit is already in the 2026 to 2027 collection year. It can only move to a later year."),
    (2025, "This visit is in the 2026 to 2027 collection year. It can only move to a later year."),
    (2030, "There is no 2030 to 2031 collection year for this visit."),
])
def test_a_move_to_an_earlier_the_same_or_an_unknown_year_is_refused(visit, officer, version, message):
    with pytest.raises(MoveRefused) as refused:
        move_to_version(visit, version, officer, "form", today=IN_2027)
    assert str(refused.value) == message
    assert Record.objects.get(pk=visit.pk).version == 2026 and visit.revisions.count() == 1


def test_a_moved_record_cannot_move_back(visit, officer):
    move_to_version(visit, 2027, officer, "form", today=IN_2027)
    with pytest.raises(MoveRefused, match="in the 2027 to 2028 collection year. It can only move to a later year"):
        move_to_version(visit, 2026, officer, "form", today=IN_2027)


def test_the_new_years_window_must_be_open_for_changes(visit, officer):
    window = CollectionWindow.objects.get(collection="visits", record_type="visit", version=2027)
    window.opens_on, window.editing_end = dt.date(2027, 4, 1), dt.date(2028, 9, 30)
    window.save()
    with pytest.raises(WindowClosed, match="You can move visits to the 2027 to 2028 collection year from 1 April 2027"):
        move_to_version(visit, 2027, officer, "form", today=dt.date(2027, 3, 31))
    with pytest.raises(WindowClosed, match="Visits for the 2027 to 2028 collection year could be changed until "
                                           "30 September 2028"):
        move_to_version(visit, 2027, officer, "form", today=dt.date(2028, 10, 1))
    assert visit.version == 2026 and Record.objects.get(pk=visit.pk).version == 2026
    assert move_to_version(visit, 2027, officer, "form", today=dt.date(2027, 4, 1)).saved


def test_a_move_from_a_stale_page_is_refused(visit, officer):
    read = visit.lock_version
    submit(Record.objects.get(pk=visit.pk), {"rent": 490}, "api", today=dt.date(2026, 6, 2))  # someone else, meanwhile
    visit.refresh_from_db()  # the record as it is now; the page was shown at `read`
    with pytest.raises(StaleRecord):
        move_to_version(visit, 2027, officer, "form", expected_version=read, today=IN_2027)
    assert Record.objects.get(pk=visit.pk).version == 2026


def test_a_code_the_old_year_had_retired_is_not_carried_into_the_new_one(visit, officer):
    # Held from before "Remotely" (4) was split: kept in 2026, which reads it; 2027 does not take it.
    Record.objects.filter(pk=visit.pk).update(answers={**visit.answers, "visitmode": 4})
    visit.refresh_from_db()
    move = move_to_version(visit, 2027, officer, "form", today=IN_2027)
    assert ("visitmode", "“Remotely” (4) is no longer an answer to How the visit was made: choose “By phone” (2) or "
                         "“By video call” (3).") in [(item["field"], item["message"]) for item in move.needs_answer]
    assert "visitmode" not in Record.objects.get(pk=visit.pk).answers


# --- The page: /logs/<id>/move/ ------------------------------------------------------------


def page_of(response):
    return html.unescape(response.content.decode())


def test_the_owner_sees_what_moving_does_and_moves_the_visit_with_one_button(visit, officer, client_for):
    client = client_for("visits", officer)
    assert "Move this visit to the 2027 to 2028 collection year" in page_of(client.get(f"/logs/{visit.pk}/"))
    page = page_of(client.get(f"/logs/{visit.pk}/move/"))
    assert "<h1 class=\"govuk-heading-l\">Move this visit to the 2027 to 2028 collection year</h1>" in page
    needs = page[page.index('id="needs-answer"'):page.index("</table>")]
    assert "Rent period" in needs and "Every 4 weeks" in needs and "4 May 2026" in needs
    assert "choose “Every 4 weeks” (5) or “Every 28 days” (6)" in needs
    assert "The date of the visit must be in the collection year." in needs
    gone = page[page.index('id="no-longer-asked"'):page.index('id="kept"')]
    assert "What needs repairing" in gone and "Kitchen tap drips" in gone and "Person 2's work" in gone
    kept = page[page.index('id="kept"'):]
    assert "Person 2's age" in kept and "Needs: Mobility support" in kept
    assert Record.objects.get(pk=visit.pk).version == 2026  # showing it moves nothing

    response = client.post(f"/logs/{visit.pk}/move/", {"version": 2027, "lock_version": visit.lock_version})
    assert response.status_code == 302 and response.url == f"/logs/{visit.pk}/"
    assert Record.objects.get(pk=visit.pk).version == 2027
    tasks = page_of(client.get(response.url))
    assert "Visit moved to the 2027 to 2028 collection year. 2 answers need a new answer." in tasks
    assert "Move this visit" not in tasks  # no later year to move to


def test_a_page_shown_before_someone_else_changed_the_visit_moves_nothing(visit, officer, client_for):
    client = client_for("visits", officer)
    shown_at = visit.lock_version
    submit(Record.objects.get(pk=visit.pk), {"rent": 490}, "api", today=dt.date(2026, 6, 2))
    response = client.post(f"/logs/{visit.pk}/move/", {"version": 2027, "lock_version": shown_at}, follow=True)
    assert "This visit has changed since you opened this page." in page_of(response)
    assert Record.objects.get(pk=visit.pk).version == 2026


def test_a_closed_year_is_said_on_the_page_without_a_button(visit, officer, client_for):
    CollectionWindow.objects.filter(collection="visits", version=2027).update(opens_on=dt.date.today() + dt.timedelta(1))
    page = page_of(client_for("visits", officer).get(f"/logs/{visit.pk}/move/"))
    assert "You can move visits to the 2027 to 2028 collection year from" in page and "Move this visit to 2027" not in page


def test_only_a_post_moves(visit, officer, client_for):
    client = client_for("visits", officer)
    assert client.put(f"/logs/{visit.pk}/move/").status_code == 405
    assert Record.objects.get(pk=visit.pk).version == 2026


@pytest.mark.parametrize("who, status", [
    ("owner", 200),
    ("other organisation", 404),  # as if the visit did not exist
    ("analyst", 403),  # sees every visit, changes none
    ("content designer", 404),
])
def test_who_may_move_a_visit(visit, officer, client_for, make_organisation, make_person, who, status):
    people = {
        "owner": officer,
        "other organisation": make_person("other@elsewhere.example", make_organisation("Elsewhere Homes")),
        "analyst": make_person("analyst@dept.example", staff_role="analyst"),
        "content designer": make_person("content@dept.example", staff_role="content_designer"),
    }
    client = client_for("visits", people[who])
    assert client.get(f"/logs/{visit.pk}/move/").status_code == status
    moved = client.post(f"/logs/{visit.pk}/move/", {"version": 2027, "lock_version": visit.lock_version})
    assert moved.status_code == (302 if status == 200 else status)
    assert Record.objects.get(pk=visit.pk).version == (2027 if status == 200 else 2026)


# --- The API: POST /api/v1/records/<id>/move/ -----------------------------------------------


@pytest.fixture
def api(visit, association, officer):
    from cldc.api.keys import create_client
    from cldc.tests.api.api_helpers import Api

    return Api(create_client(name="Visits system", created_by=officer, organisation=association).key)


def test_the_api_moves_a_record_and_answers_with_what_needs_a_new_answer(api, visit):
    from cldc.tests.api.api_helpers import problem_of

    tried = api.post(f"records/{visit.pk}/move/?validate_only=true", {"version": 2027})
    assert tried.status_code == 200 and tried.json()["saved"] is False
    assert Record.objects.get(pk=visit.pk).version == 2026

    moved = api.post(f"records/{visit.pk}/move/", {"version": 2027}, HTTP_IF_MATCH=f'"{visit.lock_version}"')
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert (body["from_version"], body["to_version"], body["saved"]) == (2026, 2027, True)
    assert [(item["field"], item["rule"]) for item in body["needs_answer"]] == [
        ("period", "retired_option"), ("visitdate", "visitdate_in_collection_year")]
    assert body["needs_answer"][0] == {"field": "period", "rule": "retired_option", "message": SPLIT, "value": 3}
    assert [(item["field"], item["rule"]) for item in body["no_longer_asked"]] == [
        ("repairsdetail", "not_in_version"), ("work2", "not_applicable")]
    assert moved["ETag"] == f'"{visit.lock_version + 1}"'
    assert Record.objects.get(pk=visit.pk).revisions.last().api_client is not None

    back = problem_of(api.post(f"records/{visit.pk}/move/", {"version": 2026}), 422)
    assert [(e["field"], e["rule"]) for e in back["errors"]] == [("version", "move_refused")]
    assert "It can only move to a later year" in back["detail"]


def test_the_api_refuses_a_stale_or_closed_move_and_hides_other_peoples_records(api, visit, make_organisation):
    from cldc.tests.api.api_helpers import problem_of

    assert problem_of(api.post(f"records/{visit.pk}/move/", {"version": 2027}, HTTP_IF_MATCH='"99"'), 412)
    CollectionWindow.objects.filter(collection="visits", version=2027).update(opens_on=dt.date.today() + dt.timedelta(1))
    assert "You can move visits to the 2027 to 2028 collection year" in problem_of(
        api.post(f"records/{visit.pk}/move/", {"version": 2027}), 409)["detail"]
    other = make_organisation("Not Theirs")
    theirs = submit(Record(collection="visits", record_type="visit", version=2026, owning_organisation=other,
                           managing_organisation=other), VISIT, "api", today=dt.date(2026, 6, 1)).record
    problem_of(api.post(f"records/{theirs.pk}/move/", {"version": 2027}), 404)
    assert Record.objects.filter(version=2027).count() == 0
