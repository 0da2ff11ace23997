"""Definitions loaded from their YAML files into plain objects (see docs/definitions.md)."""

import copy
import datetime as dt
import difflib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path

import yaml

from cldc.platform.definitions.expressions import compile_expression

QUESTION_TYPES = {"radio", "select", "checkbox", "numeric", "text", "date", "address", "derived"}


class DefinitionError(ValueError):
    """The definition file is not valid. The message names the file and the place;
    `problems` holds each problem found (one line of the message each)."""

    def __init__(self, message="", problems=()):
        self.problems = list(problems) or [message]
        super().__init__("\n".join(self.problems))


# --- The keys the platform reads -----------------------------------------------------------
# Every key of a package's files is one of these, or inside a `notes:` block (allowed in
# any mapping checked here, and never read): a misspelt key is an error, not a key kept
# and ignored.
NOTES = "notes"
TOP_KEYS = {
    "collection", "record_type", "version", "title", "valid_from", "valid_to", "reference_key", "ages_at",
    "search_fields", "record_fields", "predicates", "sections",
    "option_lists",  # named lists of options, that a question names as its `options:` (resolve_option_lists)
    "noun",  # what people call a record, [singular, plural]: Definition.noun
}
# A version that states only its differences (apply_changes): these replace the base's.
DELTA_COPIED_KEYS = (
    "collection", "record_type", "version", "title", "valid_from", "valid_to", "reference_key", "ages_at",
)
DELTA_KEYS = {"extends", "changes", *DELTA_COPIED_KEYS}
CHANGE_KEYS = {  # each change's own keys; change_question also takes question keys
    "add_question": {"after", "question"},
    "set_options": {"question", "options", "retire"},
    "change_question": {"question"},
}
PREDICATE_KEYS = {"expression"}
SECTION_KEYS = {"id", "label", "subsections"}
SUBSECTION_KEYS = {"id", "label", "show_if", "routing_note", "pages"}
# `opens` and `closes` name the date questions that say when each member starts and ends
# (a stay's start and end dates): Definition.repeats, definitions.members.open_members.
REPEAT_KEYS = {"repeat", "indices", "pages", "opens", "closes"}
PAGE_KEYS = {"id", "questions", "header", "show_if", "routing_note"}
QUESTION_KEYS = {
    "id", "type", "text", "hint", "label", "options", "retired_options", "min", "max", "step", "prefix",
    "suffix", "show_if", "optional", "personal", "export_name", "bulk_upload",
}
# Question keys that channels read, kept in Question.extra: dynamic_options (lint, the
# JSON Schema), refers_to (the JSON Schema), keep_value_when_not_routed (routing),
# variants (bulk upload's column matching reads their `text`), error_if_blank (the web
# form's message for a question left blank), offered_when (the options offered, by a
# condition: Question.offers, which the web form offers and the gateway holds to),
# reads_as (an answer's words where a person reads the log back: Question.reads),
# fills_local_authority (a postcode's local authority fills that question: platform/places/fill.py),
# listed_on (the date answer on which a dated reference list's entries are offered: Question.listed_on),
# address_fields (the questions an address found by postcode answers: platform/forms/address_search.py).
QUESTION_EXTRA_KEYS = {
    "dynamic_options", "refers_to", "keep_value_when_not_routed", "variants", "error_if_blank", "offered_when",
    "reads_as", "fills_local_authority", "listed_on", "address_fields",
}
OFFER_KEYS = {"when", "codes", "message", "options_of"}  # each clause of offered_when
# `options_of`: the options the record's organisation on that side chose to use
# (cldc.platform.organisations: OptionsInUse), read from the context's facts.
ORGANISATION_SIDES = ("owning_organisation", "managing_organisation")
# A retired option written as a mapping, to say which offered codes replaced it (it was
# split or renamed): Question.replaced_by, which the refusal of a new answer names.
RETIRED_OPTION_KEYS = {"code", "label", "replaced_by"}
# The old form's wording of a question on its other pages: bulk upload's column matching
# reads the `text`; where and how it was shown is kept under the variant's notes.
VARIANT_KEYS = {"text"}
# Read by field_numbers (a row of the template), uploads.template_files (the template's
# own columns) and uploads.automap / provider_rows (a provider's own columns).
BULK_UPLOAD_KEYS = {
    "fields", "header", "headers", "duplicate_check", "kind", "codes", "markers", "when_given", "when_blank",
    "from_fields", "otherwise", "given", "not_given", "ticked", "groups", "add", "variables",
    "values", "can_be_empty", "info", "applies_to",
}
SETS_KEYS = {"sets", "to"}  # when_given, when_blank
MARKER_KEYS = {"value", "sets", "to"}


