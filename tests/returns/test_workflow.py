"""A return's steps through its pages: including and excluding a visit with a reason,
submitting (the visits frozen as they stand then), a later change that
leaves the submitted snapshot alone but is listed as changed since submission, a
reopening and a second version, the differences from the previous quarter, and the
steps each status refuses."""

import datetime as dt

from django_tenants.utils import schema_context

from cldc.platform.returns.models import RecordChoice, Return, ReturnEvent, Snapshot
from cldc.tests.returns.conftest import return_url


def events(organisation):
    with schema_context("visits"):
        return list(ReturnEvent.objects.filter(return_made__organisation=organisation)
                    .values_list("kind", "by__email", "record_id", "text", "snapshot_version"))


def frozen(organisation, period=(2026, 1), version=None):
    """{record id: answers} of a return's snapshot (the latest, or one version)."""
    with schema_context("visits"):
        snapshots = Snapshot.objects.filter(return_made__organisation=organisation, return_made__year=period[0],
                                            return_made__number=period[1]).order_by("-version")
        snapshot = snapshots.get(version=version) if version else snapshots.first()
        return {row.record_number: row.answers for row in snapshot.records.all()}


def test_a_visit_is_included_or_excluded_by_hand_with_a_reason_that_is_recorded(world, make_visit):
    parent = world["orgs"]["parent"]
    triggered = make_visit(parent, "IN-Q1", dt.date(2026, 5, 1))
    later = make_visit(parent, "IN-Q2", dt.date(2026, 8, 1))  # not triggered in the first quarter
    coordinator = world["clients"]["parent coordinator"]
    url = return_url(parent)

    response = coordinator.post(url + "choose/", {"record": later.pk, "decision": "include", "reason": ""})
    assert response.status_code == 200  # the page again, with the error on the reason
    assert "Enter why you include this visit" in response.content.decode()
    response = coordinator.post(url + "choose/", {"record": 999999999, "decision": "include", "reason": "Missed"})
    assert "Enter the number of one of this organisation" in response.content.decode()

    assert coordinator.post(url + "choose/", {"record": later.pk, "decision": "include",
                                              "reason": "Booked in June"}).status_code == 302
    assert coordinator.post(url + "choose/", {"record": triggered.pk, "decision": "exclude",
                                              "reason": "A <b>duplicate</b>"}).status_code == 302
    page = coordinator.get(url).content.decode()
    included, excluded = page.split('id="included"')[1].split('id="excluded"')
    assert f"Visit {later.pk}</a>" in included and "Included by the organisation: Booked in June" in included
    assert f"Visit {triggered.pk}</a>" in excluded and "A &lt;b&gt;duplicate&lt;/b&gt;" in excluded
    email = world["people"]["parent coordinator"].email
    assert events(parent) == [("included", email, later.pk, "Booked in June", None),
                              ("excluded", email, triggered.pk, "A <b>duplicate</b>", None)]

    # Left to the triggers again: in, for the reason the package gives.
    assert coordinator.post(url + "choose/", {"record": triggered.pk, "decision": "triggers"}).status_code == 302
    with schema_context("visits"):
        assert list(RecordChoice.objects.values_list("record_id", flat=True)) == [later.pk]
    assert coordinator.post(url + "submit/").status_code == 302
    assert set(frozen(parent)) == {triggered.pk, later.pk}


def test_the_submitted_snapshot_is_the_visit_as_it_stood_at_submission_and_a_later_change_does_not_alter_it(
        world, make_visit, change_visit):
    parent = world["orgs"]["parent"]
    visit = make_visit(parent, "FROZEN", dt.date(2026, 5, 1), made_on=dt.date(2026, 5, 2), rent=500)
    change_visit(visit, made_on=dt.date(2026, 7, 3), rent=600)  # corrected after the quarter, before it was sent
    coordinator = world["clients"]["parent coordinator"]
    assert coordinator.post(return_url(parent, step="submit")).status_code == 302
    assert frozen(parent)[visit.pk]["rent"] == 600
    with schema_context("visits"):
        row = Snapshot.objects.get().records.get()
    assert row.derived["weekly_rent"] == round(600 * 12 / 52, 2)  # its derived values as they stood too

    change_visit(visit, rent=700)  # after the submission
    assert frozen(parent)[visit.pk]["rent"] == 600
    page = coordinator.get(return_url(parent)).content.decode()
    listed = page.split('id="changed-since-submission"')[1].split("</div>")[0]
    assert "Changed since submission" in page and f"Changed: <a class=\"govuk-link\" href=\"/logs/{visit.pk}/\">" in listed


