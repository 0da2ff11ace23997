"""What a package's returns are, declared per record type in returns/<record_type>.yaml
(docs/returns.md):

    period: quarter                     # the only kind so far: April to June is quarter 1
    reference: [visitref]               # the answers shown as a record's reference in lists
    made_by: [local_authority]          # who makes returns: organisations of these types (default: any)
    sign_off: [data_coordinator, certifier]  # who signs a return off: its data coordinator, its certifiers
    include_when:                       # a record belongs if any holds
      - id: visited
        label: Visited in the quarter
        expression: "visitdate >= quarter_start and visitdate <= quarter_end"
    exclude_when:                       # ...unless one of these holds
      - {id: ..., label: ..., expression: ...}

Expressions are the definitions' language (cldc.platform.definitions.expressions),
over a record's answers and derived values as the record stands when the return is
read or submitted, with the rules' context and the period's first and last days
(`quarter_start`, `quarter_end`): a trigger judges the record's own event dates
against the quarter (ADR 12). A mistake is a DefinitionError naming the file and the place."""

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from functools import cache

from cldc.platform import contract, registry
from cldc.platform.definitions.expressions import ExpressionError, compile_expression
from cldc.platform.definitions.model import DefinitionError, load_yaml
from cldc.platform.forms.choices import year_label
from cldc.platform.organisations.models import OrganisationType

KEYS = {"period", "reference", "made_by", "sign_off", "sign_off_guidance", "include_when", "exclude_when"}
GUIDANCE_SLUG = re.compile(r"[a-z0-9-]+")
TRIGGER_KEYS = {"id", "label", "expression"}
# Who may sign an organisation's return off: its own members in these roles (access.may_sign_off).
SIGN_OFF_ROLES = {"data_coordinator": "the organisation's data coordinator",
                  "certifier": "a certifier of the organisation (who sees its records and changes none)"}
TYPE_PLURALS = {OrganisationType.LOCAL_AUTHORITY: "local authorities",
                OrganisationType.PRIVATE_REGISTERED_PROVIDER: "private registered providers",
                OrganisationType.OTHER: "other organisations"}
# A quarter of a collection year (which starts in April), as the department's
# financial-year quarters: (number, first month, months after the year's start).
QUARTER_MONTHS = {1: 4, 2: 7, 3: 10, 4: 1}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


