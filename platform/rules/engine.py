"""Rule packs: the rules and derived variables of one record type in one version.

A rule fires when its `when` expression holds (or its function returns parameters).
- hard: the values it attaches to are not stored;
- soft: the person is asked to confirm; the confirmation is recorded with the
  values it confirmed, and asked again when one of them changes.
A rule that needs something the platform does not have yet is declared with
`waiting_for`: it is listed in the pack (and `cldc rules`) but does not run. A rule
the gateway applies to every question by itself (number formats, ranges, answer
codes) is declared with `built_in`, so the pack still lists it. A rule about what a
record names, or a file, is declared with `pipeline: <check>`: the platform applies it
outside the engine, with the rule's own id and message (PIPELINE_CHECKS).
"""

import re
from dataclasses import dataclass, field
from functools import cached_property

from cldc.platform.contract import CONTEXT
from cldc.platform.definitions.expressions import compile_expression, scope
from cldc.platform.definitions.model import NOTES, DefinitionError, _fill, unknown_keys
from cldc.platform.rules import compiled
from cldc.platform.rules.functions import get_function

SEVERITIES = ("hard", "soft")
# What rules may read besides answers: the gateway's context_for() provides exactly these.
CONTEXT_NAMES = frozenset(CONTEXT)
CHANNELS = ("form", "upload", "api")
# Checks made outside the engine, for a rule to name in `pipeline:`, attached to the
# variable in its `fields`: the references a record names, in every channel
# (cldc.platform.records.references), and rows and files (the bulk-upload pipeline):
PIPELINE_CHECKS = {
    "reference_found": "a record field's reference (an organisation code, an email address) names something",
    "reference_permitted": "what it names is one the submitter may use",
    "duplicate_in_file": "no two rows of the file have the same duplicate-check answers",
    "duplicate_stored": "a row without the provider's reference that answers the duplicate check as several stored "
                        "logs do, or as one when it would be new, is refused: it could be any of them",
    "organisations_related": "the organisations the rule's fields name are one, or related (parent and child) today",
    "file_blank": "a file in the template layout has rows of data below its headings",
    # Files and rows' cells before conversion: cldc.platform.uploads.pipeline_checks, where each is described.
    "file_no_headers": "a file has the template's field numbers or a row of headings, not data in its first row",
    "file_field_count": "a template-layout file has as many field numbers as the version's template",
    "file_too_many_columns": "a template-layout file has no data right of its last field number",
    "file_wrong_year": "the first row's date (the rule's field) is in the collection year chosen for the upload",
    "raw_fields": "the rule's condition over a template row's cells as the file gives them, before they become "
                  "answers (field_<n>, or a variable read from one field)",
    "given_when_support_uploads": "a support user's upload gives the rule's field in every row",
    "not_an_option": "a value of the rule's fields that is no answer of its question is told in the rule's words",
    "data_sharing_agreement": "the organisation a new record, or a change, names in the rule's field has accepted the "
                              "data sharing agreement (cldc.platform.organisations.agreements)",
    "not_answered": "a row that makes or changes a record in progress is told, as a warning on each question that "
                    "applies and has no answer, the rule's message (%{question}: the question's label)",
}
PLACEHOLDER = re.compile(r"%\{(\w+)\}")
# The keys of an entry in a rules file and a derived file (and `notes`, never read).
RULE_KEYS = {
    "id", "reference", "severity", "years", "fields", "attach_to", "when", "message", "function", "params",
    "confirm_question", "description", "waiting_for", "built_in", "pipeline", "bulk_upload_only", "repeat", "indices",
}
# A rules file's `defaults:`: these keys, for every entry that does not give its own.
RULE_DEFAULT_KEYS = {"severity", "years", "bulk_upload_only", "reference"}
DERIVED_KEYS = {"id", "label", "options", "prefix", "reference", "years", "expression", "function", "description"}
YEARS = re.compile(r"(?P<first>\d{4})(?P<dash>-)?(?P<last>\d{4})?|-(?P<until>\d{4})")
YEARS_HELP = "'2026' (that year), '2026-' (from 2026 on), '2024-2026', '-2026' (up to 2026) or a list of years"