def unknown_keys(raw, allowed, where):
    """A problem for each key of a mapping that is not in `allowed` (nor `notes`), with
    the nearest allowed key when one is close."""
    if not isinstance(raw, dict):
        return [f"{where}: should be a mapping of keys, not {type(raw).__name__}"]
    problems = []
    for key in raw:
        if key == NOTES or key in allowed:
            continue
        near = difflib.get_close_matches(str(key), sorted(allowed | {NOTES}), n=1)
        problems.append(
            f"{where}, key {key!r} is not one the platform reads"
            + (f" (did you mean {near[0]!r}?)" if near else " (keep notes for people under `notes:`)")
        )
    return problems


def _per_index(value):
    """A value of a repeat block as written: one per index ({2: ..., 3: ...}) or one for all."""
    if isinstance(value, dict) and value and all(isinstance(k, int) for k in value):
        return list(value.values())
    return [value]


def key_problems(raw, source):
    """Every key of a whole definition file (not a delta) that the platform does not read."""
    problems = unknown_keys(raw, TOP_KEYS, f"{source}: top level")
    if not isinstance(raw, dict):
        return problems
    predicates = raw.get("predicates") or {}
    for name, spec in predicates.items() if isinstance(predicates, dict) else ():
        if isinstance(spec, dict):
            problems += unknown_keys(spec, PREDICATE_KEYS, f"{source}: predicate {name!r}")
    for section in raw.get("sections") or []:
        problems += unknown_keys(section, SECTION_KEYS, f"{source}: section {_id(section)!r}")
        for sub in (section.get("subsections") or []) if isinstance(section, dict) else []:
            problems += unknown_keys(sub, SUBSECTION_KEYS, f"{source}: subsection {_id(sub)!r}")
            for page in (sub.get("pages") or []) if isinstance(sub, dict) else []:
                if isinstance(page, dict) and "repeat" in page:
                    problems += unknown_keys(page, REPEAT_KEYS, f"{source}: repeat block {page['repeat']!r}")
                    problems += [p for inner in page.get("pages") or [] for p in _page_key_problems(inner, source)]
                else:
                    problems += _page_key_problems(page, source)
    return problems


def _id(raw):
    return raw.get("id") if isinstance(raw, dict) else raw


def _page_key_problems(page, source):
    where = f"{source}: page {_id(page)!r}"
    problems = unknown_keys(page, PAGE_KEYS, where)
    for question in (page.get("questions") or []) if isinstance(page, dict) else []:
        problems += question_key_problems(question, f"{source}: question {_id(question)!r}")
    return problems


def question_key_problems(question, where):
    problems = unknown_keys(question, QUESTION_KEYS | QUESTION_EXTRA_KEYS, where)
    if not isinstance(question, dict):
        return problems
    for variants in _per_index(question.get("variants")):
        for variant in variants or []:
            problems += unknown_keys(variant, VARIANT_KEYS, f"{where}, a variant")
    for clause in question.get("offered_when") or []:
        problems += unknown_keys(clause, OFFER_KEYS, f"{where}, offered_when")
    retired = question.get("retired_options")
    for option in retired if isinstance(retired, list) else []:
        if isinstance(option, dict):
            problems += unknown_keys(option, RETIRED_OPTION_KEYS, f"{where}, retired_options")
    upload = question.get("bulk_upload")
    if upload:
        problems += bulk_upload_key_problems(upload, f"{where}, bulk_upload")
    return problems


def bulk_upload_key_problems(upload, place):
    """Every key of a question's bulk_upload block that the platform does not read."""
    problems = unknown_keys(upload, BULK_UPLOAD_KEYS, place)
    if isinstance(upload, dict):
        for key in ("when_given", "when_blank"):
            for value in _per_index(upload.get(key)):
                if value is not None:
                    problems += unknown_keys(value, SETS_KEYS, f"{place} {key}")
        for markers in _per_index(upload.get("markers")):
            for marker in markers or []:
                problems += unknown_keys(marker, MARKER_KEYS, f"{place} markers")
    return problems


