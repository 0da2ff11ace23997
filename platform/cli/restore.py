"""`cldc restore BACKUP`: a folder `cldc backup` made, back into an empty database and an
empty MEDIA_ROOT (docs/operations.md). It refuses a database with tables in it or a
MEDIA_ROOT with files: a restore never mixes with, or overwrites, data."""

import json
import tarfile
from pathlib import Path

import psycopg
from psycopg import sql
from django.conf import settings
from django.db import connection

from cldc.platform.cli.backup import DATABASE_FILE, FILES_FILE, MANIFEST_FILE, connection_arguments, run_postgres_tool

HELP = "Restore a backup folder into an empty database (made if missing) and an empty MEDIA_ROOT."


def add_arguments(parser):
    parser.add_argument("backup", help="a folder `cldc backup` made (cldc-YYYYMMDD-HHMMSS)")
    parser.add_argument("--database", help="the database to restore into (default: CLDC_DB_NAME's)")
    parser.add_argument("--jobs", type=int, default=2, help="tables restored side by side (default 2)")


def server_connection(database):
    server = connection.settings_dict
    return psycopg.connect(host=server["HOST"], port=server["PORT"], user=server["USER"],
                           password=server["PASSWORD"] or None, dbname=database, autocommit=True)


def make_or_check_empty(database):
    with server_connection("postgres") as maintenance:
        if not maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
            return
    with server_connection(database) as target:
        tables = target.execute("SELECT count(*) FROM pg_tables WHERE schemaname NOT IN "
                                "('pg_catalog', 'information_schema')").fetchone()[0]
    if tables:
        raise ValueError(f"Database {database} has {tables} tables: restore into a new, empty database "
                         f"(give its name with --database), or drop this one first.")


def run(options, out):
    backup = Path(options["backup"]).resolve()
    missing = [name for name in (MANIFEST_FILE, DATABASE_FILE, FILES_FILE) if not (backup / name).is_file()]
    if missing:
        raise ValueError(f"{backup} is not a whole backup: it has no {', '.join(missing)}.")
    manifest = json.loads((backup / MANIFEST_FILE).read_text())
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir() and any(path.is_file() for path in media.rglob("*")):
        raise ValueError(f"{media} (MEDIA_ROOT) has files in it: restore into an empty one.")
    database = options["database"] or connection.settings_dict["NAME"]
    make_or_check_empty(database)

    arguments, environment = connection_arguments(database)
    # No owners or grants from the old server: the restoring role owns everything.
    run_postgres_tool(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                       f"--jobs={max(1, options['jobs'])}", *arguments, str(backup / DATABASE_FILE)], environment)
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(backup / FILES_FILE, "r:gz") as archive:
        archive.extractall(media, filter="data")  # no absolute paths, links out or devices
    out.write(f"Restored database {manifest['database']} ({len(manifest['schemas'])} schemas, backed up "
              f"{manifest['made']}) into {database}, and {manifest['files']} files into {media}")