def year_ranges(spec):
    """The (first, last) years a `years:` value covers: '2026', '2026-', '2024-2026',
    '-2026', 2026 or a list of years. Anything else is a ValueError, never every year."""
    if isinstance(spec, int) and not isinstance(spec, bool):
        spec = [spec]
    if isinstance(spec, list) and spec and all(isinstance(y, int) and not isinstance(y, bool) for y in spec):
        if all(1000 <= y <= 9999 for y in spec):
            return tuple((y, y) for y in spec)
    elif isinstance(spec, str) and (match := YEARS.fullmatch(spec.strip())):
        if match["until"]:
            return ((0, int(match["until"])),)
        first = int(match["first"])
        last = int(match["last"]) if match["last"] else 9999 if match["dash"] else first
        if first <= last:
            return ((first, last),)
    raise ValueError(f"years {spec!r} is not a year or range of years: write {YEARS_HELP}")


def years_cover(spec, version):
    return any(first <= version <= last for first, last in year_ranges(spec))


@dataclass
class Finding:
    """A rule that fired on a record."""

    rule_id: str
    severity: str
    fields: list
    attach_to: list
    message: str
    reference: str = ""
    confirm_question: str = ""

    def as_dict(self):
        return {
            "rule": self.rule_id,
            "severity": self.severity,
            "fields": self.fields,
            "attach_to": self.attach_to,
            "message": self.message,
        }


@dataclass
class Rule:
    id: str
    severity: str
    message: str
    fields: list
    attach_to: list
    reference: str = ""
    years: object = ""
    when: object = None  # Expression
    function: str = ""
    bulk_upload_only: bool = False
    waiting_for: str = ""
    built_in: str = ""  # done by the gateway itself for every question (e.g. number formats)
    pipeline: str = ""  # one of PIPELINE_CHECKS: applied by the bulk-upload pipeline
    confirm_question: str = ""
    description: str = ""
    params: dict = field(default_factory=dict)  # expressions giving message parameters
    family: str = ""  # the id as written: one family holds the rules a repeat block makes
    index: int | None = None  # in a repeat family, this rule's index (functions get it as context["index"])

    @property
    def runs(self):
        """Whether the engine runs this entry (built-in and waiting rules are listed only)."""
        return not (self.waiting_for or self.built_in or self.pipeline)

    @property
    def status(self):
        if self.waiting_for:
            return "waiting"
        return "built_in" if self.built_in else "pipeline" if self.pipeline else "active"

    def applies_to(self, channel):
        return not self.bulk_upload_only or channel == "upload"

    def check(self, answers, context, env=None):
        """None when the rule does not fire, else the message parameters. `env` is
        scope(answers, context), when the caller has built it already."""
        if self.function:
            result = get_function(self.function)(answers, context if self.index is None else {**context, "index": self.index})
            if result is None or result is False:
                return None
            params = result if isinstance(result, dict) else {}
        else:
            if not self.when.evaluate_in(scope(answers, context) if env is None else env):
                return None
            params = {}
        for name, expression in self.params.items():
            params.setdefault(name, expression.evaluate(answers, context))
        return params

    def render(self, answers, params, definition=None):
        """The message with its placeholders filled: parameters as given; answers as
        people read them (labels for codes, £ amounts, dates in words)."""

        def value(match):
            name = match.group(1)
            if name in params:
                found = params[name]
            elif definition is not None:
                return definition.display(name, answers.get(name))
            else:
                found = answers.get(name)
            return "" if found is None else str(found)

        return PLACEHOLDER.sub(value, self.message)

    def as_dict(self):
        return {
            "id": self.id,
            "reference": self.reference,
            "severity": self.severity,
            "bulk_upload_only": self.bulk_upload_only,
            "years": str(self.years),
            "fields": self.fields,
            "attach_to": self.attach_to,
            "message": self.message,
            "expression": self.when.source if self.when else None,
            "function": self.function or None,
            "description": self.description,
            "status": self.status,
            "waiting_for": self.waiting_for or None,
            "built_in": self.built_in or None,
            "pipeline": self.pipeline or None,
        }


