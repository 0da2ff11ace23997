"""Whom a record names: its owning and managing organisations and its assigned person
(the record's own columns, and the definition's `record_fields` answers). One resolver
for every channel: the web form, bulk upload and the API name them alike.

    named = References(definition, acted_for).resolve({"owning_organisation": "ORG7", "assigned_to": "a@b.uk"},
                                                      defaults={"managing_organisation": upload.organisation})
    named.issues  # [{field, rule, severity, message}]; named.answers: the ids to store

- An organisation is named by `ORG<id>`, its id, its ONS code or its regulator number
  (Organisation.objects.by_reference), and must be one the submitter acts for:
  `acted_for`, from cldc.platform.organisations.policy for a person or cldc.api.acting
  for an API client.
- A managing organisation other than the owner must be its parent or child today,
  when the pack has an `organisations_related` rule (CORE: bu_managing_org_related).
- An assigned person (an email address or an id) must be active, with a current
  membership (not ended) of the owning or the managing organisation (CORE:
  bu_assigned_user_related).
- A reference that names nothing and one the submitter may not use get one rule and
  one message, so that nobody can find out which organisations and people exist: the
  pack's `reference_permitted` rule attached to the field, else its `reference_found`
  one, else the platform's own.
- A default (the uploader's organisation for a blank cell, the stored owner of a
  record being changed) is the channel's, not named by the submitter: it is not
  checked again (nor are two defaults for their relationship), but what is named is
  checked against it.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from cldc.platform import registry
from cldc.platform.organisations.models import BY_ID, Membership, Organisation, OrganisationRelationship
from cldc.platform.people.models import User

ORGANISATION_COLUMNS = ("owning_organisation", "managing_organisation")
PERSON_COLUMNS = ("assigned_to",)
COLUMNS = ORGANISATION_COLUMNS + PERSON_COLUMNS
# What a collection without its own rule says (the rule id is the column's, then this),
# in the definition's own words for a record.
CANNOT_USE = {
    "owning_organisation": "You cannot use this organisation: check the reference, and that it is an organisation "
                           "you submit {nouns} for.",
    "managing_organisation": "You cannot use this organisation: check the reference, and that it is an organisation "
                             "you submit {nouns} for.",
    "assigned_to": "You cannot assign this {noun} to this person: check the email address, and that they are in the "
                   "owning or managing organisation.",
}


def assignable_people(organisations, on=None):
    """The people a log of these organisations may be assigned to: active, with a
    current membership of one of them, or of an organisation one of them merged into
    (its people took over its logs: docs/adr/0016). Forms offer these; the resolver
    allows these."""
    on = on or date.today()
    current = Membership.objects.active(on).filter(organisation__in=with_absorbing(organisations, on))
    return User.objects.filter(is_active=True, pk__in=current.values("user"))


def with_absorbing(organisations, on):
    """The organisations and those they merged into by the day, through any chain."""
    found = {o.pk if hasattr(o, "pk") else o for o in organisations}
    frontier = found
    while frontier:
        frontier = set(Organisation.objects.filter(pk__in=frontier, merge_date__lte=on, absorbing_organisation__isnull=False)
                       .values_list("absorbing_organisation", flat=True)) - found
        found |= frontier
    return found


@dataclass
class Named:
    """What a submission names, resolved: organisations and a person, or None."""

    owning_organisation: Organisation | None = None
    managing_organisation: Organisation | None = None
    assigned_to: User | None = None
    issues: list = field(default_factory=list)  # dicts: field, rule, severity, message
    answers: dict = field(default_factory=dict)  # {record field variable: id as text}, for the gateway

    @property
    def ok(self):
        return not self.issues


class References:
    """Resolves the references of many records for one submitter (a person, or an API
    client): each organisation, person, membership and relationship is looked up once."""

    def __init__(self, definition, acted_for, on=None):
        self.definition = definition
        self.pack = registry.get(definition.collection).rule_pack(definition.record_type, definition.version)
        self.acted_for = acted_for  # {pk: Organisation}
        self.on = on or date.today()
        self._organisations, self._people, self._memberships, self._related = {}, {}, {}, {}

    def resolve(self, named, defaults=None):
        """`named`: {column: reference} as the submitter gave them (blank: the default);
        `defaults`: {column: Organisation or User} the channel supplies for a blank one.
        Returns Named: what was found, the issues for what may not be used (on the
        column's record field variable, else the column) and the answers to store."""
        defaults = defaults or {}
        result = Named()
        for column in ORGANISATION_COLUMNS:
            text = str(named.get(column) or "").strip()
            if not text:
                setattr(result, column, defaults.get(column))
                continue
            organisation = self.organisation(text)
            if organisation is None:
                result.issues.append(self.refusal(column))
            setattr(result, column, organisation)
        owner, manager = result.owning_organisation, result.managing_organisation
        related_rule = self.pack.pipeline_rule("organisations_related")
        either_named = any(str(named.get(column) or "").strip() for column in ORGANISATION_COLUMNS)
        if related_rule and either_named and owner and manager and owner != manager and not self.related(owner, manager):
            variable = self.field("managing_organisation")
            result.issues.append(self.issue(related_rule.attach_to[-1] if related_rule.attach_to else variable,
                                            related_rule))
        text = str(named.get("assigned_to") or "").strip()
        if text:
            person = self.person(text, [o for o in (owner, manager) if o is not None])
            if person is None:
                result.issues.append(self.refusal("assigned_to"))
            result.assigned_to = person
        else:
            result.assigned_to = defaults.get("assigned_to")
        for column, variable in self.definition.record_fields.items():
            if column in COLUMNS and (str(named.get(column) or "").strip() or defaults.get(column) is not None):
                found = getattr(result, column)
                result.answers[variable] = str(found.pk) if found is not None else None
        return result

    # --- Looking up, once each -------------------------------------------------------

    def organisation(self, reference):
        """The organisation a reference names, if the submitter acts for it."""
        if reference not in self._organisations:
            by_id = BY_ID.fullmatch(reference.strip())  # as Organisation.objects.by_reference reads it
            if by_id:  # the submitter's own organisations are at hand: no query
                self._organisations[reference] = self.acted_for.get(int(by_id.group(1)))
                return self._organisations[reference]
            found = Organisation.objects.by_reference(reference)
            self._organisations[reference] = found if found is not None and found.pk in self.acted_for else None
        return self._organisations[reference]

    def person(self, reference, organisations):
        """The active person a reference (email address or id) names, if they are a
        current member of one of `organisations`."""
        if reference not in self._people:
            people = User.objects.filter(is_active=True)
            found = people.filter(pk=int(reference)).first() if reference.isdecimal() else None
            self._people[reference] = found or people.filter(email__iexact=reference).first()
        person = self._people[reference]
        if person is None:
            return None
        key = (person.pk, frozenset(o.pk for o in organisations))
        if key not in self._memberships:
            self._memberships[key] = assignable_people(key[1], self.on).filter(pk=person.pk).exists()
        return person if self._memberships[key] else None

    def related(self, first, second):
        """Whether two organisations are parent and child through a relationship active today."""
        pair = frozenset((first.pk, second.pk))
        if pair not in self._related:
            self._related[pair] = OrganisationRelationship.objects.active(self.on).filter(
                Q(parent=first, child=second) | Q(parent=second, child=first)).exists()
        return self._related[pair]

    # --- What the submitter is told ----------------------------------------------------

    def field(self, column):
        return self.definition.record_fields.get(column) or column

    def refusal(self, column):
        """The issue for a reference the submitter cannot use, whether it names nothing or
        something they may not use: the pack's rule attached to the field (not one that
        only reads it, as CORE's assignee rule reads the organisations), `pipeline:
        reference_permitted`, else `reference_found`; else the platform's own."""
        variable = self.field(column)
        for check in ("reference_permitted", "reference_found"):
            rule = next((r for r in self.pack.rules
                         if r.pipeline == check and (r.attach_to or r.fields)[:1] == [variable]), None)
            if rule is not None:
                return self.issue(variable, rule)
        noun, nouns = self.definition.nouns
        return {"field": variable, "rule": f"{column}_permitted", "severity": "hard",
                "message": CANNOT_USE[column].format(noun=noun, nouns=nouns)}

    def issue(self, variable, rule):
        return {"field": variable, "rule": rule.id, "severity": rule.severity,
                "message": rule.render({}, {}, self.definition)}
