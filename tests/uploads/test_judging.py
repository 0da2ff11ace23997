"""Upload rows judged in other processes (platform/uploads/judging.py): the judgement
reads no database, a file judged in processes ends exactly as one judged in one
process, a real Celery prefork worker may start judging processes, and without a
pool the rows are judged in the process itself."""

import logging
import os
import subprocess
import sys
import uuid

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.celery import app
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record, Revision
from cldc.platform.uploads import importer, judging
from cldc.platform.uploads.files import open_upload
from cldc.platform.uploads.models import Upload
from cldc.platform.uploads.template_rows import answers_from_field_numbers
from cldc.platform.windows.service import Windows


@pytest.fixture
def council(make_organisation):
    return make_organisation("Judging Borough Council", type="local_authority")


@pytest.fixture
def officer(make_person, council):
    return make_person("judging@example.com", council, role="data_coordinator")


def template_answers(visits_template_csv, organisation, person, tmp_path):
    """The complete visit in the template's layout, read back as answers by the
    bulk-upload reader, as the pipeline gives them to the gateway."""
    definition = registry.get("visits").definition("visit", 2026)
    path = tmp_path / "visit.csv"
    path.write_bytes(visits_template_csv(organisation))
    with open_upload(path, path.name) as upload:
        ((_, values),) = list(upload.rows())
        answers, problems = answers_from_field_numbers(definition, upload.keyed(values))
    assert problems == []
    answers[definition.record_fields["owning_organisation"]] = str(organisation.pk)
    answers[definition.record_fields["assigned_to"]] = str(person.pk)
    return answers


def new_visit(organisation):
    """A visit not yet stored: judging sets its answers."""
    return Record(collection="visits", record_type="visit", version=2026, owning_organisation=organisation)


def visits_windows():
    """The visit 2026 window, read here: judging processes may not query (the pipeline
    reads it the same way before it judges)."""
    with schema_context("visits"):
        windows = Windows()
        windows.get("visits", "visit", 2026)
        return windows


def visits_file(path, visits_template_csv, council, rows, changes=None):
    """The complete visit `rows` times in the template's layout, each with its own
    reference (J-0, J-1, ...); `changes` sets answers by row index: {index: {variable: text}}."""
    path.write_bytes(visits_template_csv(council, rows=[{"visitref": f"J-{index}", **(changes or {}).get(index, {})}
                                                        for index in range(rows)]))
    return path


def test_judging_a_chunk_reads_no_database(visits_service, council, officer, visits_template_csv, tmp_path,
                                           django_assert_num_queries):
    answers = template_answers(visits_template_csv, council, officer, tmp_path)
    with schema_context("visits"):
        stored = submit(new_visit(council), answers, source="upload").record
        existing = Record.objects.select_related("owning_organisation", "managing_organisation").get(pk=stored.pk)
        new = new_visit(council)
        windows = visits_windows()
        with django_assert_num_queries(0):  # what lets judging processes share nothing with their parent
            outcomes = judging.judge([(existing, {**answers, "age1": "41"}), (new, {**answers, "age1": "41"})],
                                     user=None, confirm=[], windows=windows)
    assert [o.changes.get("age1", [None, None])[1] for o in outcomes] == [41, 41]
    assert [(o.status, o.errors, o.warnings, o.missing) for o in outcomes] == [("completed", [], [], [])] * 2


def test_a_chunk_judged_in_processes_is_judged_as_here(visits_service, council, officer, visits_template_csv,
                                                       tmp_path, settings):
    settings.CLDC_UPLOAD_PROCESSES = 2
    answers = template_answers(visits_template_csv, council, officer, tmp_path)

    def rows():  # new records: judging sets their answers
        return [(new_visit(council), {**answers, "age1": age}) for age in ("30", "200", "41")]

    windows = visits_windows()
    here = judging.judge(rows(), user=None, confirm=[], windows=windows)
    sent = rows()
    with judging.Judge(parallel=True) as judge:
        assert judge.in_parallel
        there = judge.chunk(sent, user=None, confirm=[], windows=windows).result()
    # Each record sent holds what the gateway held on it there (only its stored fields came back).
    assert all(outcome.record is record for outcome, (record, _) in zip(there, sent))
    assert [(r.answers, r.derived, r.status) for r, _ in sent] == [(o.record.answers, o.record.derived, o.record.status)
                                                                   for o in here]
    assert [(o.status, o.errors, o.warnings, o.changes) for o in there] == [
        (o.status, o.errors, o.warnings, o.changes) for o in here]
    assert there[1].errors  # an age of 200 is refused, in either
    with connection.cursor() as cursor:  # the parent's connection, and its transaction, outlive the pool
        cursor.execute("SELECT count(*) FROM organisations_organisation WHERE id = %s", [council.pk])
        assert cursor.fetchone() == (1,)