@dataclass
class Derivation:
    id: str
    label: str = ""  # what people read beside the value (check your answers, exports)
    options: list = field(default_factory=list)  # [(code, label)]: a code as people read it
    prefix: str = ""  # "£": an amount of money
    expression: object = None
    function: str = ""
    reference: str = ""
    years: object = ""
    description: str = ""

    def compute(self, answers, context, env=None):
        if self.function:
            return get_function(self.function)(answers, context)
        return self.expression.evaluate_in(scope(answers, context) if env is None else env)


def file_entries(data, kind, source):
    """The list of entries (`rules:` or `derived:`) of a rules or derived file, each
    with the file's `defaults:` (rules files only) for the keys it does not give."""
    top = {kind, "defaults"} if kind == "rules" else {kind}
    problems = unknown_keys(data or {}, top, f"{source}: top level")
    entries = (data or {}).get(kind) or []
    if not isinstance(entries, list):
        problems.append(f"{source}: `{kind}:` should be a list of entries")
    defaults = (data.get("defaults") or {}) if isinstance(data, dict) else {}
    problems += _defaults_problems(defaults, source)
    if problems:
        raise DefinitionError(problems=problems)
    return [_with_defaults(entry, defaults) for entry in entries]


def _defaults_problems(defaults, source):
    where = f"{source}: defaults"
    problems = unknown_keys(defaults, RULE_DEFAULT_KEYS, where)
    if problems:
        return problems
    if "reference" in defaults and defaults["reference"] != "id":
        problems.append(f"{where}: reference: the only default is `id` (each entry implements the reference rule "
                        "of its own id); give any other reference on its entry")
    if "years" in defaults:
        try:
            year_ranges(defaults["years"])
        except ValueError as error:
            problems.append(f"{where}: {error}")
    return problems


def _with_defaults(entry, defaults):
    """An entry with the file's defaults for the keys it does not give: `reference: id`
    makes its reference its id as written (a repeat block's id, before its index)."""
    if not (defaults and isinstance(entry, dict)):
        return entry
    merged = {**{k: v for k, v in defaults.items() if k != "reference" and k != NOTES}, **entry}
    if defaults.get("reference") == "id" and "reference" not in entry and "id" in entry:
        merged["reference"] = entry["id"]
    return merged


def entry_problems(raw_entries, kind, source):
    """What is wrong with any entry of a rules or derived file, whatever years it covers:
    keys the platform does not read, `years` that are not years, functions that are not
    registered. Checked when the pack is built, so `cldc lint` finds them, not a save."""
    allowed = RULE_KEYS if kind == "rule" else DERIVED_KEYS
    problems = []
    for position, raw in enumerate(raw_entries, start=1):
        name = raw.get("id") if isinstance(raw, dict) else None
        where = f"{source}: {kind} {name!r}" if name else f"{source}: {kind} number {position}"
        problems += unknown_keys(raw, allowed, where)
        if not isinstance(raw, dict):
            continue
        if not raw.get("id"):
            problems.append(f"{where}: needs an `id`")
        if "years" not in raw:
            problems.append(f"{where}: needs `years`: {YEARS_HELP}")
        else:
            try:
                year_ranges(raw["years"])
            except ValueError as error:
                problems.append(f"{where}: {error}")
        for function in _functions_named(raw):
            try:
                get_function(function)
            except LookupError as error:
                problems.append(f"{where}: {error}")
    return problems


def _functions_named(raw):
    """The functions an entry calls: one per index for a repeat block that names `{n}`."""
    function = raw.get("function")
    if not function:
        return []
    if "repeat" in raw and "{n}" in str(function):
        try:
            first, last = (int(i) for i in raw["indices"])
        except (KeyError, TypeError, ValueError):
            return [function]  # reported when the block is expanded
        return [_fill(function, n) for n in range(first, last + 1)]
    return [function]


