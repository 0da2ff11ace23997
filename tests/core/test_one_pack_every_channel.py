"""One rule pack in every channel: the same records through the web form, bulk upload
and the API give the same errors, warnings, derived values and status.

Records: the official template's data rows (lettings and sales), CORE's worked API
example, and variations of the lettings row that break a hard rule on one answer, a
hard rule across two answers, a soft check, give an answer its other answers route
away, give half of a pair, and give an answer the log is not offered (offered_when);
and a variation of the sales row below buyer 2's own minimum age. Each goes, as its own record, through
- the web form: the set-up page, then every page that applies (the wizard's own list,
  worked out again after each save), posted with the test client as a person would;
- bulk upload: the template row in a CSV file, posted to the upload page and run by the
  pipeline (Celery eager);
- the API: POST /api/v1/records/ with the row's answers (those the file gives: not what
  the conversion worked out for blank person columns and routing removes).

Compared: the hard errors (field, rule, message), the soft checks, the notes (an answer
not stored, a missing half), and the stored answers, derived values and status. What
differs by design is asserted as such:
- A record with a hard error is stored by neither bulk upload (the row waits, ADR 7)
  nor the API (422, all or nothing); the web form saves as you go, so the other pages'
  answers are stored and only the refused one is not.
- The web form saves page by page: of a rule across two answers, it refuses the one on
  the page being saved (the other stands, saved before); the other channels refuse
  both sides. It shows each soft check on the page the check attaches to.
- Pages that do not apply are not shown, so the web form never sends an answer its
  other answers route away (it is not given one here), and a file's or API call's
  answer that it keeps all the same is theirs alone (assert_same_record).
- A page offers only the options offered now, so an answer it does not offer is not
  one of the page's choices: refused by the page, on the same answer, in its words.
- Where CORE's bulk upload has its own words for an error (bu_referral_fields_consistent),
  the file is told those on the field, in place of the gateway's (pipeline.take).
"""

import csv
import io
import json
import re
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from cldc.api.keys import create_client
from cldc.platform import registry
from cldc.platform.forms.logs import Log
from cldc.platform.records.gateway import context_for, evaluate
from cldc.platform.records.models import Record
from cldc.platform.uploads.files import open_upload
from cldc.platform.uploads.importer import inferred_variables
from cldc.platform.uploads.models import Upload
from cldc.platform.uploads.template_rows import answers_from_field_numbers
from cldc.tests.api.api_helpers import Api

pytestmark = pytest.mark.usefixtures("eager_celery")
EXAMPLE = registry.get("core").package_dir / "examples" / "lettings" / "2026.json"


@dataclass
class Case:
    name: str
    record_type: str = "lettings"
    cells: dict = field(default_factory=dict)  # template cells changed, by variable
    fields: dict = field(default_factory=dict)  # ... by field number (a question filled from several)
    finds: set = field(default_factory=set)  # (field, rule) the change is made to raise
    example: bool = False  # the API sends CORE's worked example instead of the row's answers
    file_says: dict = field(default_factory=dict)  # field: the file-only rule a file is told instead (by design)


CASES = [
    Case("lettings template"),
    Case("sales template", "sales"),
    Case("lettings API example", example=True),
    Case("an age out of range", cells={"age1": "200"}, finds={("age1", "numeric_min_max")}),
    Case("foster care at 30", cells={"age1": "30", "prevten": "13"},  # hard, across two pages
         finds={("prevten", "foster_care_lead_tenant_age"), ("age1", "foster_care_lead_tenant_age__age1")}),
    Case("working at 70", cells={"age1": "70"}, finds={(None, "person_1_not_retired_over_soft_max_age")}),
    Case("no armed forces links, yet injured serving", cells={"armedforces": "2"},
         finds={("reservist", "not_applicable"), ("leftreg", "not_applicable")}),
    Case("an income without its frequency", cells={"net_income_known": "1", "earnings": "500"},
         finds={("incfreq", "incfreq_required_with_earnings")}),
    Case("buyer 2 aged 15", "sales", fields={38: "15"},  # buyer 2’s own minimum, a rule: age2 is person 2’s too
         finds={("age2", "buyer_2_age_range")}),
    Case("a housing association's source of referral on a council's log", fields={131: "", 132: "6"},
         finds={("referral_register", "option_not_offered")},
         file_says={"referral_register": "bu_referral_fields_consistent"}),
]


