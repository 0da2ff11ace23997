"""`cldc backup FOLDER`: the whole database (the shared schema and every service's schema)
and the uploaded files, into a new folder FOLDER/cldc-YYYYMMDD-HHMMSS/; `cldc restore`
reads one back (docs/operations.md says how often and where).

PostgreSQL's own pg_dump and pg_restore do the database: a custom-format dump is
consistent (one snapshot) while the service runs, and restores in parallel.
"""

import json
import os
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

HELP = "Back up the whole database and the uploaded files into a new folder."
DATABASE_FILE = "database.dump"  # pg_dump --format=custom
FILES_FILE = "files.tar.gz"      # MEDIA_ROOT: uploads, exports, downloads, documents, images
MANIFEST_FILE = "backup.json"


def add_arguments(parser):
    parser.add_argument("folder", help="where to make the backup's own folder, cldc-YYYYMMDD-HHMMSS")


def connection_arguments(database):
    """pg_dump/pg_restore arguments and environment for the configured server (the password
    goes in the environment, never on a command line others can see)."""
    server = connection.settings_dict
    arguments = ["--host", server["HOST"], "--port", str(server["PORT"]), "--username", server["USER"],
                 "--dbname", database]
    return arguments, {**os.environ, "PGPASSWORD": server["PASSWORD"] or ""}


def run_postgres_tool(command, environment):
    """Run pg_dump or pg_restore; its own message is the error if it fails."""
    try:
        result = subprocess.run(command, env=environment, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise ValueError(f"{command[0]} is not installed: install PostgreSQL's client (postgresql-client)") from error
    if result.returncode != 0:
        raise ValueError(f"{command[0]} failed: {result.stderr.strip()}")


def schema_names():
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
                       "AND nspname <> 'information_schema' ORDER BY nspname")
        return [name for (name,) in cursor.fetchall()]


def run(options, out):
    folder = Path(options["folder"]).resolve() / f"cldc-{timezone.now():%Y%m%d-%H%M%S}"
    folder.mkdir(parents=True)  # never into an existing backup
    database = connection.settings_dict["NAME"]
    arguments, environment = connection_arguments(database)
    run_postgres_tool(["pg_dump", "--format=custom", "--file", str(folder / DATABASE_FILE), *arguments], environment)

    media = Path(settings.MEDIA_ROOT)
    files = 0
    with tarfile.open(folder / FILES_FILE, "w:gz") as archive:
        if media.is_dir():
            for path in sorted(media.rglob("*")):
                if path.is_file():
                    archive.add(path, arcname=str(path.relative_to(media)), recursive=False)
                    files += 1
    manifest = {"made": timezone.now().isoformat(timespec="seconds"), "database": database,
                "schemas": schema_names(), "files": files}
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
    out.write(f"Backed up database {database} ({len(manifest['schemas'])} schemas) and {files} files to {folder}")
