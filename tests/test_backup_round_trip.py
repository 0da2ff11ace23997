"""The backup round trip: `cldc backup` of the test database, with records committed in a
service and an uploaded file, then `cldc restore` into a new, empty database and an empty
MEDIA_ROOT. Every service's records, every table of every schema and every sequence come
back the same, and so do the files.

pg_dump sees only committed data, so the test commits its own (outside a test
transaction, as the browser tests do) and deletes it afterwards."""

import json

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context
from psycopg import sql

from cldc.platform.organisations.models import Organisation
from cldc.platform.people.models import User
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.tests.conftest import _complete_visit, _make_organisation, _make_person


def server(database):
    settings = connection.settings_dict
    return psycopg.connect(host=settings["HOST"], port=settings["PORT"], user=settings["USER"],
                           password=settings["PASSWORD"] or None, dbname=database, autocommit=True)


def drop(database):
    with server("postgres") as maintenance:
        maintenance.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))


def contents(database):
    """Each service's records; each table of each schema as a row count and a checksum of
    its rows; each sequence's last value."""
    with server(database) as db:
        tables = db.execute("SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN "
                            "('pg_catalog', 'information_schema') ORDER BY 1, 2").fetchall()
        rows = {}
        for schema, table in tables:
            rows[f"{schema}.{table}"] = db.execute(sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {}.{} t",
            ).format(sql.Identifier(schema), sql.Identifier(table))).fetchone()
        sequences = db.execute("SELECT schemaname, sequencename, last_value FROM pg_sequences ORDER BY 1, 2").fetchall()
        services = [schema for (schema,) in db.execute("SELECT schema_name FROM public.tenancy_service ORDER BY 1")
                    if (schema, "records_record") in tables]
        records = {schema: db.execute(sql.SQL(
            "SELECT id, collection, record_type, version, status, answers::text, lock_version FROM {}.records_record "
            "ORDER BY id").format(sql.Identifier(schema))).fetchall() for schema in services}
    return {"records": records, "rows": rows, "sequences": sequences}


NAME, EMAIL = "Backed Up Borough", "officer@backed-up.example"


def remove_ours():
    """The test's own organisation, person and records, if there (an earlier run stopped
    half-way leaves them). In a service's schema: deleting a person looks for their
    downloads, queries... there."""
    with schema_context("visits"):
        Record.objects.filter(owning_organisation__name=NAME).delete()
        User.objects.filter(email=EMAIL).delete()
        Organisation.objects.filter(name=NAME).delete()


@pytest.fixture
def db(django_db_setup, django_db_blocker):
    """In this module, `db` is the test database outside any test transaction: pg_dump sees
    only committed data. (Asking for `db` by name is what makes pytest-django create the
    test database, when a test run has only these tests.)"""
    assert connection.settings_dict["NAME"].startswith("test_")
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def committed(db):
    """Two visits in the visits service, committed; deleted again afterwards."""
    remove_ours()
    council = _make_organisation(NAME, type="local_authority")
    officer = _make_person(EMAIL, council, role="data_coordinator")
    try:
        with schema_context("visits"):
            for reference in ("BACKUP-1", "BACKUP-2"):
                record = Record(collection="visits", record_type="visit", version=2026,
                                owning_organisation=council, managing_organisation=council)
                submit(record, {**_complete_visit(), "visitref": reference}, source="form", user=officer)
        yield
    finally:
        remove_ours()


def test_a_backup_restores_into_an_empty_database_with_every_record_and_file(committed, settings, tmp_path):
    source = connection.settings_dict["NAME"]
    restored = f"{source}_restored"
    drop(restored)  # left by an earlier run that was stopped half-way
    settings.MEDIA_ROOT = tmp_path / "media"
    upload = settings.MEDIA_ROOT / "uploads" / "visits" / "visits.csv"
    upload.parent.mkdir(parents=True)
    upload.write_bytes("Visit reference\nBACKUP-1\n".encode())

    call_command("cldc", "backup", str(tmp_path / "backups"))
    (backup,) = (tmp_path / "backups").iterdir()
    assert json.loads((backup / "backup.json").read_text())["files"] == 1

    settings.MEDIA_ROOT = tmp_path / "restored-media"
    try:
        call_command("cldc", "restore", str(backup), "--database", restored)
        before, after = contents(source), contents(restored)
    finally:
        drop(restored)

    assert [answers for *_, answers, _ in before["records"]["visits"] if "BACKUP-" in answers]  # ours are there
    assert set(before["records"]) >= {"core", "hclic", "visits"}
    assert after["records"] == before["records"]
    assert after["rows"] == before["rows"]
    assert after["sequences"] == before["sequences"]
    assert (settings.MEDIA_ROOT / "uploads" / "visits" / "visits.csv").read_bytes() == upload.read_bytes()


def fake_backup(folder):
    """A backup folder whose files are never read: the refusals come first."""
    folder.mkdir()
    (folder / "database.dump").write_bytes(b"")
    (folder / "files.tar.gz").write_bytes(b"")
    (folder / "backup.json").write_text(json.dumps({"made": "2026-12-07T00:00:00+00:00", "database": "cldc",
                                                    "schemas": ["public"], "files": 0}))
    return folder


def test_restore_refuses_a_database_that_has_tables(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with pytest.raises(CommandError, match=r"has \d+ tables: restore into a new, empty database"):
        call_command("cldc", "restore", str(fake_backup(tmp_path / "backup")))


def test_restore_refuses_a_folder_that_is_not_a_whole_backup(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = fake_backup(tmp_path / "backup")
    (folder / "database.dump").unlink()
    with pytest.raises(CommandError, match="is not a whole backup: it has no database.dump"):
        call_command("cldc", "restore", str(folder), "--database", "never_made")


def test_restore_refuses_a_media_root_with_files(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "exports").mkdir(parents=True)
    (settings.MEDIA_ROOT / "exports" / "old.csv").write_text("kept\n")
    with pytest.raises(CommandError, match="has files in it: restore into an empty one"):
        call_command("cldc", "restore", str(fake_backup(tmp_path / "backup")), "--database", "never_made")
