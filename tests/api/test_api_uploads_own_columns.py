"""A supplier's file in its own columns through the API: matched by the same automatic
matching as the web upload (confident matches only; the others listed as unmatched and
not read), or as the request says (`columns`: heading -> question), then the same
pipeline and Celery task, with errors by row and field. Hostile requests: a file that
is not a spreadsheet, too large, too many files, a mapping to a question the version
lacks or from a heading the file lacks, and another organisation's upload (404)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from api_helpers import problem_of
from cldc.platform.records.models import Record
from cldc.platform.uploads.models import Upload
from cldc.tests.api.test_api_uploads import council, officer, queued, run_queued  # noqa: F401 - fixtures


@pytest.fixture
def api(api_for, council, officer):  # noqa: F811 - the fixtures above
    return api_for(service="visits", organisation=council, created_by=officer)


def post(api, organisation, files, **fields):
    files = files if isinstance(files, list) else [files]
    data = {"record_type": "visit", "version": 2026, "organisation": f"ORG{organisation.pk}",
            "file": [SimpleUploadedFile(name, content, content_type="text/csv") for name, content in files], **fields}
    return api.http.post("/api/v1/uploads/", data)


def own_columns(visits_provider_csv, reference="OWN-1", **replace):
    content, targets = visits_provider_csv([reference])
    text = content.decode()
    for old, new in replace.items():
        text = text.replace(old, new)
    return ("our-export.csv", text.encode()), targets


def test_own_columns_are_matched_automatically_and_the_rest_are_listed_as_unmatched(
        api, council, queued, visits_provider_csv):
    file, targets = own_columns(visits_provider_csv)
    response = post(api, council, file)
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["layout"] == "headers" and body["parts"] == [] and queued == [("visits", body["id"])]
    matched = {c["heading"]: (c["question"], c["matched"]) for c in body["columns"]}
    assert matched["Our internal notes"] == (None, "unmatched")
    assert matched["Visit Ref"] == ("visitref", "automatic")
    automatic = {heading: question for heading, (question, how) in matched.items() if how == "automatic"}
    assert automatic and all(targets[heading] == question for heading, question in automatic.items())
    assert all(question is None for question, how in matched.values() if how == "unmatched")

    run_queued(queued)
    report = api.http.get(body["url"]).json()
    # "Calendar month" only suggests Monthly: no person is asked, so it is an error on its row and field.
    assert (report["status"], report["total_rows"], report["rejected"]) == ("checked", 1, 1), report
    errors = api.http.get(body["errors_url"]).json()["results"]
    hard = [(e["sheet"], e["row"], e["column"], e["field"], e["rule"]) for e in errors if e["severity"] == "hard"]
    assert ("", 2, "Rent period", "period", "invalid_option") in hard
    with schema_context("visits"):
        assert not Record.objects.exists()

    fixed, _ = own_columns(visits_provider_csv, reference="OWN-2", **{"Calendar month": "Monthly"})
    given = {heading: question for heading, (question, how) in matched.items() if how == "unmatched"}
    given = {heading: targets[heading] or None for heading in given}  # every column matched by the request
    response = post(api, council, fixed, columns=json.dumps(given))
    assert response.status_code == 202, response.json()
    assert {c["heading"]: c["matched"] for c in response.json()["columns"] if c["heading"] in given} == {
        heading: "given" for heading in given}
    run_queued(queued)
    report = api.http.get(response.json()["url"]).json()
    assert (report["status"], report["created"], report["rejected"]) == ("done", 1, 0), report
    with schema_context("visits"):
        record = Record.objects.get()
        assert record.answers["visitref"] == "OWN-2" and record.answers["period"] == 4
        assert record.source == "upload" and record.owning_organisation == council


def test_a_mapping_to_a_question_or_from_a_heading_that_does_not_exist_is_refused(
        api, council, queued, visits_provider_csv):
    file, _ = own_columns(visits_provider_csv)
    unknown = problem_of(post(api, council, file, columns=json.dumps({"Rent": "rent_amount"})), 422)
    assert [(e["field"], e["rule"]) for e in unknown["errors"]] == [("columns", "unknown_question")]
    assert "“Rent” is matched to “rent_amount”, which is not a question of" in unknown["errors"][0]["message"]
    missing = problem_of(post(api, council, file, columns=json.dumps({"Rent amount": "rent"})), 422)
    assert [(e["field"], e["rule"]) for e in missing["errors"]] == [("columns", "unknown_column")]
    clash = problem_of(post(api, council, file, columns=json.dumps({"Rent period": "rent"})), 422)
    assert [(e["field"], e["rule"]) for e in clash["errors"]] == [("columns", "column_clash")]
    shape = problem_of(post(api, council, file, columns=json.dumps(["visitref"])), 422)
    assert [(e["field"], e["rule"]) for e in shape["errors"]] == [("columns", "columns_format")]
    assert queued == []
    with schema_context("visits"):
        assert not Upload.objects.exists()  # nothing kept of a refused upload


def test_hostile_files_are_refused_and_nothing_is_kept(api, council, queued, settings, visits_provider_csv):
    pdf = problem_of(post(api, council, ("visits.csv", b"%PDF-1.7\n%\xe2\xe3 a document")), 422)
    assert pdf["errors"][0]["rule"] == "file_unreadable" and "PDF" in pdf["errors"][0]["message"]
    binary = problem_of(post(api, council, ("visits.csv", bytes(range(256)) * 4)), 422)
    assert binary["errors"][0]["rule"] == "file_unreadable"
    file, _ = own_columns(visits_provider_csv)
    too_many = problem_of(post(api, council, [file] * 11), 400)
    assert too_many["errors"][0]["field"] == "file"
    settings.CLDC_UPLOAD_MAX_BYTES = 600  # one file fits; two together do not
    assert len(file[1]) < 600 < 2 * len(file[1])
    too_big = problem_of(post(api, council, [file, ("people.csv", file[1])]), 413)
    assert too_big["errors"][0]["rule"] == "file_size" and "together" in too_big["detail"]
    assert queued == []
    with schema_context("visits"):
        assert not Upload.objects.exists()


def test_own_columns_naming_an_organisation_the_client_does_not_act_for_are_refused(
        api, council, orgs, queued, visits_provider_csv):
    file, _ = own_columns(visits_provider_csv, **{"Visit Ref,": "Visit Ref,Organisation,", "OWN-1,": "OWN-1,"
                                                  + f"ORG{orgs['other'].pk},"})
    problem = problem_of(post(api, council, file), 422)
    assert {e["rule"] for e in problem["errors"]} == {"owning_organisation_permitted"}
    assert problem["errors"][0]["message"].startswith("Row 2: ")
    assert queued == []


def test_another_organisations_upload_in_own_columns_is_404(api_for, api, council, orgs, queued, visits_provider_csv):
    file, _ = own_columns(visits_provider_csv)
    upload = post(api, council, file).json()
    stranger = api_for(service="visits", organisation=orgs["other"])
    problem_of(stranger.http.get(upload["url"]), 404)
    problem_of(stranger.http.get(upload["errors_url"]), 404)
    assert api.http.get(upload["url"]).status_code == 200


def test_the_columns_not_read_are_listed_with_why(api, council, queued):
    rows = [["Visit Ref", "Visit date", "Person 1 age", "Person 2 age", "Age", "Telephone"],
            ["SAID-1", "04/05/2026", "42", "12", "42", "07700 900123"]]
    response = post(api, council, ("said.csv", "\n".join(",".join(row) for row in rows).encode()))
    assert response.status_code == 202, response.json()
    ignored = {c["heading"]: c for c in response.json()["ignored_columns"]}
    assert list(ignored) == ["Person 1 age", "Age", "Telephone"]  # the first two: matches we are not sure of
    assert ignored["Telephone"] == {"sheet": None, "column": 6, "heading": "Telephone",
                                    "reason": "Not matched to a question", "suggested": None}
    assert ignored["Age"]["suggested"] == "age3" and ignored["Age"]["column"] == 5
    assert ignored["Age"]["reason"] == ("Not matched to a question: it may answer “Person 3's age”, but not surely "
                                        "enough to be read unless columns names it")
