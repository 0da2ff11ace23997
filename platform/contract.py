"""The contract between the platform and a collection package, in one place.

Read it like a plugin system's hook specifications: what a package is, every file it
may provide, every function it may register, and what those functions are given.
The platform uses these declarations (the registry finds a package's files from
FILES; the rule engine and the linter know the context from CONTEXT), so this page
cannot drift from what the code does. docs/collection-packages.md says the same for
people, with a minimal package; tests/test_contract.py checks it against the code.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

# --- Finding packages ----------------------------------------------------------------------

PACKAGE_ROOT = "cldc.collections"  # every package below it (collections/<name>/) is found
# Module names of packages kept elsewhere (an example package under tests/, say): the
# Django setting COLLECTION_PACKAGES (environment CLDC_COLLECTION_PACKAGES, comma-separated).
EXTRA_PACKAGES_SETTING = "COLLECTION_PACKAGES"
DECLARATION = "COLLECTION"  # the package's __init__.py sets it to a cldc.platform.registry.Collection


# --- The files a package may provide -----------------------------------------------------


@dataclass(frozen=True)
class PackageFile:
    """One kind of file, relative to the package's folder. `{record_type}`,
    `{version}`, `{name}` and `{year}` are filled in; `*` is every match, in name order."""

    path: str
    meaning: str
    required: bool = False


FILES = {
    "definition": PackageFile(
        "definitions/{record_type}/{version}.yaml",
        "the questionnaire of one record type in one version (docs/definitions.md)", required=True),
    "bulk_upload_layout": PackageFile(
        "definitions/{record_type}/{version}.bulk_upload.yaml",
        "optional: the bulk-upload template's layout of that version, each question's `bulk_upload:` block by its id "
        "(docs/definitions.md); the loader puts each back on its question"),
    "rules": PackageFile("rules/{record_type}.yaml", "hard and soft rules, each with its years (docs/rules.md)"),
    "rules_split": PackageFile("rules/{record_type}/*.yaml", "the same, split by theme, read after rules/<record_type>.yaml"),
    "derived": PackageFile("derived/{record_type}.yaml", "derived variables, stored with the record and marked as derived"),
    "derived_split": PackageFile("derived/{record_type}/*.yaml", "the same, split by theme"),
    "functions": PackageFile("functions.py", "imported before the rule pack is built: it registers the functions below"),
    "functions_package": PackageFile("functions/__init__.py", "the same, as a package"),
    "reference_list": PackageFile(
        "reference/{name}_{year}.csv",
        "columns code and label: the options of every radio or select that `refers_to: <name>` "
        "(the latest year up to the version's); optional active_from and active_to (ISO dates): the web form offers "
        "an entry only on the days from one to the other, on the date answer the question names as `listed_on`; "
        "other columns are the package's own, for its functions"),
    "reference": PackageFile("reference", "the package's own tables, read by its functions (Collection.reference_dir)"),
    "synonyms": PackageFile(
        "synonyms/{record_type}.yaml", "column names providers' systems use, for bulk upload's column matching"),
    "windows": PackageFile(
        "windows.yaml",
        "the collection windows a service starts with, one per record type and version. Without it no year is "
        "offered to start a record in, by the web form or bulk upload", required=True),
    "guidance": PackageFile("guidance/*.txt", "seed guidance pages: title on line 1, `slug: some-slug` on line 2, then paragraphs"),
    "example": PackageFile("examples/{record_type}/{version}.json", "a complete create body for the API reference page"),
    "example_change": PackageFile("examples/{record_type}/{version}-change.json", "a change to it, for the same page"),
    "exports": PackageFile(
        "exports/{record_type}/{version}.yaml",
        "optional: export layouts, column by column, and who may have them (docs/exports.md); "
        "without one, a version exports every answer"),
    "xml_layout": PackageFile(
        "xml/{record_type}/{version}.yaml",
        "optional: the XML files of one record type and version (the data file, and the personal-data file), "
        "element by element, read and written by cldc.platform.xmlfiles (docs/xml.md)"),
    "xml_schema": PackageFile(
        "xml/{record_type}/{version}.{file}.xsd",
        "the XSD of each of those files, generated from the definition and the layout by `cldc xsd` (docs/xml.md)"),
    "figures": PackageFile(
        "figures/{record_type}/{version}.yaml",
        "optional: each organisation's own figures: records by month of a date, breakdowns by answers with options, "
        "and an average compared with similar organisations (docs/playback.md)"),
    "demo": PackageFile(
        "demo/{record_type}/{version}.yaml",
        "optional: how `cldc demo` varies the worked example into records that differ (docs/playback.md)"),
    "synthetic": PackageFile(
        "synthetic.py",
        "optional: records made up over time, for the package's tests and `cldc demo`, which calls its "
        "demo(service, organisations) to give the demo's organisations their records (docs/collection-packages.md)"),
    "returns": PackageFile(
        "returns/{record_type}.yaml",
        "optional: turns on quarterly returns: the triggers that put a record in a quarter, exclusions, the reference "
        "shown and who signs off (docs/returns.md)"),
    "reports": PackageFile(
        "reports/{record_type}.yaml",
        "optional, with returns: the quality report's tables, counted from each return's records, and the change "
        "from the previous quarter that is flagged (docs/reports.md)"),
    "registers": PackageFile(
        "registers/*.yaml",
        "optional: registers of entries a service holds besides records (CORE's schemes and their locations), "
        "owned by organisations, with active periods; which record questions choose an entry and which answers "
        "an entry fills (docs/registers.md)"),
    "rule_cases": PackageFile(
        "rule_cases/*.yaml",
        "the package's tests: for each rule, answers that make it fire and a near miss that does not, each file "
        "naming its record_type and version; run by `cldc cases` (docs/testing-a-package.md)"),
}


# --- What a package's functions are given ------------------------------------------------

# The context every rule, derived variable and expression may read besides the answers.
# cldc.platform.records.gateway.context_for builds exactly these (a test holds it to it);
# an expression names them as it names answers (`visitdate > today`).
CONTEXT = {
    "today": "the date the record is checked (datetime.date)",
    "version": "the record's version, e.g. 2026 for 2026/27 (int)",
    "collection_start": "the first day the version covers: its definition's valid_from (datetime.date)",
    "collection_end": "the last day the version covers: its definition's valid_to (datetime.date)",
    "owning_organisation_type": "the owning organisation's type: local_authority, prp, other; None if not known yet",
    "managing_organisation_type": "the managing organisation's type, likewise",
    "owning_organisation": "the owning organisation's facts (cldc.platform.organisations.context), None if not known: "
                           "id, name, type, active_from, holds_stock, merge_date, absorbing_organisation (its name), "
                           "absorbing_organisation_active_from, absorbed_others (it absorbed another), data_sharing_accepted, options_in_use {question: codes} "
                           "(docs/organisations.md)",
    "managing_organisation": "the managing organisation's facts, likewise",
    "entries": "the register entries the record's answers choose (docs/registers.md): {register name: entry as a dict, "
               "or None when the answer names no entry}; {} when it chooses none",
}
# Names some functions are given, and others not: a package may rely on them only where said.
CONTEXT_SOMETIMES = {
    "index": "a rule function of a repeat family (`repeat:` in a rules file) only: the index it checks",
    "memo": "rule functions only, during one check of one record: use rules.functions.per_record, not the key",
}
# Anything else (CORE reads postcode_la, previous_postcode_la and location_mobility_type
# with .get) is given by no caller today: a function must work without it.


# --- The functions a package may register ------------------------------------------------
# With cldc.platform.rules.functions.rule_function("<collection>.<name>"), in the package's
# functions module; a rules or derived file names one with `function: <collection>.<name>`.
# Rule and derived functions must not touch the database: the engine runs them for a record
# in memory, in every channel, and in `cldc validate`, `cldc backtest` and the bulk-upload
# workers. An export format is registered by its own decorator (below).


def rule(answers: Mapping, context: Mapping) -> dict | bool | None:
    """A rule: None or False when it does not fire; else a dict of its message's
    %{parameters} (True or {} for none). Answers are typed: int or Decimal, datetime.date,
    codes as the definition writes them; a blank answer is absent."""


def derived(answers: Mapping, context: Mapping) -> object:
    """A derived variable: its value, or None when nothing can be derived (an answer of
    the same name then stands). Given the answers and the derived values declared before it."""


def export_format(selection, rows: Iterator[list], path: Path, run=None) -> str | None:
    """An export format, registered with cldc.platform.exports.formats.export_format(
    "<collection>.<name>"): write the rows (one list of values per record, in
    selection.columns' order, codes or labels as selection.codes says) to `path` as they
    come, never holding them all. `rows` also offers rows.texts(make_row, zone): each row
    as one text that PostgreSQL makes with the format's SQL (CORE's CDS does), and
    rows.count. It may read the database (organisations, people).
    Registered with given_run=True, it is also given the ExportRun (to number its files
    from the runs before) and returns its file's name, or None when it wrote no file."""


def scheduled_run(service, export_records: Callable[[], list], full: bool) -> list:
    """A scheduled (nightly) run of a package's export format, whole, registered with
    cldc.platform.exports.formats.scheduled_run("<collection>.<name>"): call
    export_records() for the platform's runs of the records, add the files the receiver
    takes besides (CDS: people, organisations, the night's manifest), return every run."""


FUNCTIONS = {"rule": rule, "derived": derived, "export_format": export_format, "scheduled_run": scheduled_run}
