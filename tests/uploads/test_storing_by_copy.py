"""Storing an upload's new records by COPY (gateway.create_many through
records/copying.py, ADR 0021) stores what the ORM's bulk inserts stored before: the
same records (answers, derived values, statuses, soft checks, references, owners),
the same first revisions (the history), the same rows of the upload, the same issues
and counts, and the same data-quality summaries the records table's triggers keep."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from cldc.platform.quality.models import SoftCheckSummary, Summary
from cldc.platform.records import gateway
from cldc.platform.records.models import Record, Revision
from cldc.platform.uploads.importer import Importer
from cldc.platform.uploads.models import ImportedRow, Upload

# Complete visits, and visits with a soft check waiting, a hard error (rejected: the
# valid rows are created now), an answer missing (in progress) and no reference (found
# by the duplicate check).
ROWS = (
    {"visitref": "COPY-1"},
    {"visitref": "COPY-2", "age1": "75", "work1": "1"},
    {"visitref": "COPY-3", "repairsdetail": "none"},
    {"visitref": "COPY-4", "age1": "12"},
    {"visitref": "COPY-5", "rent": None},
    {"visitref": None, "age2": "33"},
)
RECORD_FIELDS = ("collection", "record_type", "version", "owning_organisation_id", "managing_organisation_id",
                 "assigned_to_id", "created_by_id", "status", "answers", "derived", "confirmations", "error_count",
                 "soft_checks", "provider_reference", "duplicate_key", "source", "lock_version")


def orm_bulk_insert(model, objects, db=connection):
    """How create_many stored new rows before ADR 0021: the ORM's bulk_create."""
    objects = list(objects)
    model.objects.bulk_create(objects)
    return objects


def import_and_read(path, council, officer):
    """Import the file (valid rows created now) and read back everything it stored."""
    upload = Upload.objects.create(collection="visits", record_type="visit", version=2026, organisation=council,
                                   user=officer, filename=path.name, path=str(path), create_valid_now=True)
    Importer(upload).run()
    records = list(Record.objects.order_by("provider_reference", "duplicate_key"))
    position = {record.pk: i for i, record in enumerate(records)}
    return {
        "upload": (upload.status, upload.created, upload.updated, upload.unchanged, upload.rejected),
        "records": [{name: getattr(r, name) for name in RECORD_FIELDS} | {"completed": r.completed_at is not None,
                                                                         "stamped": bool(r.created_at and r.updated_at)}
                    for r in records],
        "history": [(position[v.record_id], v.number, v.user_id, v.source, v.api_client_id, v.changes,
                     v.created_at is not None) for v in Revision.objects.order_by("record__provider_reference",
                                                                                   "record__duplicate_key", "number")],
        "rows": [(i.row, position[i.record_id]) for i in ImportedRow.objects.filter(upload=upload)],
        "issues": sorted(upload.issues.values_list("row", "field", "rule", "severity", "message")),
        "quality": sorted(Summary.objects.values_list("organisation", "logs", "completed", "with_errors", "errors")),
        "soft checks": sorted(SoftCheckSummary.objects.values_list("organisation", "rule", "waiting", "confirmed")),
    }


@pytest.mark.django_db(transaction=False)
def test_records_stored_by_copy_are_those_the_orm_stored(tmp_path, visits_service, make_organisation, make_person,
                                                        visits_template_csv, monkeypatch):
    council = make_organisation("Copying Borough Council", type="local_authority")
    officer = make_person("copier@example.com", council, role="data_coordinator")
    path = tmp_path / "visits.csv"
    path.write_bytes(visits_template_csv(council, ROWS))
    with schema_context("visits"):
        with monkeypatch.context() as old_path:
            old_path.setattr(gateway, "copy_new", orm_bulk_insert)
            before = import_and_read(path, council, officer)
        Record.objects.all().delete()
        after = import_and_read(path, council, officer)

    assert before["upload"] == ("done", 5, 0, 0, 1)  # what the file holds, whichever path stores it
    assert {r["status"] for r in before["records"]} == {"completed", "in_progress"}
    assert any(r["soft_checks"] for r in before["records"]) and before["quality"] and before["soft checks"]
    for part in before:
        assert after[part] == before[part], part
