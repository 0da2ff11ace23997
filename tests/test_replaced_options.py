"""A retired option that was split or renamed says which options replaced it
(`retired_options: [{code, label, replaced_by}]`, docs/definitions.md): a new answer
with it is refused in every channel with a message naming them, a record that holds it
keeps it, and `cldc lint` catches a replacement that is not an option offered. On the
test collection: visits' "Remotely" (4) was split into "By phone" (2) and "By video call" (3)."""

import re

import pytest
from django_tenants.utils import schema_context

from cldc.api.keys import create_client
from cldc.platform import registry
from cldc.platform.definitions.diff import diff
from cldc.platform.definitions.json_schema import record_schema
from cldc.platform.definitions.lint import lint
from cldc.platform.definitions.model import build
from cldc.platform.records.models import Record
from cldc.tests.api.api_helpers import Api, problem_of
from tests.uploads.test_upload_fixes import post_file, upload_of

pytestmark = pytest.mark.usefixtures("eager_celery")
REMOTELY = ("“Remotely” (4) is no longer an answer to How the visit was made: "
            "choose “By phone” (2) or “By video call” (3).")
VISIT = {"visitref": "V-300", "visitdate": "2026-05-04", "repairs": 2}


@pytest.fixture
def association(make_organisation):
    return make_organisation("Visiting Homes", type="prp")


@pytest.fixture
def coordinator(make_person, association):
    return make_person("visits@homes.example", association, role="data_coordinator")


@pytest.fixture
def api(visits_service, association, coordinator):
    with schema_context("visits"):
        return Api(create_client(name="Visits system", created_by=coordinator, organisation=association).key)


def create(api, organisation, answers):
    return api.post("records/", {"record_type": "visit", "version": 2026, "organisation": f"ORG{organisation.pk}",
                                 "answers": {**VISIT, **answers}})


def test_the_api_refuses_a_retired_code_naming_the_options_that_replaced_it(api, association):
    refused = problem_of(create(api, association, {"visitmode": 4}), 422)
    assert [(e["field"], e["rule"], e["message"]) for e in refused["errors"]] == [
        ("visitmode", "retired_option", REMOTELY)]
    with schema_context("visits"):
        assert not Record.objects.exists()


def test_a_record_that_holds_the_retired_code_keeps_it_and_reads_it_by_its_label(api, association):
    record = create(api, association, {"visitmode": 1}).json()
    with schema_context("visits"):  # stored before the option was split
        Record.objects.filter(pk=record["id"]).update(answers={**record["answers"], "visitmode": 4})
    changed = api.patch(f"records/{record['id']}/", {"answers": {"visitref": "V-301", "visitmode": 4}})
    assert changed.status_code == 200, changed.json()
    body = changed.json()
    assert (body["answers"]["visitref"], body["answers"]["visitmode"], body["errors"]) == ("V-301", 4, [])
    question = registry.get("visits").definition("visit", 2026).questions["visitmode"]
    assert question.reads(4) == "Remotely"
    # Once changed to a current code, it cannot be taken back.
    api.patch(f"records/{record['id']}/", {"answers": {"visitmode": 3}})
    again = problem_of(api.patch(f"records/{record['id']}/", {"answers": {"visitmode": 4}}), 422)
    assert [e["message"] for e in again["errors"]] == [REMOTELY]


def test_an_upload_row_with_the_retired_code_is_refused_with_the_same_message(
        client_for, visits_service, coordinator, association, visits_template_csv):
    client = client_for("visits", coordinator)
    with schema_context("visits"):
        upload = upload_of(post_file(client, association, visits_template_csv(association, rows=({"visitmode": 4},))))
        upload.refresh_from_db()
        errors = set(upload.issues.filter(severity="hard").values_list("field", "rule", "message"))
        assert ("visitmode", "retired_option", REMOTELY) in errors
        assert upload.created == 0 and not Record.objects.exists()


def test_lint_catches_a_replacement_that_is_not_an_option_offered():
    raw = registry.get("visits").definition("visit", 2026).raw
    definition = build(raw, source="visit/2026.yaml")
    assert lint(definition) == []
    definition.questions["visitmode"].replaced_by[4] = (2, 5)
    assert lint(definition) == [
        "visit/2026.yaml: question visitmode: retired option 4 is replaced by 5, which is not an option offered"]


def test_the_json_schema_and_the_diff_of_versions_show_the_replacements():
    definition = registry.get("visits").definition("visit", 2026)
    assert record_schema(definition)["properties"]["visitmode"]["x-retired-options"] == [
        {"const": 4, "title": "Remotely", "x-replaced-by": [2, 3]}]
    # A later version renames "Every 2 weeks" (2) as "Fortnightly" (5), retiring 2.
    newer = build({"extends": 2026, "version": 2027, "valid_from": "2027-04-01", "valid_to": "2028-03-31", "changes": [
        {"set_options": {"question": "period", "options": [[1, "Weekly"], [3, "Every 4 weeks"], [4, "Monthly"],
                                                            [5, "Fortnightly"]],
                         "retire": [{"code": 2, "replaced_by": [5]}]}}]},
        source="visit/2027.yaml", base_loader=lambda version: definition.raw)
    assert newer.questions["period"].retired_options == [(2, "Every 2 weeks")]
    assert diff(definition, newer)["changed_questions"]["period"] == {
        "options": {"added": [5], "no_longer_offered": [2], "replaced_by": {2: [5]}}}


def test_the_web_form_shows_the_retired_code_the_record_holds_and_keeps_it(api, association, client_for, coordinator):
    record = create(api, association, {"visitmode": 1}).json()
    with schema_context("visits"):
        Record.objects.filter(pk=record["id"]).update(answers={**record["answers"], "visitmode": 4})
    client = client_for("visits", coordinator)
    page = client.get(f"/logs/{record['id']}/page/visit_mode/").content.decode()
    assert re.search(r'<input[^>]*name="visitmode"[^>]*value="4"[^>]*checked', page), page
    assert "Remotely" in page
    assert "Remotely" in client.get(f"/logs/{record['id']}/rent/check-answers/").content.decode()
