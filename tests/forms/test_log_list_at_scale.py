"""The list of logs stays fast with a million records (bench/list_pages.py): its queries
do not grow with the logs on a page, the indexes its filters, order and search use exist,
the search reads the column the gateway keeps (gateway.search_text), and past
COUNTED_UP_TO logs it says "more than" instead of counting them all, with pages that go on."""

import datetime as dt

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from cldc.platform.forms import views
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record

DAY = dt.date(2026, 6, 1)


@pytest.fixture
def officer(make_person, orgs):
    return make_person("officer@example.com", orgs["child"])


def visit(owner, person, **answers):
    with schema_context("visits"):
        record = Record(collection="visits", record_type="visit", version=2026, owning_organisation=owner,
                        managing_organisation=owner)
        submit(record, {"visitdate": "2026-05-04", **answers}, "form", person, today=DAY)
        return record


def many(owner, make_person, count, first=0):
    """`count` logs of `owner`, each assigned to a different person of it and created by
    another (what would cost a query a row if the page fetched them one by one)."""
    people = [make_person(f"person{n}@example.com", owner) for n in range(first, first + count)]
    with schema_context("visits"):
        Record.objects.bulk_create(
            Record(collection="visits", record_type="visit", version=2026, owning_organisation=owner,
                   managing_organisation=owner, assigned_to=people[n], created_by=people[-1 - n], source="form",
                   status="in_progress", answers={"visitref": f"REF-{first + n}"},
                   provider_reference=f"ref-{first + n}|2026-05-04", search_text=f"ref-{first + n}")
            for n in range(count))


def test_the_list_s_queries_do_not_grow_with_its_logs(client_for, officer, orgs, visits_service, make_person,
                                                       django_assert_max_num_queries):
    client = client_for("visits", officer)
    client.get("/logs/")  # the session and the service's caches, once
    many(orgs["child"], make_person, 2)
    with django_assert_max_num_queries(40) as few:
        assert client.get("/logs/?status=in_progress").status_code == 200
    many(orgs["child"], make_person, 18, first=2)  # 20: a whole page, each log with its own people
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/logs/?status=in_progress").content.decode()
    assert "<strong>20</strong> visits" in page and page.count("govuk-table__row") == 21


def test_the_indexes_of_the_list_s_filters_order_and_search_exist(visits_service):
    with schema_context("visits"), connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'visits' "
                       "AND tablename = 'records_record'")
        indexes = dict(cursor.fetchall())
    assert "(updated_at)" in indexes["records_updated"]
    assert "(owning_organisation_id, status, updated_at)" in indexes["records_owner_status_updated"]
    assert "(managing_organisation_id, status, updated_at)" in indexes["records_manager_status_updated"]
    assert "USING gin (search_text gin_trgm_ops)" in indexes["records_search_trigrams"]


def test_the_search_uses_the_trigram_index(visits_service):
    with schema_context("visits"), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: the plan a million would get
        sql, params = Record.objects.filter(search_text__contains="abc-1").values("pk").query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "records_search_trigrams" in plan


def test_the_gateway_keeps_what_the_search_reads(officer, orgs, visits_service):
    record = visit(orgs["child"], officer, visitref="ABC-123")
    assert record.search_text == "abc-123"
    with schema_context("visits"):
        submit(record, {"visitref": "Xyz 9"}, "form", officer, today=DAY)
        assert Record.objects.get(pk=record.pk).search_text == "xyz 9"  # the change stored, not only held


def test_search_finds_any_part_in_any_case_and_nothing_else(client_for, officer, orgs, visits_service):
    client = client_for("visits", officer)
    first = visit(orgs["child"], officer, visitref="ABC-123")
    visit(orgs["child"], officer, visitref="QRS-9")
    other = visit(orgs["other"], officer, visitref="ABC-777")  # not the officer's: never listed
    for term in ("abc", "C-12", "  abc-123 "):
        page = client.get(f"/logs/?search={term}").content.decode()
        assert "<strong>1</strong> visit" in page and f"Visit {first.pk}" in page
    assert f"Visit {other.pk}" not in client.get("/logs/?search=777").content.decode()
    assert "<strong>0</strong> visits" in client.get("/logs/?search=2026-05").content.decode()  # not a search field


def test_past_the_counted_logs_the_list_says_more_than_and_pages_go_on(client_for, officer, orgs, visits_service,
                                                                       make_person, monkeypatch):
    monkeypatch.setattr(views, "COUNTED_UP_TO", 40)
    many(orgs["child"], make_person, 45)
    client = client_for("visits", officer)
    first = client.get("/logs/").content.decode()
    assert "<strong>More than 40</strong> visits" in first and "Page 1 of more than 2" in first
    third = client.get("/logs/?page=3").content.decode()  # past what was counted: the last 5
    assert third.count("govuk-table__row") == 6 and 'rel="next"' not in third and 'rel="prev"' in third
    assert 'rel="next"' in client.get("/logs/?page=2").content.decode()
    assert client.get("/logs/?page=9").content.decode().count("govuk-table__row") == 21  # the last counted page
    assert "<strong>6</strong> visits" in client.get("/logs/?search=ref-4").content.decode()  # 4, 40 to 44: exact