def test_a_file_judged_in_processes_ends_as_in_one_process(tmp_path, visits_service, council, officer,
                                                           make_organisation, visits_template_csv, settings,
                                                           monkeypatch, caplog):
    """Three uploads: a file with errors (nothing stored), the same with its valid rows
    created now, and a corrected file (created, updated, unchanged), in chunks of 8 rows."""
    monkeypatch.setattr(importer, "CHUNK", 8)
    stranger = make_organisation("Stranger Homes")
    definition = registry.get("visits").definition("visit", 2026)
    owner = definition.record_fields["owning_organisation"]
    errors = visits_file(tmp_path / "errors.csv", visits_template_csv, council, 30,
                         {4: {"age1": "200"}, 11: {"visitref": "J-2"}, 17: {owner: f"ORG{stranger.pk}"}})
    corrected = visits_file(tmp_path / "corrected.csv", visits_template_csv, council, 30,
                            {21: {"age1": "41"}, 28: {"age1": "41"}})

    def uploads():
        results = []
        for path, options in ((errors, {}), (errors, {"create_valid_now": True}), (corrected, {})):
            upload = Upload.objects.create(collection="visits", record_type="visit", version=2026,
                                           organisation=council, user=officer, filename=path.name, path=str(path),
                                           **options)
            importer.Importer(upload).run()
            results.append({
                "counts": (upload.status, upload.total_rows, upload.processed_rows, upload.created, upload.updated,
                           upload.unchanged, upload.rejected),
                "issues": sorted(upload.issues.values_list("row", "cell", "column", "field", "value", "rule",
                                                           "severity", "message")),
                "records": sorted(Record.objects.values_list("provider_reference", "answers", "derived",
                                                             "confirmations", "status", "lock_version",
                                                             "owning_organisation", "assigned_to")),
                "revisions": sorted(Revision.objects.values_list("record__provider_reference", "number", "source",
                                                                 "changes")),
            })
        return results

    with schema_context("visits"):
        settings.CLDC_UPLOAD_PROCESSES = 1
        with transaction.atomic():
            alone = uploads()
            transaction.set_rollback(True)
        settings.CLDC_UPLOAD_PROCESSES = 2
        with caplog.at_level(logging.WARNING, logger=judging.__name__):
            together = uploads()
    assert "judged in one process" not in caplog.text
    assert [r["counts"] for r in together] == [
        ("checked", 30, 30, 27, 0, 0, 3),  # all or nothing: counted, nothing stored
        ("done", 30, 30, 27, 0, 0, 3),
        ("done", 30, 30, 3, 2, 25, 0),
    ]
    assert len(together[2]["records"]) == 30
    assert together == alone


WORKER = """
import os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cldc.platform.settings")
django.setup()
from cldc.platform.celery import app
from cldc.platform.organisations.context import pinned as pinned_organisations
from cldc.platform.organisations.models import Organisation
from cldc.platform.records.models import Record
from cldc.platform.uploads.judging import Judge
from cldc.platform.windows.service import Windows
from django_tenants.utils import schema_context

@app.task(name="tests.judge_in_a_worker")
def judge_in_a_worker(answers, organisation_pk, rows):
    organisation = Organisation(pk=organisation_pk, name="Worker Homes", type="local_authority")
    records = [(Record(collection="visits", record_type="visit", version=2026, owning_organisation=organisation),
                answers) for _ in range(rows)]
    windows = Windows()
    with schema_context("visits"):  # the window as launched (committed), read before judging
        windows.get("visits", "visit", 2026)
    # The organisations' facts, read before judging as the importer reads them (organisations.context).
    with pinned_organisations([organisation], "visits"), Judge(parallel=True) as judge:
        outcomes = judge.chunk(records, user=None, confirm=[], windows=windows).result()
        return {"in_parallel": judge.in_parallel, "outcomes": [[o.status, o.errors, o.warnings] for o in outcomes]}

app.worker_main(["worker", "--pool=prefork", "--concurrency=1", "-Q", sys.argv[1], "--without-mingle",
                 "--without-gossip", "--loglevel=warning"])
"""


def test_a_celery_prefork_worker_judges_in_processes(visits_service, council, officer, visits_template_csv, tmp_path):
    """billiard makes its pool processes daemonic, which multiprocessing refuses children.
    The worker knows the test collection from CLDC_COLLECTION_PACKAGES (tests/conftest.py)."""
    answers = template_answers(visits_template_csv, council, officer, tmp_path)
    queue = f"test-{uuid.uuid4().hex[:8]}"  # no other worker listens here
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, queue],
        env={**os.environ, "CLDC_DB_NAME": connection.settings_dict["NAME"], "CLDC_UPLOAD_PROCESSES": "2"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        result = app.send_task("tests.judge_in_a_worker", args=[answers, council.pk, 3], queue=queue).get(timeout=60)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert "Traceback" not in output, output
    assert result == {"in_parallel": True, "outcomes": [["completed", [], []]] * 3}, output


def test_without_judging_processes_rows_are_judged_here_and_the_log_says_why_once(
        visits_service, council, officer, visits_template_csv, tmp_path, settings, monkeypatch, caplog):
    def no_processes(*args, **kwargs):
        raise OSError("Cannot allocate memory")

    settings.CLDC_UPLOAD_PROCESSES = 2
    monkeypatch.setattr(judging, "ProcessPoolExecutor", no_processes)
    monkeypatch.setattr(judging, "_fallback_logged", False)
    answers = template_answers(visits_template_csv, council, officer, tmp_path)
    record = new_visit(council)
    windows = visits_windows()
    with caplog.at_level(logging.WARNING, logger=judging.__name__):
        for _ in range(2):
            with judging.Judge(parallel=True) as judge:
                assert not judge.in_parallel
                (outcome,) = judge.chunk([(record, answers)], user=None, confirm=[], windows=windows).result()
                assert outcome.record is record and outcome.status == "completed"
    assert caplog.text.count("judged in one process: no judging processes (Cannot allocate memory)") == 1