def build_rules(raw_rules, version, source, predicates=None):
    """Rules for one version from a rules file's list, repeat groups expanded. Every
    entry is built, whatever its years, so that a mistake in any is found now."""
    problems = entry_problems(raw_rules, "rule", source)
    if problems:
        raise DefinitionError(problems=problems)
    rules = []
    for raw in raw_rules:
        try:
            built = _expand(raw, source, predicates)
        except DefinitionError as error:
            problems += error.problems
            continue
        if years_cover(raw["years"], version):
            rules += built
    if problems:
        raise DefinitionError(problems=problems)
    ids = [r.id for r in rules]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise DefinitionError(f"{source}: duplicate rule ids {sorted(duplicates)}")
    return rules


def _expand(raw, source, predicates):
    """The rules of one entry: one, or one per index of a repeat block."""
    if "repeat" not in raw:
        return [_rule(raw, source, predicates)]
    try:
        first, last = (int(i) for i in raw["indices"])
    except (KeyError, TypeError, ValueError):
        raise DefinitionError(f"{source}: rule {raw['id']}: a repeat block needs `indices: [first, last]`") from None
    rest = {k: v for k, v in raw.items() if k not in ("repeat", "indices")}
    indices = range(first, last + 1)
    rules = []
    for n in indices:
        item = _fill(rest, n, indices)
        if "{n}" not in str(raw["id"]):
            item["id"] = f"{raw['id']}_{n}"
        item["family"], item["index"] = raw["id"], n
        rules.append(_rule(item, source, predicates))
    return rules


def _rule(raw, source, predicates=None):
    where = f"{source}: rule {raw.get('id')}"
    severity = raw.get("severity")
    if severity not in SEVERITIES:
        raise DefinitionError(f"{where}: severity must be hard or soft")
    when = raw.get("when")
    if not (when or raw.get("function") or raw.get("waiting_for") or raw.get("built_in") or raw.get("pipeline")):
        raise DefinitionError(f"{where}: needs `when`, `function`, `waiting_for`, `built_in` or `pipeline`")
    if raw.get("pipeline") and raw["pipeline"] not in PIPELINE_CHECKS:
        raise DefinitionError(f"{where}: pipeline must be one of {', '.join(PIPELINE_CHECKS)}")
    try:
        compiled = compile_expression(when, predicates=predicates) if when else None
        params = {k: compile_expression(v, predicates=predicates) for k, v in (raw.get("params") or {}).items()}
    except ValueError as error:
        raise DefinitionError(f"{where}: {error}") from None
    fields = list(raw.get("fields") or (sorted(compiled.names - CONTEXT_NAMES) if compiled else []))
    return Rule(
        id=raw["id"],
        severity=severity,
        message=raw.get("message") or "",
        fields=fields,
        attach_to=list(raw.get("attach_to") or fields),
        reference=raw.get("reference", ""),
        years=raw["years"],
        when=compiled,
        function=raw.get("function", ""),
        bulk_upload_only=bool(raw.get("bulk_upload_only", False)),
        waiting_for=raw.get("waiting_for", ""),
        built_in=raw.get("built_in", ""),
        pipeline=raw.get("pipeline", ""),
        confirm_question=raw.get("confirm_question", ""),
        description=raw.get("description", ""),
        params=params,
        family=raw.get("family", raw["id"]),
        index=raw.get("index"),
    )


