"""Queries to providers (cldc.platform.queries) on the visits test collection: raise,
answer, correct, resolve and reopen, each step an event with who and when; the emails
(right people, nothing personal); the list's filters; one query for each of many logs."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import schema_context

from cldc.platform.queries import notify
from cldc.platform.queries.models import Query, QueryEvent

MESSAGE = "Rent of £900 a month for one room: please confirm"


def raise_on(client, log, question="rent", message=MESSAGE):
    response = client.post(f"/logs/{log.pk}/queries/new/", {"question": question, "message": message})
    assert response.status_code == 302, response.content.decode()
    return int(re.fullmatch(r"/queries/(\d+)/", response.url).group(1))


def stored(pk):
    with schema_context("visits"):
        query = Query.objects.select_related("record").get(pk=pk)
        events = [(event.kind, event.by.email, event.text) for event in query.events.select_related("by")]
        return query, events


def test_the_raise_form_offers_the_log_s_answered_questions_with_their_answers(world):
    page = world["clients"]["analyst"].get(f"/logs/{world['logs']['child'].pk}/queries/new/").content.decode()
    assert "Raise a query about this visit" in page
    assert re.search(r'<option value="" selected>The whole visit, not one answer</option>', page)
    assert '<option value="rent">Rent: £900.00</option>' in page and '<option value="visitref">Visit reference: V-child' in page
    assert 'value="age3"' not in page  # two people: person 3 is not asked
    response = world["clients"]["analyst"].post(f"/logs/{world['logs']['child'].pk}/queries/new/",
                                                {"question": "age3", "message": ""})
    errors = response.content.decode()
    assert "Enter your query" in errors and "Select an answer the visit has now" in errors


def test_raise_answer_correct_resolve_and_reopen_each_recorded_with_who_and_when(world):
    analyst, provider = world["clients"]["analyst"], world["clients"]["child provider"]
    log = world["logs"]["child"]
    before = timezone.now()
    pk = raise_on(analyst, log)
    query, events = stored(pk)
    assert (query.status, query.question, query.answer_values, query.answer_text) == ("open", "rent", {"rent": 900}, "£900.00")
    assert events == [("raised", "analyst@dept.example", "")] and query.raised_at >= before
    assert query.message == MESSAGE

    home = provider.get("/").content.decode()  # the provider sees it waiting on their home page and on the log
    assert "Queries to answer" in home and f'href="/queries/{pk}/"' in home and "1 open query" in home
    log_page = provider.get(f"/logs/{log.pk}/").content.decode()
    assert f'href="/queries/{pk}/"' in log_page and "Query " + str(pk) + ": Rent" in log_page
    review = provider.get(f"/logs/{log.pk}/review/").content.decode()  # marked beside the answer it is about
    assert re.search(rf'Query</strong> <a class="govuk-link" href="/queries/{pk}/">Query {pk} about this answer', review)

    assert provider.post(f"/queries/{pk}/reply/", {"text": "It is £90: typed wrong, corrected"}).status_code == 302
    query, events = stored(pk)
    assert query.status == "answered" and events[-1] == ("replied", "provider@child.example", "It is £90: typed wrong, corrected")
    assert "Queries to answer" not in provider.get("/").content.decode()  # answered: nothing waiting

    detail = provider.get(f"/queries/{pk}/").content.decode()  # the correction, through the log's own page
    correct = re.search(r'href="(/logs/\d+/page/rent/\?return_to=[^"]+)">correct the answer', detail).group(1)
    with schema_context("visits"):
        lock = type(log).objects.get(pk=log.pk).lock_version
    response = provider.post(correct.replace("&amp;", "&"), {"log_wizard-current_step": "rent", "lock_version": lock,
                                                             "period": "4", "rent": "90",
                                                             "return_to": f"/queries/{pk}/"})
    assert response.status_code == 302 and response.url == f"/queries/{pk}/"
    query, _ = stored(pk)
    assert query.answer_changed() and query.record.answers["rent"] == 90
    detail = analyst.get(f"/queries/{pk}/").content.decode()
    assert re.search(r'id="answer-then">£900.00<', detail) and re.search(r'id="answer-now">£90.00 <strong', detail)
    assert "Changed since the query was raised" in detail
    assert "Changed the answer</strong>: Child Provider" in detail  # from the log's revision: who and when

    assert analyst.post(f"/queries/{pk}/resolve/").status_code == 302
    assert provider.post(f"/queries/{pk}/reply/", {"text": "More"}).status_code == 302  # refused: resolved
    query, events = stored(pk)
    assert query.status == "resolved" and events[-1] == ("resolved", "analyst@dept.example", "")
    log_page = provider.get(f"/logs/{log.pk}/").content.decode()  # resolved: folded away on the log, still there
    resolved = log_page[log_page.index("Resolved queries (1)"):]
    assert f'href="/queries/{pk}/"' in resolved[:resolved.index("</details>")]
    assert analyst.post(f"/queries/{pk}/reopen/", {"text": "Which room size?"}).status_code == 302
    query, events = stored(pk)
    assert query.status == "open" and [kind for kind, *_ in events] == ["raised", "replied", "resolved", "reopened"]
    assert events[-1] == ("reopened", "analyst@dept.example", "Which room size?")
    with schema_context("visits"):
        times = list(QueryEvent.objects.filter(query=pk).values_list("at", flat=True))
    assert times == sorted(times) and all(before <= at <= timezone.now() for at in times)


def test_a_query_about_the_whole_log_has_no_answer_to_compare(world):
    pk = raise_on(world["clients"]["analyst"], world["logs"]["child"], question="")
    query, _ = stored(pk)
    assert (query.question, query.answer_values, query.answer_changed()) == ("", {}, False)
    detail = world["clients"]["child provider"].get(f"/queries/{pk}/").content.decode()
    assert "Query " + str(pk) + ": the whole visit" in detail and "Answer now" not in detail
    assert "correct the answer" not in detail


def test_a_query_about_tick_boxes_keeps_every_box_and_names_the_question(world):
    pk = raise_on(world["clients"]["analyst"], world["logs"]["child"], question="needs")
    query, _ = stored(pk)
    assert query.answer_values["needs_mobility"] == 1 and query.answer_values["needs_none"] == 0  # unticked: 0
    assert query.answer_text == "Mobility support" and query.about == "Needs"
    detail = world["clients"]["child provider"].get(f"/queries/{pk}/").content.decode()
    assert f"Query {pk}: Needs" in detail and re.search(r'id="answer-now">Mobility support<', detail)
    assert re.search(r'href="/logs/\d+/page/needs/\?return_to=[^"]+">correct the answer', detail)


def test_the_message_and_replies_are_shown_as_text(world):
    script = "<script>alert('x')</script>"
    pk = raise_on(world["clients"]["analyst"], world["logs"]["child"], message=f"Odd {script}\nsecond line")
    world["clients"]["child provider"].post(f"/queries/{pk}/reply/", {"text": f"Reply {script}"})
    for client in (world["clients"]["analyst"], world["clients"]["child provider"]):
        page = client.get(f"/queries/{pk}/").content.decode()
        assert script not in page and "Odd &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;<br>second line" in page
        assert "Reply &lt;script&gt;" in page


def test_a_reply_needs_words_and_says_so_on_the_field(world):
    pk = raise_on(world["clients"]["analyst"], world["logs"]["child"])
    page = world["clients"]["child provider"].post(f"/queries/{pk}/reply/", {"text": "  "}).content.decode()
    assert "govuk-error-summary" in page and 'href="#id_text"' in page and "Enter your answer to the query" in page
    assert stored(pk)[0].status == "open"


# --- Email ---------------------------------------------------------------------------------


def test_a_raise_emails_the_people_who_may_change_the_log_and_an_answer_emails_the_raiser(
        world, make_person, django_capture_on_commit_callbacks):
    make_person("left@child.example", world["orgs"]["child"], is_active=False)  # inactive: no email
    with django_capture_on_commit_callbacks(execute=True):  # sent once the query is stored
        pk = raise_on(world["clients"]["analyst"], world["logs"]["child"])
    assert sorted(to for message in mail.outbox for to in message.to) == ["coordinator@child.example",
                                                                          "provider@child.example"]
    assert all(len(message.to) == 1 for message in mail.outbox)  # no one sees the others' addresses
    raised = mail.outbox[0]
    assert raised.subject == f"A query about visit {world['logs']['child'].pk}"
    assert f"http://visits.localhost/queries/{pk}/" in raised.body and "Child Lettings" in raised.body
    for personal in ("900", "V-child", "Rent", MESSAGE, "Kitchen tap"):  # no answers, not the query's words
        assert personal not in raised.body and personal not in raised.subject

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        world["clients"]["child provider"].post(f"/queries/{pk}/reply/", {"text": "It is £90, corrected"})
    assert [message.to for message in mail.outbox] == [["analyst@dept.example"]]
    assert f"http://visits.localhost/queries/{pk}/" in mail.outbox[0].body
    assert "90" not in mail.outbox[0].body and "corrected" not in mail.outbox[0].body


def test_a_parent_coordinator_s_query_goes_to_the_child_s_people_not_the_parent_s_nor_back_to_them(
        world, django_capture_on_commit_callbacks):
    from cldc.platform.organisations.models import Membership

    Membership.objects.create(user=world["people"]["parent coordinator"], organisation=world["orgs"]["child"],
                              role="data_provider")  # a member of the child too: still not told of their own query
    with django_capture_on_commit_callbacks(execute=True):
        raise_on(world["clients"]["parent coordinator"], world["logs"]["child"])
    recipients = sorted(to for message in mail.outbox for to in message.to)
    assert recipients == ["coordinator@child.example", "provider@child.example"]


def test_a_query_stands_when_its_email_cannot_be_sent(world, monkeypatch, django_capture_on_commit_callbacks):
    def mail_server_down(messages):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(notify, "send_mass_mail", mail_server_down)
    with django_capture_on_commit_callbacks(execute=True) as sent:
        pk = raise_on(world["clients"]["analyst"], world["logs"]["child"])
    assert len(sent) == 1 and mail.outbox == []  # tried, failed, logged
    assert stored(pk)[0].status == "open"


# --- The list --------------------------------------------------------------------------------


def listed(client, **filters):
    page = client.get("/queries/", filters).content.decode()
    return sorted(int(pk) for pk in re.findall(r'<tr class="govuk-table__row" id="query-(\d+)">', page))


def test_the_list_filters_by_status_organisation_and_age(world):
    analyst = world["clients"]["analyst"]
    old = raise_on(analyst, world["logs"]["child"])
    answered = raise_on(analyst, world["logs"]["child"], question="visitref")
    other = raise_on(analyst, world["logs"]["other"])
    with schema_context("visits"):
        Query.objects.filter(pk=old).update(raised_at=timezone.now() - dt.timedelta(days=40))
        Query.objects.filter(pk=other).update(raised_at=timezone.now() - dt.timedelta(days=10))
    world["clients"]["child provider"].post(f"/queries/{answered}/reply/", {"text": "Checked"})

    assert listed(analyst) == sorted([old, answered, other])
    assert listed(analyst, status="open") == sorted([old, other])
    assert listed(analyst, status="answered") == [answered]
    assert listed(analyst, status="resolved") == []
    assert listed(analyst, organisation=world["orgs"]["child"].pk) == sorted([old, answered])
    assert listed(analyst, organisation=world["orgs"]["other"].pk) == [other]
    assert listed(analyst, age="7") == sorted([old, other])
    assert listed(analyst, age="30") == [old]
    assert listed(analyst, status="open", organisation=world["orgs"]["child"].pk, age="30") == [old]
    page = analyst.get("/queries/").content.decode()
    assert '<option value="%d">Child Lettings</option>' % world["orgs"]["child"].pk in page
    assert "Parent Homes</option>" not in page  # no queries on its logs: not offered


@pytest.mark.parametrize("person, sees", [
    ("analyst", {"parent", "child", "other"}),
    ("support", {"parent", "child", "other"}),
    ("parent coordinator", {"parent", "child"}),
    ("child coordinator", {"child"}),
    ("child provider", {"child"}),
    ("other coordinator", {"other"}),
    ("content designer", set()),
])
def test_the_list_holds_the_queries_on_the_logs_each_person_sees(world, person, sees):
    raised = {name: raise_on(world["clients"]["analyst"], log) for name, log in world["logs"].items()}
    assert listed(world["clients"][person]) == sorted(raised[name] for name in sees)


# --- Many logs at once -------------------------------------------------------------------


def test_one_message_raises_a_query_on_each_of_many_logs(world, django_capture_on_commit_callbacks):
    analyst = world["clients"]["analyst"]
    ids = [world["logs"]["child"].pk, world["logs"]["other"].pk]
    page = analyst.post("/queries/new-many/", {"records": ids}).content.decode()  # as a data-quality page posts
    assert "Raise a query about 2 visits" in page and "govuk-error-summary" not in page
    assert all(f'name="records" value="{pk}"' in page for pk in ids)
    assert all(f'href="/logs/{pk}/"' in page for pk in ids)
    page = analyst.post("/queries/new-many/", {"records": ids, "message": ""}).content.decode()
    assert "Enter your query" in page
    with schema_context("visits"):
        assert not Query.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = analyst.post("/queries/new-many/", {"records": ids, "message": "Please check the rents"})
    assert response.status_code == 302 and response.url == "/queries/?status=open"
    with schema_context("visits"):
        queries = list(Query.objects.order_by("record_id").values_list("record_id", "message", "status", "question"))
        assert QueryEvent.objects.filter(kind="raised").count() == 2
    assert queries == [(pk, "Please check the rents", "open", "") for pk in sorted(ids)]
    assert "2 queries raised" in analyst.get(response.url).content.decode()
    assert len(mail.outbox) == 3  # the child's coordinator and provider, the other's coordinator


@pytest.mark.parametrize("person, logs", [
    ("parent coordinator", ["child", "other"]),  # the other organisation's log: not theirs to see
    ("parent coordinator", ["child", "parent"]),  # their own organisation's log: seen, not theirs to query
    ("child provider", ["child"]),  # providers answer queries
    ("analyst", ["child", "missing"]),
    ("analyst", []),
])
def test_many_logs_with_one_the_person_may_not_query_is_a_404_for_all(world, person, logs):
    ids = [world["logs"][name].pk if name != "missing" else 999999 for name in logs]
    for data in ({"records": ids}, {"records": ids, "message": "Check"}):
        assert world["clients"][person].post("/queries/new-many/", data).status_code == 404
    with schema_context("visits"):
        assert not Query.objects.exists()


def test_many_logs_refuses_what_is_not_a_log_id_and_a_get(world):
    analyst = world["clients"]["analyst"]
    arabic_indic = str(world["logs"]["child"].pk).translate({ord(d): chr(0x660 + int(d)) for d in "0123456789"})
    for bad in (["1; DROP", "2"], [arabic_indic], ["9" * 30]):  # only ASCII digits are a log's id
        assert analyst.post("/queries/new-many/", {"records": bad}).status_code == 404, bad
    assert analyst.get("/queries/new-many/").status_code == 405


def test_many_logs_raise_every_query_or_none(world, monkeypatch):
    from cldc.platform.queries import workflow

    raised, real = [], workflow.raise_query

    def fails_on_the_second(request, log, message, question=None):
        raised.append(log.record.pk)
        if len(raised) == 2:
            raise RuntimeError("the database went away")
        return real(request, log, message, question)

    monkeypatch.setattr(workflow, "raise_query", fails_on_the_second)
    ids = [world["logs"]["child"].pk, world["logs"]["other"].pk]
    with pytest.raises(RuntimeError):
        world["clients"]["analyst"].post("/queries/new-many/", {"records": ids, "message": "Please check"})
    assert len(raised) == 2
    with schema_context("visits"):
        assert not Query.objects.exists() and not QueryEvent.objects.exists()


@pytest.mark.parametrize("person, linked", [("analyst", True), ("child provider", True), ("content designer", False)])
def test_the_service_navigation_links_to_the_queries_for_those_who_see_them(world, person, linked):
    page = world["clients"][person].get("/account/").content.decode()
    navigation = page[page.index('id="navigation"'):][:page[page.index('id="navigation"'):].index("</ul>")]
    assert ('href="/queries/"' in navigation) is linked