def delta_key_problems(raw, source):
    """Every key of a file that `extends` another that the platform does not read (its
    questions are checked again once applied)."""
    problems = unknown_keys(raw, DELTA_KEYS, f"{source}: top level")
    for number, change in enumerate(raw.get("changes") or [], start=1):  # (raw has `extends`: a mapping)
        where = f"{source}: change {number}"
        if not (isinstance(change, dict) and len(change) == 1):
            kinds = ", ".join(["remove_question", *CHANGE_KEYS])
            problems.append(f"{where}: should be one of {kinds}, with its details")
            continue
        (kind, spec), = change.items()
        if kind == "change_question":
            problems += unknown_keys(spec, CHANGE_KEYS[kind] | QUESTION_KEYS | QUESTION_EXTRA_KEYS, f"{where} ({kind})")
        elif kind in CHANGE_KEYS:
            problems += unknown_keys(spec, CHANGE_KEYS[kind], f"{where} ({kind})")
        if kind == "add_question" and isinstance(spec, dict):
            problems += question_key_problems(spec.get("question"), f"{where} (add_question): question")
    return problems


RECORD_NOUNS = ("record", "records")  # the platform's own word, where a definition names none


@dataclass(frozen=True)
class Offer:
    """One `offered_when` clause: while `when` holds, the question offers only `codes`.
    `message` (optional) says what to do instead of an answer not offered, in the
    collection's words; %{options} in it stands for the options offered."""

    when: object  # Expression; None for an `options_of` clause
    codes: frozenset
    message: str = ""
    options_of: str = ""  # a side (ORGANISATION_SIDES): the options that organisation uses, once it chose
    organisation: str = ""  # the organisation's name, in an offer made from an `options_of` clause

    def deciding(self, question, env):
        """This clause as it decides now, or None when it does not."""
        if not self.options_of:
            return self if self.when.evaluate_in(env) else None
        facts = env.get(self.options_of) or {}
        chosen = (facts.get("options_in_use") or {}).get(question.id)
        if not chosen:
            return None  # the organisation has not chosen: every option
        return Offer(None, frozenset(chosen) & question.codes, self.message, self.options_of, facts.get("name") or "")


@dataclass
class Question:
    id: str
    type: str
    text: str = ""
    hint: str = ""
    label: str = ""
    options: list = field(default_factory=list)  # [(code, label)], offered
    # Codes of the options shown after an "or" divider (written `[divider_a, null]` among
    # the options): a divider is never an answer, on any channel.
    divided: frozenset = frozenset()
    retired_options: list = field(default_factory=list)  # [(code, label)], readable only
    replaced_by: dict = field(default_factory=dict)  # {retired code: (offered codes that replaced it)}
    min: object = None
    max: object = None
    step: object = None
    prefix: str = ""
    suffix: str = ""
    show_if: object = None  # Expression
    optional: object = False  # True, or an Expression: optional when it holds
    personal: bool = False
    export_name: str = ""
    bulk_upload: dict = field(default_factory=dict)
    repeat: str = ""  # the repeat group this question belongs to
    index: int | None = None  # its index in that group
    extra: dict = field(default_factory=dict)  # the QUESTION_EXTRA_KEYS it has, for the channels that read them
    offers: list = field(default_factory=list)  # its `offered_when` clauses, as Offers, in order
    # {code: (first day, last day or None)}: the entries of a dated reference list it refers_to (registry)
    listed_dates: dict = field(default_factory=dict)
    page: object = None

    @property
    def variables(self):
        """The stored variables: one per option for a checkbox, else the id."""
        if self.type == "checkbox":
            return [code for code, _ in self.options + self.retired_options]
        return [self.id]

    @cached_property
    def number_limits(self):
        """(min, max, step) as Decimals, None where not set (step 0 is none): read for
        every number of every record (values.normalise), so made once."""
        low = None if self.min is None else Decimal(str(self.min))
        high = None if self.max is None else Decimal(str(self.max))
        step = Decimal(str(self.step)) if self.step not in (None, 0) else None
        return low, high, step

    @cached_property
    def codes(self):
        return {code for code, _ in self.options}

    @cached_property
    def all_codes(self):
        return self.codes | {code for code, _ in self.retired_options}

    @cached_property
    def code_for_text(self):
        """Every code (offered or retired) by its text, as files and forms send it."""
        return {str(code): code for code, _ in self.options + self.retired_options}

    @property
    def is_coded(self):
        return self.type in ("radio", "select") and bool(self.options or self.retired_options)

    def label_for(self, code):
        return dict(self.options + self.retired_options).get(code)

    def replaced_message(self, code):
        """Why a retired code that was split or renamed is refused as a new answer, naming
        the options that replaced it by their labels (and codes, for files and systems)."""
        choices = _either([f"“{self.label_for(new) or new}” ({new})" for new in self.replaced_by[code]])
        field = self.label or self.text or self.id
        return f"“{self.label_for(code)}” ({code}) is no longer an answer to {field}: choose {choices}."

    def reads(self, code):
        """An answer as check your answers shows it: `reads_as` where the option's own
        words read wrongly beside the question's label ("Lead tenant’s age: No" reads
        "Not known"), else the option's label."""
        return (self.extra.get("reads_as") or {}).get(code) or self.label_for(code)

    def offer(self, env):
        """The `offered_when` clause that decides the options now: the first whose
        condition holds in `env` (scope() of the answers and context), or None when
        none does and every option is offered."""
        return next((found for offer in self.offers if (found := offer.deciding(self, env))), None)

    def listed_on(self, first, last=None):
        """The options of a dated reference list that exist on day `first` (or on any
        day from `first` to `last`): an abolished local authority is not offered for a
        later log. Options the list does not date are always listed."""
        last = last or first
        return [(code, label) for code, label in self.options
                if code not in self.listed_dates or _overlaps(self.listed_dates[code], first, last)]

    def offered(self, env):
        """The options offered now: the web form shows these, and the gateway refuses
        any other answer, in every channel."""
        offer = self.offer(env)
        return self.options if offer is None else [(code, label) for code, label in self.options if code in offer.codes]

    def not_offered_message(self, offer, answer=None):
        """What to do about an answer `offer` does not offer, naming the options it does
        (with their codes, for files and systems): the clause's own words (%{options};
        %{organisation} and %{answer} for an `options_of` clause), or these."""
        options = _either([f"“{label}” ({code})" for code, label in self.options if code in offer.codes])
        if offer.message:
            return (offer.message.replace("%{options}", options).replace("%{organisation}", offer.organisation)
                    .replace("%{answer}", str(self.label_for(answer) or answer)))
        if offer.options_of:
            return f"{offer.organisation} does not use “{self.label_for(answer) or answer}”: select {options}."
        return f"Select one of the answers to “{self.label or self.id}” that apply to this log: {options}."