@dataclass(frozen=True, order=True)
class Period:
    """One quarter of a collection year: year 2026, quarter 1 is April to June 2026."""

    year: int
    number: int

    @property
    def start(self):
        month = QUARTER_MONTHS[self.number]
        return dt.date(self.year + (month < 4), month, 1)

    @property
    def end(self):
        return self.following().start - dt.timedelta(days=1)

    @property
    def key(self):
        """As in a URL: 2026-q1."""
        return f"{self.year}-q{self.number}"

    @property
    def label(self):
        """April to June 2026."""
        return f"{MONTHS[self.start.month - 1]} to {MONTHS[self.end.month - 1]} {self.end.year}"

    @property
    def long_label(self):
        """Quarter 1 of 2026 to 2027 (April to June 2026)."""
        return f"Quarter {self.number} of {year_label(self.year)} ({self.label})"

    def following(self):
        return Period(self.year + 1, 1) if self.number == 4 else Period(self.year, self.number + 1)

    def previous(self):
        return Period(self.year - 1, 4) if self.number == 1 else Period(self.year, self.number - 1)

    def context(self):
        """The names its expressions are given besides the rules' context."""
        return {"quarter_start": self.start, "quarter_end": self.end}

    @classmethod
    def containing(cls, day):
        year = day.year if day.month >= 4 else day.year - 1
        return cls(year, (day.month - 4) % 12 // 3 + 1)

    @classmethod
    def from_key(cls, key):
        """The period of a URL's key, or None for one that is not a period."""
        year, _, number = key.partition("-q")
        if not (year.isdecimal() and number in {"1", "2", "3", "4"}):
            return None
        return cls(int(year), int(number))


PERIOD_NAMES = frozenset(Period(2026, 1).context())


@dataclass(frozen=True)
class Trigger:
    id: str
    label: str
    expression: object  # a compiled Expression


@dataclass(frozen=True)
class Returns:
    collection: str
    record_type: str
    title: str  # the record type's name: "Home visit"
    reference: tuple
    sign_off: frozenset  # roles of SIGN_OFF_ROLES
    include_when: tuple
    exclude_when: tuple
    first_period: Period  # the quarter its oldest version starts in
    made_by: frozenset  # the organisation types that make returns (OrganisationType values)
    fingerprint: str  # of the file: membership worked out by another file is worked out again
    sign_off_guidance: str = ""  # the slug of the service's guidance page for those who sign off

    def made_by_label(self):
        """Who makes these returns, as people read it: "local authorities"."""
        if self.made_by == frozenset(OrganisationType.values):
            return "every kind of organisation"
        return " and ".join(TYPE_PLURALS[kind] for kind in OrganisationType.values if kind in self.made_by)

    def is_made_by(self, organisation):
        return organisation.type in self.made_by

    def periods(self, today):
        """Every period from the first to the one containing today, newest first."""
        found, period = [], Period.containing(today)
        while period >= self.first_period:
            found.append(period)
            period = period.previous()
        return found


@cache
def returns_of(collection_name, record_type):
    """The returns one record type declares, or None without a file."""
    collection = registry.get(collection_name)
    path = collection.file("returns", record_type=record_type)
    if not path.exists():
        return None
    definitions = [collection.definition(record_type, version) for version in collection.versions(record_type)]
    derived = {d.id for version in collection.versions(record_type)
               for d in collection.rule_pack(record_type, version).derivations}
    return read_returns(path, definitions, derived)


def service_returns(service):
    """[Returns] of everything the service collects that declares returns."""
    found = [returns_of(name, record_type) for name in service.collections
             for record_type in registry.get(name).record_types]
    return [declared for declared in found if declared is not None]


def read_returns(path, definitions, derived):
    """The returns one file declares, checked against the record type's definitions
    (every version) and derived value ids."""
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise DefinitionError(f"{path}: expected keys {', '.join(sorted(KEYS))}")
    unknown = set(raw) - KEYS
    if unknown:
        raise DefinitionError(f"{path}: unknown keys {', '.join(sorted(unknown))}; "
                              f"returns have {', '.join(sorted(KEYS))}")
    if raw.get("period") != "quarter":
        raise DefinitionError(f"{path}: period: {raw.get('period')!r} is not a kind of period; the kind is quarter")
    sign_off = raw.get("sign_off", "data_coordinator")
    sign_off = sign_off if isinstance(sign_off, list) else [sign_off]
    unknown = [role for role in sign_off if role not in SIGN_OFF_ROLES]
    if unknown or not sign_off:
        raise DefinitionError(f"{path}: sign_off: {', '.join(map(repr, unknown)) or 'nothing'} is not a role; "
                              f"give one or more of {', '.join(SIGN_OFF_ROLES)}")
    variables = {name for definition in definitions for name in definition.variables}
    reference = raw.get("reference") or list(definitions[-1].reference_key)
    if not isinstance(reference, list):
        raise DefinitionError(f"{path}: reference: give a list of the record's answers")
    if set(reference) - variables:
        raise DefinitionError(f"{path}: reference: not answers: {', '.join(sorted(set(reference) - variables))}")
    known = variables | derived | set(contract.CONTEXT) | PERIOD_NAMES
    include = _triggers(path, "include_when", raw.get("include_when"), definitions, known)
    if not include:
        raise DefinitionError(f"{path}: include_when: give at least one trigger, or no record belongs")
    exclude = _triggers(path, "exclude_when", raw.get("exclude_when") or [], definitions, known)
    made_by = raw.get("made_by", list(OrganisationType.values))
    if not isinstance(made_by, list) or not made_by or set(made_by) - set(OrganisationType.values):
        raise DefinitionError(f"{path}: made_by: give a list of organisation types, from "
                              f"{', '.join(OrganisationType.values)}")
    guidance = raw.get("sign_off_guidance") or ""
    if not isinstance(guidance, str) or (guidance and not GUIDANCE_SLUG.fullmatch(guidance)):
        raise DefinitionError(f"{path}: sign_off_guidance: give the slug of a guidance page (a-z, 0-9 and -), "
                              f"as on line 2 of its file in guidance/")
    first = min(definition.valid_from for definition in definitions)
    latest = definitions[-1]
    return Returns(latest.collection, latest.record_type, latest.title, tuple(reference), frozenset(sign_off), include,
                   exclude,
                   Period.containing(first), frozenset(made_by), hashlib.sha256(path.read_bytes()).hexdigest(),
                   guidance)


def _triggers(path, key, entries, definitions, known):
    if not isinstance(entries, list):
        raise DefinitionError(f"{path}: {key}: give a list of triggers, each with an id, label and expression")
    triggers = []
    for place, entry in enumerate(entries, 1):
        where = f"{path}: {key}: trigger {place}"
        if not isinstance(entry, dict) or set(entry) != TRIGGER_KEYS:
            raise DefinitionError(f"{where}: give exactly {', '.join(sorted(TRIGGER_KEYS))}")
        try:
            expression = compile_expression(entry["expression"], predicates=definitions[-1].predicates)
        except ExpressionError as error:
            raise DefinitionError(f"{where} ({entry['id']}): {error}") from None
        unknown = set(expression.names) - known
        if unknown:
            raise DefinitionError(f"{where} ({entry['id']}): no answer, derived value or context called "
                                  f"{', '.join(sorted(unknown))}")
        triggers.append(Trigger(str(entry["id"]), str(entry["label"]), expression))
    ids = [trigger.id for trigger in triggers]
    if len(set(ids)) != len(ids):
        raise DefinitionError(f"{path}: {key}: trigger ids used twice")
    return tuple(triggers)
