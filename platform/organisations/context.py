"""What rules may know of a record's organisations besides their type: the gateway's
context_for adds these (contract.CONTEXT), so that a package's rules stay pure.

    organisation_context(record, definition, answers)
    -> {"owning_organisation": {"name": ..., "merge_date": ..., ...} or None, "managing_organisation": ...}

The organisation is the one the answers name (the definition's record_fields, as the
gateway is about to store them), else the record's own column: a change of owner is
judged against the new owner.
"""

from contextlib import contextmanager

from cldc.platform.organisations.models import DataSharingAgreement, Organisation, OptionsInUse

SIDES = ("owning_organisation", "managing_organisation")
# Facts by (id, updated_at, collection): a file of 100,000 rows names a few organisations.
# Whatever changes them touches the organisation's updated_at (a merge, an agreement, the
# options it uses), so a fact is never read stale.
_facts = {}
CACHE_SIZE = 1000


def organisation_facts(organisation, collection):
    """One organisation as rules read it: plain values only (dates, text, booleans)."""
    if organisation is None:
        return None
    key = (organisation.pk, organisation.updated_at, collection)
    if key not in _facts:
        if len(_facts) >= CACHE_SIZE:
            _facts.clear()
        _facts[key] = _read_facts(organisation, collection)
    return _facts[key]


def _read_facts(organisation, collection):
    absorbing = organisation.absorbing_organisation
    return {
        "id": str(organisation.pk),
        "name": organisation.name,
        "type": organisation.type,
        "active_from": organisation.active_from,
        "holds_stock": organisation.holds_stock,
        "merge_date": organisation.merge_date,
        "absorbing_organisation": absorbing.name if absorbing else None,
        "absorbing_organisation_active_from": absorbing.active_from if absorbing else None,
        "absorbed_others": Organisation.objects.filter(absorbing_organisation=organisation).exists(),
        "data_sharing_accepted": DataSharingAgreement.objects.filter(organisation=organisation).exists(),
        "options_in_use": {row.question: list(row.codes)
                           for row in OptionsInUse.objects.filter(organisation=organisation, collection=collection)},
    }


def organisation_context(record, definition, answers):
    """The facts of the record's owning and managing organisations (None when not known).
    No query for an organisation the record has loaded, or one pinned (below), once its
    facts are read."""
    found = {}
    for side in SIDES:
        variable = definition.record_fields.get(side)
        named = str((answers or {}).get(variable) or "").strip() if variable else ""
        pinned = _pinned.get(definition.collection, {})
        if named.isdecimal() and int(named) in pinned:
            found[side] = pinned[int(named)]
            continue
        if named.isdecimal() and int(named) != getattr(record, f"{side}_id", None):
            organisation = Organisation.objects.select_related("absorbing_organisation").filter(pk=int(named)).first()
        else:
            organisation = getattr(record, side, None)
        found[side] = pinned.get(organisation.pk) if organisation is not None and organisation.pk in pinned else \
            organisation_facts(organisation, definition.collection)
    return found


_pinned = {}  # {collection: {organisation id: facts}} while pinned()


@contextmanager
def pinned(organisations, collection):
    """Hold these organisations' facts in memory while the block runs: bulk upload's
    judging processes read these, and never the database (uploads/judging.py)."""
    _pinned[collection] = {organisation.pk: organisation_facts(organisation, collection)
                           for organisation in organisations}
    try:
        yield
    finally:
        _pinned.pop(collection, None)