def _overlaps(dates, first, last):
    active_from, active_to = dates
    return (active_from is None or active_from <= last) and (active_to is None or first <= active_to)


def _either(named):
    """Options named as one sentence reads them: “A”, “B” or “C”."""
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} or {named[-1]}"


@dataclass(frozen=True)
class RepeatBlock:
    """A repeat group as written (`repeat:`), with the date questions, if it names them,
    that say when each member opens and closes: `opens: start{n}`, `closes: end{n}`."""

    name: str
    indices: tuple
    opens: str = ""
    closes: str = ""

    def opens_variable(self, index):
        return self.opens.replace("{n}", str(index)) if self.opens else ""

    def closes_variable(self, index):
        return self.closes.replace("{n}", str(index)) if self.closes else ""


@dataclass
class Page:
    id: str
    questions: list
    header: str = ""
    show_if: object = None
    routing_note: str = ""
    repeat: str = ""
    index: int | None = None
    subsection: object = None


@dataclass
class Subsection:
    id: str
    label: str
    pages: list
    show_if: object = None
    routing_note: str = ""  # plain English, where routing is not (only) answers
    section: object = None


@dataclass
class Section:
    id: str
    label: str
    subsections: list


@dataclass
class Definition:
    collection: str
    record_type: str
    version: int
    title: str
    valid_from: dt.date
    valid_to: dt.date
    sections: list
    reference_key: list = field(default_factory=list)
    predicates: dict = field(default_factory=dict)  # named conditions, usable in any expression
    # Record columns that questions of the file hold, e.g. {"owning_organisation":
    # "owning_organisation_id"}: the web form asks them when a log is set up.
    record_fields: dict = field(default_factory=dict)
    # Answers people search logs by (a tenant code, a postcode), besides the log's id.
    search_fields: list = field(default_factory=list)
    # The date question at which ages are counted (a tenancy start date): an upload may
    # give a date of birth where the form asks an age.
    ages_at: str = ""
    noun: tuple = ()  # what people call a record of it, (singular, plural), e.g. ("log", "logs"); () if unnamed
    repeats: dict = field(default_factory=dict)  # {name: RepeatBlock}, in form order
    source: str = ""  # the file it came from
    raw: dict = field(default_factory=dict, repr=False)

    @cached_property
    def pages(self):
        return [page for section in self.sections for sub in section.subsections for page in sub.pages]

    @cached_property
    def questions(self):
        """Every question by id, in form order."""
        return {q.id: q for page in self.pages for q in page.questions}

    @cached_property
    def variables(self):
        """Every stored variable, mapped to the question that holds it."""
        return {var: q for q in self.questions.values() for var in q.variables}

    @cached_property
    def offering(self):
        """The questions that offer some of their options by a condition (`offered_when`)."""
        return [q for q in self.questions.values() if q.offers]

    @cached_property
    def duplicate_check_variables(self):
        """The variables that identify the same letting or case twice (the bulk-upload
        template's "Duplicate check field?" row): `bulk_upload: {duplicate_check: true}`."""
        return sorted(v for q in self.questions.values() if (q.bulk_upload or {}).get("duplicate_check") for v in q.variables)

    @cached_property
    def routing_plan(self):
        """The pages as plain tuples, for routing (which runs for every record):
        (subsection id, its condition, the page's condition, [(question, its
        condition, the variables to clear when it does not apply)]), each condition an
        Expression, or None. A question marked `keep_value_when_not_routed`
        (a value the service fills in itself, such as the local authority of a
        supported-housing location) keeps its value when it is not asked."""
        return [
            (page.subsection.id, page.subsection.show_if, page.show_if,
             [(q, q.show_if, () if q.extra.get("keep_value_when_not_routed") else tuple(q.variables))
              for q in page.questions])
            for page in self.pages
        ]

    @cached_property
    def routing_function(self):
        """The routing plan as one generated function (routing.route_function, ADR 20)."""
        from cldc.platform.definitions.routing import route_function

        return route_function(self.routing_plan)

    def covers(self, day):
        return self.valid_from <= day <= self.valid_to

    @property
    def nouns(self):
        """(singular, plural) that people read: the definition's noun, else the platform's word."""
        return self.noun or RECORD_NOUNS

    def display(self, name, value):
        """A value as people read it: the label of a code, money as £1,234.50, a date
        as 1 April 2026. Used to fill rule messages."""
        if value is None:
            return ""
        question = self.variables.get(name)
        if question is None:
            return str(value)
        if question.is_coded:
            return str(question.label_for(value) or value)
        if isinstance(value, dt.date):
            return f"{value.day} {value:%B %Y}"
        if question.type == "numeric" and question.prefix == "£":
            return f"£{value:,.2f}"
        return f"{value}{question.suffix if question.suffix and question.suffix.strip() == '%' else ''}"

    def __str__(self):
        return f"{self.collection} {self.record_type} {self.version}"