CHANNELS = ("api", "upload", "form")


@dataclass
class Submitter:
    """A council and its data coordinator, one per channel: each channel's record is its own."""

    council: object
    officer: object


@pytest.fixture
def submitters(make_organisation, make_person):
    return {channel: Submitter(council := make_organisation(f"One Pack Council ({channel})", type="local_authority"),
                               make_person(f"one-pack-{channel}@example.com", council, role="data_coordinator"))
            for channel in CHANNELS}


@dataclass
class Result:
    """What a channel reported and stored for one record."""

    errors: set  # (field, rule, message) of hard errors; the web form shows no rule: (field, None, message)
    soft: set  # soft checks raised (rule ids)
    notes: set  # (field, rule, message): answers not stored, halves missing
    stored: dict | None  # answers, derived values and status; None when nothing was stored


def stored(pk):
    """What the record holds, its own columns (owner, manager, assignee: each channel's
    council and coordinator) apart."""
    with schema_context("core"):
        record = Record.objects.get(pk=pk)
        own = registry.get("core").definition(record.record_type, record.version).record_fields
        assert [record.answers.get(variable) for variable in own.values()] == [
            str(record.owning_organisation_id), str(record.managing_organisation_id), str(record.assigned_to_id)]
        return {"answers": {name: value for name, value in record.answers.items() if name not in own.values()},
                "derived": record.derived, "status": record.status, "kind": (record.record_type, record.version),
                "columns": (record.owning_organisation.name, record.managing_organisation.name,
                            record.assigned_to.email)}


# --- The record, as each channel is given it ------------------------------------------------


def template_file(official_template_csv, case, council):
    content = official_template_csv(case.record_type, council, last_row=case.cells)
    if not case.fields:
        return content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
    at = next(i for i, r in enumerate(rows) if r and r[0].strip().lower().startswith("field number"))
    column = {int(n): i for i, n in enumerate(rows[at]) if n.strip().isdigit()}
    for number, value in case.fields.items():
        rows[-1][column[number]] = value
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def row_answers(content, record_type, tmp_path):
    """The file's row as the bulk-upload conversion reads it: {variable: text}."""
    definition = registry.get("core").definition(record_type, 2026)
    path = tmp_path / "row.csv"
    path.write_bytes(content)
    with open_upload(path, path.name) as upload:
        ((_, values),) = list(upload.rows())
        answers, problems = answers_from_field_numbers(definition, upload.keyed(values))
    assert problems == []
    for variable in definition.record_fields.values():
        answers.pop(variable, None)
    return {name: value for name, value in answers.items() if value is not None}


def given(answers, record_type):
    """The answers a system would send for the row: less those routing removes that the
    file does not give either (worked out by the conversion, as for blank person
    columns, or only from what it worked out: a UK nationality is asked as a group)."""
    collection = registry.get("core")
    definition = collection.definition(record_type, 2026)
    context = context_for(Record(collection="core", record_type=record_type, version=2026), definition)
    result = evaluate(definition, collection.rule_pack(record_type, 2026), {}, answers, context, "upload", {},
                      inferred_variables(definition))
    told = {note["field"] for note in result.notes if note["rule"] == "not_applicable"}
    return {name: value for name, value in answers.items() if name not in result.cleared or name in told}


# --- The channels ---------------------------------------------------------------------------


