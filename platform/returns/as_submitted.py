"""A record as it was submitted in a return: its answers and derived values frozen in a
snapshot (SnapshotRecord), read-only, by their labels. The record's page lists the
submissions that hold it (the `submitted_in_returns` tag); each links to the page here.
Seen only by someone who sees both the record (Record.visible_to) and the return's
organisation (access.organisations_with_returns): anything else is a 404."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from cldc.platform import registry
from cldc.platform.forms.views import derived_value
from cldc.platform.records.models import Record
from cldc.platform.returns import access
from cldc.platform.returns.models import SnapshotRecord
from cldc.platform.returns.views import field_label, the_return


def submissions_of(record, user):
    """The SnapshotRecords that froze this record, in the returns `user` sees: oldest
    quarter first, each version of a quarter's return in order. None if the person
    does not see the record."""
    if not Record.objects.visible_to(user).filter(pk=record.pk).exists():
        return SnapshotRecord.objects.none()
    return (SnapshotRecord.objects
            .filter(record_number=record.pk, snapshot__return_made__collection=record.collection,
                    snapshot__return_made__record_type=record.record_type,
                    snapshot__return_made__organisation__in=access.organisations_with_returns(user))
            .select_related("snapshot__return_made", "snapshot__submitted_by")
            .order_by("snapshot__return_made__year", "snapshot__return_made__number", "snapshot__version"))


def rows_of(declared, frozen):
    """The frozen answers, then the derived values, as {label, value} in the order of
    the definition (of the version the record was in) and of its derivations."""
    package = registry.get(declared.collection)
    definition = package.definition(declared.record_type, frozen.version)
    derivations = {d.id: d for d in package.rule_pack(declared.record_type, frozen.version).derivations}

    def row(name, value):
        return {"name": name, "label": field_label(declared, frozen.version, name),
                "value": derived_value(definition, derivations.get(name), name, value)}

    ordered = [name for name in definition.variables if name in frozen.answers]
    ordered += [name for name in frozen.answers if name not in definition.variables]  # a variable since retired
    answers = [row(name, frozen.answers[name]) for name in ordered if frozen.answers[name] not in (None, "")]
    derived = [row(name, value) for name, value in frozen.derived.items() if value not in (None, "")]
    return answers, derived


@login_required
def record_as_submitted(request, pk, collection, record_type, period, version, record):
    """One record as frozen in version `version` of a return."""
    declared, organisation, found, made = the_return(request, pk, collection, record_type, period)
    get_object_or_404(Record.objects.visible_to(request.user), pk=record)
    frozen = get_object_or_404(SnapshotRecord.objects.select_related("snapshot__submitted_by"),
                               snapshot__return_made=made, snapshot__version=version, record_number=record)
    answers, derived = rows_of(declared, frozen)
    noun = request.tenant.noun
    return render(request, "returns/as_submitted.html", {
        "declared": declared, "organisation": organisation, "period": found, "frozen": frozen,
        "snapshot": frozen.snapshot, "answers": answers, "derived": derived,
        "page_title": f"{noun.capitalize()} {record} as submitted for {found.long_label}",
    })