# --- Loading ----------------------------------------------------------------------


# libyaml's loader, where PyYAML was built with it: the same documents, ten times faster.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.load(handle, Loader=SAFE_LOADER)
    except yaml.YAMLError as error:
        raise DefinitionError(f"{path}: not valid YAML: {error}") from None


def load_definition(path, layout_path=None):
    """A definition file's data, with the bulk-upload template's layout of its version
    (`<version>.bulk_upload.yaml` beside it, when there is one: each question's
    `bulk_upload:` block, by question id as written) put back on its questions, so that
    every reader of `Question.bulk_upload` finds it where it always did."""
    raw = load_yaml(path)
    if layout_path is None or not Path(layout_path).exists():
        return raw
    layout = load_yaml(layout_path) or {}
    if not isinstance(layout, dict):
        raise DefinitionError(f"{layout_path}: should be a mapping of question ids to their bulk_upload blocks")
    if isinstance(raw, dict) and "extends" in raw:
        raise DefinitionError(f"{layout_path}: a version that extends another changes its layout with "
                              "`change_question: {question: <id>, bulk_upload: ...}`, not a layout file")
    questions = {str(q.get("id")): q for q in _raw_questions(raw or {}) if isinstance(q, dict)}
    problems = []
    for question_id, upload in layout.items():
        where = f"{layout_path}: question {question_id!r}"
        question = questions.get(str(question_id))
        if question is None:
            near = difflib.get_close_matches(str(question_id), sorted(questions), n=1)
            problems.append(f"{where} is not a question of {Path(path).name}" + (f" (did you mean {near[0]!r}?)" if near else ""))
        elif "bulk_upload" in question:
            problems.append(f"{where} has its bulk_upload block in {Path(path).name} too: keep it in one place")
        else:
            problems += bulk_upload_key_problems(upload, where)
            question["bulk_upload"] = upload
    if problems:
        raise DefinitionError(problems=problems)
    return raw


def _noun(noun, source):
    if noun is None:
        return ()
    if not (isinstance(noun, list) and len(noun) == 2 and all(isinstance(word, str) and word for word in noun)):
        raise DefinitionError(f"{source}: noun must be [singular, plural], e.g. [log, logs]")
    return tuple(noun)