def test_a_late_addition_is_listed_then_frozen_as_it_stands_in_a_new_version(world, make_visit, change_visit):
    parent = world["orgs"]["parent"]
    first = make_visit(parent, "ON-TIME", dt.date(2026, 5, 1), made_on=dt.date(2026, 5, 2))
    coordinator, support = world["clients"]["parent coordinator"], world["clients"]["support"]
    url = return_url(parent)
    coordinator.post(url + "submit/")
    assert "Changed since submission" not in coordinator.get(url).content.decode()

    late = make_visit(parent, "LATE", dt.date(2026, 6, 1))  # made now, dated in the quarter
    change_visit(first, rent=650)  # a revision to the quarter
    page = coordinator.get(url).content.decode()
    listed = page.split('id="changed-since-submission"')[1].split("</ul>")[0]
    assert f"Added: <a class=\"govuk-link\" href=\"/logs/{late.pk}/\">" in listed
    assert f"Changed: <a class=\"govuk-link\" href=\"/logs/{first.pk}/\">" in listed
    assert coordinator.post(url + "submit/").status_code == 302  # submitted: refused, nothing new
    with schema_context("visits"):
        assert Snapshot.objects.count() == 1

    assert support.post(url + "reopen/", {"reason": "Two late changes"}).status_code == 302
    assert coordinator.post(url + "submit/").status_code == 302
    assert set(frozen(parent, version=1)) == {first.pk}
    second = frozen(parent, version=2)
    assert set(second) == {first.pk, late.pk} and second[first.pk]["rent"] == 650  # the revision, as it stands
    with schema_context("visits"):
        rows = {r.record_number: (r.late, r.revised) for r in Snapshot.objects.get(version=2).records.all()}
    assert rows == {first.pk: (False, True), late.pk: (True, False)}
    page = coordinator.get(url).content.decode()
    assert "Changed since submission" not in page and "Added since the last submission" in page
    assert [kind for kind, *_ in events(parent)] == ["submitted", "reopened", "submitted"]
    assert events(parent)[1][1:4] == (world["people"]["support"].email, None, "Two late changes")
    assert [version for *_, version in events(parent)] == [1, None, 2]


def test_differences_from_the_previous_quarter_list_new_gone_and_changed_fields(world, make_visit, change_visit):
    parent = world["orgs"]["parent"]
    kept = make_visit(parent, "KEPT", dt.date(2026, 6, 1), made_on=dt.date(2026, 6, 2), rent=500)
    gone = make_visit(parent, "GONE", dt.date(2026, 6, 3), made_on=dt.date(2026, 6, 4))
    new = make_visit(parent, "NEW", dt.date(2026, 8, 1), made_on=dt.date(2026, 8, 2))
    coordinator = world["clients"]["parent coordinator"]
    page = coordinator.get(return_url(parent, "2026-q2")).content.decode()
    assert 'id="no-previous"' in page  # nothing submitted for April to June yet

    coordinator.post(return_url(parent, "2026-q1", "submit"))
    change_visit(kept, rent=520)  # after April to June was sent
    coordinator.post(return_url(parent, "2026-q2", "choose"), {"record": kept.pk, "decision": "include",
                                                               "reason": "Still visiting"})
    page = coordinator.get(return_url(parent, "2026-q2")).content.decode()
    assert f'href="/logs/{new.pk}/"' in page.split('id="new-this-quarter"')[1].split("</dd>")[0]
    assert f'href="/logs/{gone.pk}/"' in page.split('id="gone-this-quarter"')[1].split("</dd>")[0]
    changed = page.split('id="changed-this-quarter"')[1].split("</dd>")[0]
    assert f"Visit {kept.pk}</a>: Rent, Weekly rent" in changed and f"Visit {new.pk}" not in changed

    def differences(page):
        return page.split('id="since-last-period"')[1].split("</dl>")[0]

    coordinator.post(return_url(parent, "2026-q2", "submit"))  # the same, from the frozen snapshots
    assert differences(page) == differences(coordinator.get(return_url(parent, "2026-q2")).content.decode())


def test_each_status_allows_only_its_steps(world, make_visit):
    parent = world["orgs"]["parent"]
    visit = make_visit(parent, "STEPS", dt.date(2026, 5, 1))
    coordinator = world["clients"]["parent coordinator"]
    url = return_url(parent)

    def status():
        with schema_context("visits"):
            return Return.objects.filter(organisation=parent, number=1).values_list("status", flat=True).first()

    response = coordinator.post(url + "sign-off/", follow=True)
    assert "Only a submitted return can be signed off" in response.content.decode()
    assert status() == "open" and events(parent) == []  # a refused step leaves nothing behind
    assert "This return is open already" in coordinator.post(url + "reopen/", {"reason": "x"}, follow=True
                                                             ).content.decode()
    coordinator.post(url + "submit/")
    assert status() == "submitted"
    response = coordinator.post(url + "choose/", {"record": visit.pk, "decision": "triggers"}, follow=True)
    assert "reopen it to include or exclude records" in response.content.decode()
    coordinator.post(url + "sign-off/")
    assert status() == "signed_off"
    assert "already been signed off" in coordinator.post(url + "sign-off/", follow=True).content.decode()
    response = coordinator.post(url + "reopen/", {"reason": ""})
    assert response.status_code == 200 and "Enter why you are reopening the return" in response.content.decode()
    coordinator.post(url + "reopen/", {"reason": "A correction"})
    assert status() == "reopened"

    # The quarter in progress cannot be submitted yet.
    response = coordinator.post(return_url(parent, "2026-q3", "submit"), follow=True)
    assert "can be submitted once the period has ended, from 1 January 2027" in response.content.decode()