def through_the_api(case, answers, council, officer):
    with schema_context("core"):
        api = Api(create_client(name="Housing system", created_by=officer, organisation=council).key, service="core")
    body = {"record_type": case.record_type, "version": 2026, "organisation": f"ORG{council.pk}",
            "answers": {**answers, "assigned_to_id": officer.email}}
    if case.example:
        body = json.loads(EXAMPLE.read_text(encoding="utf-8"))
        body["organisation"], body["answers"]["assigned_to_id"] = f"ORG{council.pk}", officer.email
    response = api.post("records/", body)
    data = response.json()
    assert response.status_code in (201, 422), data
    if response.status_code == 422:
        return Result({(e["field"], e["rule"], e["message"]) for e in data["errors"]}, set(), set(), None)
    return Result({(e["field"], e["rule"], e["message"]) for e in data["errors"]},
                  {w["rule"] for w in data["warnings"] if w["severity"] == "soft"},
                  {(w["field"], w["rule"], w["message"]) for w in data["warnings"] if w["severity"] == "warning"},
                  stored(data["id"]))


def through_bulk_upload(client, case, content, council):
    response = client.post("/uploads/new/", {
        "record_type": f"core:{case.record_type}", "year": "2026", "organisation": council.pk, "on_errors": "wait",
        "file": SimpleUploadedFile("one-pack.csv", content, content_type="text/csv")})
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context("core"):
        upload = Upload.objects.get(pk=int(re.search(r"/uploads/(\d+)/", response.url).group(1)))
        pack = registry.get("core").rule_pack(case.record_type, 2026)
        file_only = {rule.id for rule in pack.rules if rule.bulk_upload_only}
        issues = list(upload.issues.all())
        # None of these records breaks a file-only rule, but where CORE's bulk upload has its own words.
        assert {(i.field, i.rule) for i in issues if i.rule in file_only} == set(case.file_says.items())
        created = Record.objects.filter(owning_organisation=council).first()
        result = Result({(i.field, i.rule, i.message) for i in issues if i.severity == "hard"},
                        {i.rule for i in issues if i.severity == "soft"},
                        {(i.field, i.rule, i.message) for i in issues if i.severity == "warning"},
                        stored(created.pk) if upload.created else None)
        assert upload.status in ("done", "checked") and (upload.created, upload.rejected) in ((1, 0), (0, 1))
    return result


def form_data(question, answers):
    value = answers.get(question.id)
    if question.type == "checkbox":
        return {question.id: [v for v in question.variables if str(answers.get(v)) == "1"]}
    if value is None:
        return {}
    if question.type == "date":
        year, month, day = str(value).split("-")
        return {f"{question.id}_0": day, f"{question.id}_1": month, f"{question.id}_2": year}
    return {question.id: str(value)}