def build(raw, source="", base_loader=None):
    """Build a Definition from a file's data. A file that `extends` another version is
    applied as changes to it; base_loader(version) returns that version's raw data."""
    if "extends" in raw:
        if base_loader is None:
            raise DefinitionError(f"{source}: extends {raw['extends']} but no base can be loaded")
        problems = delta_key_problems(raw, source)
        if problems:
            raise DefinitionError(problems=problems)
        raw = apply_changes(base_loader(raw["extends"]), raw, source)
    problems = key_problems(raw, source)
    if problems:
        raise DefinitionError(problems=problems)
    raw = resolve_option_lists(raw, source)
    try:
        predicates = _predicates(raw.get("predicates") or {}, source)
        sections = [_section(s, source, predicates) for s in raw["sections"]]
        definition = Definition(
            collection=raw["collection"],
            record_type=raw["record_type"],
            version=int(raw["version"]),
            title=raw.get("title", ""),
            valid_from=_date(raw["valid_from"]),
            valid_to=_date(raw["valid_to"]),
            sections=sections,
            reference_key=list(raw.get("reference_key", [])),
            predicates=predicates,
            record_fields=dict(raw.get("record_fields") or {}),
            search_fields=list(raw.get("search_fields") or []),
            ages_at=str(raw.get("ages_at") or ""),
            noun=_noun(raw.get("noun"), source),
            repeats=_repeat_blocks(raw, source),
            source=str(source),
            raw=raw,
        )
    except KeyError as error:
        raise DefinitionError(f"{source}: missing {error.args[0]!r}") from None
    return definition


def _repeat_blocks(raw, source):
    """Every repeat block's name, indices and member dates (`opens`, `closes`). A block
    that says when its members close says when they open too."""
    blocks = {}
    for section in raw["sections"]:
        for sub in section.get("subsections", []):
            for page in sub.get("pages", []):
                if "repeat" not in page:
                    continue
                first, last = page["indices"]
                opens, closes = str(page.get("opens") or ""), str(page.get("closes") or "")
                if closes and not opens:
                    raise DefinitionError(f"{source}: repeat block {page['repeat']!r}: `closes` needs `opens` too")
                blocks[page["repeat"]] = RepeatBlock(page["repeat"], tuple(range(int(first), int(last) + 1)),
                                                     opens, closes)
    return blocks


def resolve_option_lists(raw, source):
    """The file's data with each `options: <name>` replaced by the list of that name in
    its `option_lists:` (kept, so that a version extending this one may name them too).
    An unknown name, or a list that is not [code, label] pairs, is a DefinitionError."""
    lists = raw.get("option_lists") or {}
    problems = []
    if not isinstance(lists, dict):
        raise DefinitionError(f"{source}: option_lists: a mapping of names to lists of [code, label] pairs")
    for name, pairs in lists.items():
        if not (isinstance(pairs, list) and all(isinstance(p, list) and len(p) == 2 for p in pairs)):
            problems.append(f"{source}: option_lists {name!r}: each option is a [code, label] pair")
    named = [q for q in _raw_questions(raw) if isinstance(q.get("options"), str)]
    for question in named:
        if question["options"] not in lists:
            near = difflib.get_close_matches(question["options"], sorted(map(str, lists)), n=1)
            problems.append(f"{source}: question {_id(question)!r}, options: no option list called {question['options']!r}"
                            + (f" (did you mean {near[0]!r}?)" if near else " in the file's option_lists"))
    if problems:
        raise DefinitionError(problems=problems)
    if not named:
        return raw
    raw = copy.deepcopy(raw)  # the caller's data stays as it was written
    for question in _raw_questions(raw):
        if isinstance(question.get("options"), str):
            question["options"] = copy.deepcopy(lists[question["options"]])
    return raw


def _raw_questions(raw):
    """Every question mapping of a whole definition's data, repeat blocks included."""
    for section in raw.get("sections") or []:
        for sub in (section.get("subsections") or []) if isinstance(section, dict) else []:
            for page in _raw_pages((sub.get("pages") or []) if isinstance(sub, dict) else []):
                yield from (q for q in (page.get("questions") or []) if isinstance(q, dict)) if isinstance(page, dict) else []


def _date(value):
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _expr(text, where, predicates=None):
    if text in (None, ""):
        return None
    try:
        return compile_expression(text, predicates=predicates)
    except ValueError as error:
        raise DefinitionError(f"{where}: {error}") from None


def _predicates(raw, source):
    """Named conditions (`predicates:` in the file), each an expression that may use
    the ones before it. A condition that says `is_supported_housing` means its text."""
    compiled = {}
    for name, spec in raw.items():
        text = spec["expression"] if isinstance(spec, dict) else spec
        compiled[name] = _expr(text, f"{source}: predicate {name}", compiled)
    return compiled


