"""Suggest how a provider's column headers map onto a record type's questions: for
each header, the chosen target (a variable and part) or null, its score, its band
(confident, doubtful or unmapped) and the three best alternatives, as JSON."""

import json

from cldc.platform import registry
from cldc.platform.uploads.automap import suggest

HELP = "Map column headers (a text file, one header a line) onto a version's questions, as JSON."


def add_arguments(parser):
    parser.add_argument("--collection", required=True)
    parser.add_argument("--record-type", required=True)
    parser.add_argument("--version", required=True, type=int, help="e.g. 2026 for 2026/27")
    parser.add_argument("headers", help="a text file with one column header a line; blank lines are ignored")


def run(options, out):
    definition = registry.get(options["collection"]).definition(options["record_type"], options["version"])
    headers = read_headers(options["headers"])
    out.write(json.dumps([mapping.as_dict() for mapping in suggest(definition, headers)], indent=2, ensure_ascii=False))


def read_headers(path):
    """The non-blank lines of a UTF-8 text file (a byte-order mark is allowed)."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except OSError as error:
        raise ValueError(f"Cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text: give one column header a line") from None
    if "\x00" in text:
        raise ValueError(f"{path} is not a text file: give one column header a line")
    headers = [line.strip() for line in text.splitlines() if line.strip()]
    if not headers:
        raise ValueError(f"{path} has no headers: give one column header a line")
    return headers