def through_the_web_form(client, case, answers, council, officer):
    response = client.post("/logs/new/", {
        "record_type": f"core:{case.record_type}", "year": "2026", "owning_organisation": council.pk,
        "managing_organisation": council.pk, "assigned_to": officer.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    pk = int(re.search(r"/logs/(\d+)/", response.url).group(1))
    errors, soft, posted = set(), set(), set()
    while True:
        with schema_context("core"):
            log = Log(Record.objects.get(pk=pk))  # the pages that apply now, as the wizard works them out
            waiting = [page for page in log.form_pages() if page.id not in posted]
            if not waiting:
                break
            page = waiting[0]
            questions = log.questions_on(page)
            version = log.record.lock_version
        posted.add(page.id)
        data = {name: value for question in questions for name, value in form_data(question, answers).items()}
        if not any(data.values()):
            continue  # nothing to say on this page: a person would not open it
        response = client.post(f"/logs/{pk}/page/{page.id}/", {
            "log_wizard-current_step": page.id, "lock_version": version, "then": "tasks", **data})
        if response.status_code == 200:  # the page again, with the gateway's errors on its questions
            assert "problem" not in response.context or not response.context["problem"], response.context["problem"]
            for name, messages in response.context["form"].errors.items():
                errors |= {(name, None, message) for message in messages}
        else:
            assert response.status_code == 302, response.status_code
            found = re.search(r"/soft-check/([^/]+)/", response.url)
            if found:  # a soft check shown on its page
                soft.add(found.group(1))
    return Result(errors, soft, set(), stored(pk))  # it asks only what applies: nothing to tell of that kind


def assert_same_record(form, other):
    """The same answers (a box left unticked beside a ticked one is 0 in every channel), derived values
    and status, but for what the web form does by design (tests/browser/
    test_web_form_in_browser.py says the same): a question that does not apply is never
    asked, so what a file or an API call gives to one the definition keeps all the same
    (`keep_value_when_not_routed`) is theirs alone, or an answer where the web form's
    record derives the same value."""
    definition = registry.get("core").definition(*form["kind"])
    assert form["status"] == other["status"]
    unasked = {name: value for name, value in other["answers"].items() if name not in form["answers"]
               and definition.variables[name].extra.get("keep_value_when_not_routed")}
    assert all(form["derived"].get(name, value) == value for name, value in unasked.items())
    assert form["answers"] == {k: v for k, v in other["answers"].items() if k not in unasked}
    assert other["derived"] == {k: v for k, v in form["derived"].items() if k not in unasked}


# --- The promise -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_one_record_gives_the_same_findings_in_every_channel(case, tmp_path, client_for, submitters, core_service,
                                                             official_template_csv):
    api, uploader, person = submitters["api"], submitters["upload"], submitters["form"]
    answers = row_answers(template_file(official_template_csv, case, api.council), case.record_type, tmp_path)
    if case.example:  # CORE's example is the template row, less what does not apply, for an API client
        example = json.loads(EXAMPLE.read_text(encoding="utf-8"))["answers"]
        assert {k: str(v) for k, v in example.items() if k != "assigned_to_id"} == {
            k: v for k, v in given(answers, "lettings").items() if k in example}
    api_result = through_the_api(case, given(answers, case.record_type), api.council, api.officer)
    upload = through_bulk_upload(client_for("core", uploader.officer), case,
                                 template_file(official_template_csv, case, uploader.council), uploader.council)
    form = through_the_web_form(client_for("core", person.officer), case, answers, person.council, person.officer)
    for result, submitter in ((api_result, api), (upload, uploader), (form, person)):
        if result.stored:  # each channel's record names its own council and coordinator, as they were given
            columns = result.stored.pop("columns")
            assert columns == (submitter.council.name, submitter.council.name, submitter.officer.email)

    raised = {(f, r) for f, r, _ in api_result.errors | api_result.notes} | {(None, r) for r in api_result.soft}
    assert case.finds <= raised  # each variation raises what it is made to

    # Bulk upload and the API: the same errors, soft checks and notes, and the same record stored (or none);
    # on a field where CORE's bulk upload has its own words, those.
    assert {(f, r) for f, r, _ in upload.errors if f in case.file_says} == set(case.file_says.items())
    assert {e for e in upload.errors if e[0] not in case.file_says} == {
        e for e in api_result.errors if e[0] not in case.file_says}
    assert {f for f, _, _ in upload.errors} == {f for f, _, _ in api_result.errors}
    if api_result.stored:  # a 422 lists the errors only; the file's rejected row keeps its soft checks
        assert upload.soft == api_result.soft
    assert upload.stored == api_result.stored
    if case.example:  # the example leaves out what does not apply: what the file is told is not stored
        assert api_result.notes == set()
        assert {name for name, rule, _ in upload.notes if rule == "not_applicable"} == (
            set(given(answers, "lettings")) - set(json.loads(EXAMPLE.read_text(encoding="utf-8"))["answers"]))
    elif api_result.stored:  # a 422 lists the errors only; the file's rejected row keeps its notes
        assert upload.notes == api_result.notes

    # The web form: each error it shows is one the others give, with the pack's message, on the same answer;
    # an answer the page does not offer is refused by the page, on that answer.
    unoffered = {f for f, r, _ in api_result.errors if r == "option_not_offered"}
    assert {(name, message) for name, _, message in form.errors if name not in unoffered} <= {
        (f, m) for f, _, m in api_result.errors}
    assert unoffered <= {name for name, _, _ in form.errors}
    assert bool(form.errors) == bool(api_result.errors)
    if not api_result.errors:
        assert_same_record(form.stored, api_result.stored)
        assert form.soft == api_result.soft  # each shown on the page it attaches to
    else:  # stored by the web form alone, less the refused answer, and not complete
        assert api_result.stored is None and form.stored["status"] == "in_progress"
        refused = {name for name, _, _ in form.errors}
        assert refused and not refused & set(form.stored["answers"])
