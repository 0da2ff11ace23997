"""Write the API's worked example for CORE: one complete lettings log for 2026/27, as
the body of `POST /api/v1/records/`, and a change to it for `PATCH`. The API reference
page shows these files, and tests/api/test_api_docs.py sends them, so they are made,
not typed: from the official bulk-upload template's data row (reference/spec/), read
by the bulk-upload reader and converted by the definition's field numbers, the way an
upload of that row would be, less the answers to questions that do not apply (which
the gateway would clear).

Run it from the repository root after the template or the definition changes:

    .venv/bin/python collections/core/examples/make_examples.py           # write the files
    .venv/bin/python collections/core/examples/make_examples.py --check   # compare, write nothing

The organisation and the assignee are those of the demo data of `make run`, so the
example works there as it stands: E06000999 is Demo Borough Council's ONS code, and
council@example.com its data coordinator. The template's row is a council's letting
(its source of referral is a local authority's code, which a housing association's log
is not offered), so its owner is a council. The template's own organisations are
left out (the body's `organisation` owns and manages the log), and so is its assignee,
a support account that is no organisation's member.
"""

import json
import sys
from pathlib import Path

from cldc.platform import registry
from cldc.platform.definitions.routing import route
from cldc.platform.definitions.values import normalise, to_json
from cldc.platform.uploads.files import open_upload
from cldc.platform.uploads.template_rows import answers_from_field_numbers

HERE = Path(__file__).resolve().parent
ORGANISATION = "E06000999"
ASSIGNEE = "council@example.com"
CHANGE = {"answers": {"propcode": "FLAT-12B"}}  # the landlord's property reference, corrected


def template_row():
    """The official template's data row: {field number: text}."""
    path = registry.get("core").reference_dir / "spec" / "2026_27_lettings_bulk_upload.csv"
    with open_upload(path, path.name) as upload:
        ((_, values),) = list(upload.rows())
        return upload.keyed(values)


def record_body():
    definition = registry.get("core").definition("lettings", 2026)
    answers, problems = answers_from_field_numbers(definition, template_row())
    values, errors = normalise(definition, answers)
    if problems or errors:
        raise SystemExit(f"The template row does not convert cleanly: {problems or errors}")
    for variable in definition.record_fields.values():
        values.pop(variable, None)
    applies, _, _ = route(definition, values)  # the template answers a few questions that do not apply
    # What the row gives (not the 0s the gateway stores for boxes left unticked beside a ticked one)
    answers = {**to_json({name: value for name, value in values.items() if name in applies and name in answers}),
               definition.record_fields["assigned_to"]: ASSIGNEE}
    return {"record_type": "lettings", "version": 2026, "organisation": ORGANISATION, "answers": answers}


def files():
    """{path: text} of every example file."""
    return {HERE / "lettings" / "2026.json": as_text(record_body()),
            HERE / "lettings" / "2026-change.json": as_text(CHANGE)}


def as_text(body):
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def main(check=False):
    stale = [path for path, text in files().items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    if check:
        print("\n".join(f"out of date: {path}" for path in stale) or "The examples are up to date.")
        return 1 if stale else 0
    for path, text in files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv[1:]))