def _section(raw, source, predicates):
    section = Section(id=raw["id"], label=raw.get("label", ""), subsections=[])
    for raw_sub in raw.get("subsections", []):
        where = f"{source}: subsection {raw_sub.get('id')}"
        sub = Subsection(
            id=raw_sub["id"], label=raw_sub.get("label", ""), pages=[],
            show_if=_expr(raw_sub.get("show_if"), where, predicates), routing_note=raw_sub.get("routing_note", ""),
            section=section,
        )
        for raw_page in raw_sub.get("pages", []):
            for page in _pages(raw_page, source, predicates):
                page.subsection = sub
                sub.pages.append(page)
        section.subsections.append(sub)
    return section


def _pages(raw, source, predicates):
    if "repeat" in raw:
        first, last = raw["indices"]
        indices = range(int(first), int(last) + 1)
        for n in indices:
            for raw_page in raw["pages"]:
                yield _page(_fill(raw_page, n, indices), source, predicates, repeat=raw["repeat"], index=n)
    else:
        yield _page(raw, source, predicates)


def _fill(value, n, indices=None):
    """Replace {n} in every string of a repeat block, and pick per-index values from
    {index: value} mappings (such as bulk-upload field numbers). A mapping is
    per-index only when every key is one of the block's indices, so a code map such
    as {1: P, 2: X} stays as it is. Keys whose value comes out blank are dropped."""
    if isinstance(value, str):
        return value.replace("{n}", str(n))
    if isinstance(value, list):
        return [_fill(v, n, indices) for v in value]
    if isinstance(value, dict):
        if value and indices and all(isinstance(k, int) and k in indices for k in value):
            return _fill(value.get(n), n, indices)
        filled = {k: _fill(v, n, indices) for k, v in value.items()}
        return {k: v for k, v in filled.items() if v is not None}
    return value


def _page(raw, source, predicates, repeat="", index=None):
    where = f"{source}: page {raw.get('id')}"
    page = Page(
        id=raw["id"],
        questions=[],
        header=raw.get("header", ""),
        show_if=_expr(raw.get("show_if"), where, predicates),
        routing_note=raw.get("routing_note", ""),
        repeat=repeat,
        index=index,
    )
    for raw_q in raw.get("questions", []):
        page.questions.append(_question(raw_q, f"{where}, question {raw_q.get('id')}", page, repeat, index, predicates))
    return page


def _options(pairs, where):
    try:
        return [(code, label) for code, label in (pairs or [])]
    except (TypeError, ValueError):
        raise DefinitionError(f"{where}: options must be [code, label] pairs") from None


def _offered(pairs, where):
    """The options that are answers, and the codes of those after a divider: an option
    without a label (`[divider_a, null]`) is the "or" between answers, not an answer."""
    options, divided, divider = [], set(), False
    for code, label in _options(pairs, where):
        if label is None:
            divider = True
            continue
        options.append((code, label))
        if divider:
            divided.add(code)
            divider = False
    return options, frozenset(divided)


def _question(raw, where, page, repeat, index, predicates):
    qtype = raw.get("type")
    if qtype not in QUESTION_TYPES:
        raise DefinitionError(f"{where}: unknown type {qtype!r} (one of {', '.join(sorted(QUESTION_TYPES))})")
    optional = raw.get("optional", False)
    options, divided = _offered(raw.get("options"), where)
    retired, replaced_by = _retired(raw.get("retired_options"), where)
    _check_reads_as(raw, options, where)
    return Question(
        id=str(raw["id"]),
        type=qtype,
        text=raw.get("text", ""),
        hint=raw.get("hint", ""),
        label=raw.get("label", "") or raw.get("text", ""),
        options=options,
        divided=divided,
        retired_options=_options(retired, where),
        replaced_by=replaced_by,
        min=raw.get("min"),
        max=raw.get("max"),
        step=raw.get("step"),
        prefix=raw.get("prefix", ""),
        suffix=raw.get("suffix", ""),
        show_if=_expr(raw.get("show_if"), where, predicates),
        optional=optional if isinstance(optional, bool) else _expr(optional, where, predicates),
        personal=bool(raw.get("personal", False)),
        export_name=raw.get("export_name") or str(raw["id"]),
        bulk_upload=raw.get("bulk_upload") or {},
        repeat=repeat,
        index=index,
        extra={k: v for k, v in raw.items() if k in QUESTION_EXTRA_KEYS},
        offers=_offers(raw, qtype, options, where, predicates),
        page=page,
    )