def build_derivations(raw_list, version, source, predicates=None):
    """Derived variables for one version; every entry is built, as for rules."""
    problems = entry_problems(raw_list, "derived", source)
    if problems:
        raise DefinitionError(problems=problems)
    derivations = []
    for raw in raw_list:
        where = f"{source}: derived {raw.get('id')}"
        if not (raw.get("expression") or raw.get("function")):
            problems.append(f"{where}: needs `expression` or `function`")
            continue
        try:
            expression = compile_expression(raw["expression"], predicates=predicates) if raw.get("expression") else None
        except ValueError as error:
            problems.append(f"{where}: {error}")
            continue
        if years_cover(raw["years"], version):
            derivations.append(
                Derivation(
                    id=raw["id"], label=raw.get("label", ""), expression=expression, function=raw.get("function", ""),
                    reference=raw.get("reference", ""), years=raw["years"], description=raw.get("description", ""),
                    options=[tuple(pair) for pair in raw.get("options") or []], prefix=raw.get("prefix", ""),
                )
            )
    if problems:
        raise DefinitionError(problems=problems)
    return derivations


@dataclass
class RulePack:
    rules: list
    derivations: list

    @property
    def active(self):
        return [r for r in self.rules if r.runs]

    def pipeline_rule(self, check, variable=None):
        """The pack's rule for a bulk-upload pipeline check (on a variable), or None."""
        return next((r for r in self.rules if r.pipeline == check and (variable is None or variable in r.fields)), None)

    def derive(self, answers, context):
        """Derived values, in declaration order (a derivation may use earlier ones).
        Only values that could be inferred are returned: blank means not derived.
        Runs the pack's generated function (ADR 20); derive_interpreted is the reference."""
        known = dict(answers)
        return self._derive_compiled(known, scope(known, context), context)

    @cached_property
    def _derive_compiled(self):
        return compiled.derive_function(self.derivations)

    def derive_interpreted(self, answers, context):
        """derive() by the expression interpreter: the reference the generated code is
        held to (tests/rules/test_compiled_equals_interpreter.py)."""
        values = {}
        known = dict(answers)
        env = scope(known, context)
        for derivation in self.derivations:
            if derivation.function:
                value = derivation.compute(known, context)
            else:  # the common case, without the method call
                value = derivation.expression.evaluate_in(env)
            if value is None:  # nothing to infer: an answer of the same name stands
                continue
            values[derivation.id] = value
            known[derivation.id] = env[derivation.id] = value
        return values

    @cached_property
    def _running(self):
        """The rules that run, by channel: worked out once, not per record."""
        return {channel: [r for r in self.rules if r.runs and r.applies_to(channel)] for channel in CHANNELS}

    @cached_property
    def _check_compiled(self):
        """The generated check of each channel's running rules, made when first used."""
        return {}

    def check(self, answers, context, channel="form", definition=None):
        """The findings of the rules running on the channel, in the pack's order. Runs the
        pack's generated function (ADR 20); check_interpreted is the reference."""
        running = self._running[channel]
        function = self._check_compiled.get(channel)
        if function is None:
            function = self._check_compiled[channel] = compiled.check_function(running)
        env = scope(answers, context)  # without the memo, as check_interpreted's
        context = {**context, "memo": {}}  # for functions' per-record values (functions.per_record)
        findings = []
        for position, result in function(answers, env, context):
            rule = running[position]
            params = result if isinstance(result, dict) else {}
            for name, expression in rule.params.items():
                params.setdefault(name, expression.evaluate(answers, context))
            findings.append(
                Finding(rule.id, rule.severity, rule.fields, rule.attach_to, rule.render(answers, params, definition),
                        rule.reference, rule.confirm_question)
            )
        return findings

    def check_interpreted(self, answers, context, channel="form", definition=None):
        """check() by the expression interpreter: the reference for the generated code."""
        findings = []
        env = scope(answers, context)
        context = {**context, "memo": {}}  # for functions' per-record values (functions.per_record)
        for rule in self._running[channel]:
            if rule.function or rule.params:
                params = rule.check(answers, context, env)
                if params is None:
                    continue
            elif rule.when.evaluate_in(env):  # the common case, without a call to rule.check
                params = {}
            else:
                continue
            findings.append(
                Finding(rule.id, rule.severity, rule.fields, rule.attach_to, rule.render(answers, params, definition),
                        rule.reference, rule.confirm_question)
            )
        return findings