def _retired(entries, where):
    """A question's retired options as [code, label] pairs, and the codes that replaced
    each one written as a mapping ({code, label, replaced_by: [codes]})."""
    pairs, replaced_by = [], {}
    for entry in entries or []:
        if not isinstance(entry, dict):
            pairs.append(entry)
            continue
        if "code" not in entry or "label" not in entry or not isinstance(entry.get("replaced_by", []), list):
            raise DefinitionError(f"{where}: retired_options: each is a [code, label] pair, or "
                                  "{code: ..., label: ..., replaced_by: [codes]}")
        pairs.append([entry["code"], entry["label"]])
        if entry.get("replaced_by"):
            replaced_by[entry["code"]] = tuple(entry["replaced_by"])
    return pairs, replaced_by


def _check_reads_as(raw, options, where):
    """A question's `reads_as` ({code: words}) names only its own options."""
    reads_as = raw.get("reads_as")
    if reads_as is None:
        return
    if not (isinstance(reads_as, dict) and options):
        raise DefinitionError(f"{where}: reads_as: a mapping of its options' codes to words, for a question with options")
    strays = [code for code in reads_as if code not in {code for code, _ in options}]
    if strays:
        raise DefinitionError(f"{where}: reads_as: {', '.join(map(str, strays))} is not an option of the question")


def _offers(raw, qtype, options, where, predicates):
    """A question's `offered_when` clauses, checked: each offers options of its question."""
    clauses = raw.get("offered_when") or []
    if clauses and not (qtype in ("radio", "select") and options):
        raise DefinitionError(f"{where}: offered_when: only a radio or select question with options offers some of them")
    codes = {code for code, _ in options}
    offers = []
    for clause in clauses:
        if isinstance(clause, dict) and "options_of" in clause:
            if clause["options_of"] not in ORGANISATION_SIDES or "when" in clause or "codes" in clause:
                raise DefinitionError(f"{where}: offered_when: `options_of` is one of {', '.join(ORGANISATION_SIDES)}, "
                                      "without `when` or `codes`")
            offers.append(Offer(None, frozenset(), str(clause.get("message") or ""), clause["options_of"]))
            continue
        if not (isinstance(clause, dict) and clause.get("when") and isinstance(clause.get("codes"), list)):
            raise DefinitionError(f"{where}: offered_when: each clause needs `when` and `codes` (a list)")
        strays = [code for code in clause["codes"] if code not in codes]
        if strays:
            raise DefinitionError(f"{where}: offered_when: {', '.join(map(str, strays))} is not an option of the question")
        offers.append(Offer(_expr(clause["when"], f"{where}: offered_when", predicates), frozenset(clause["codes"]),
                            str(clause.get("message") or "")))
    return offers


# --- Versions that state only their differences ----------------------------------------


def apply_changes(base, delta, source):
    raw = copy.deepcopy(base)
    for key in DELTA_COPIED_KEYS:
        if key in delta:
            raw[key] = delta[key]
    for change in delta.get("changes", []):
        (kind, spec), = change.items()
        if kind == "remove_question":
            _find_question(raw, spec, source, remove=True)
        elif kind == "add_question":
            page, position = _find_question(raw, spec["after"], source)
            page["questions"].insert(position + 1, spec["question"])
        elif kind == "set_options":
            page, position = _find_question(raw, spec["question"], source)
            question = page["questions"][position]
            old = {code: label for code, label in question.get("options", [])}
            question["options"] = spec["options"]
            question["retired_options"] = question.get("retired_options", []) + [
                _retiring(entry, old) for entry in spec.get("retire", [])]
        elif kind == "change_question":
            page, position = _find_question(raw, spec["question"], source)
            page["questions"][position].update({k: v for k, v in spec.items() if k != "question"})
        else:
            raise DefinitionError(f"{source}: unknown change {kind!r}")
    return raw


def _retiring(entry, old_labels):
    """One code a set_options change retires, as a retired option keeping its old label:
    a code, or {code: ..., replaced_by: [codes]} (the codes that replaced it)."""
    if isinstance(entry, dict):
        return {"label": old_labels.get(entry.get("code"), str(entry.get("code"))), **entry}
    return [entry, old_labels.get(entry, str(entry))]


def _find_question(raw, question_id, source, remove=False):
    for section in raw["sections"]:
        for sub in section.get("subsections", []):
            for page in _raw_pages(sub.get("pages", [])):
                for position, question in enumerate(page.get("questions", [])):
                    if question.get("id") == question_id:
                        if remove:
                            del page["questions"][position]
                        return page, position
    raise DefinitionError(f"{source}: no question {question_id!r} to change")


def _raw_pages(pages):
    for page in pages:
        if isinstance(page, dict) and "repeat" in page:
            yield from page["pages"]
        else:
            yield page
