"""What an organisation has saved for its files (SavedMapping): how its columns are
matched, what its values mean (or that one is left as it is) and the answers it gives
for every row to questions its files have no column for. Listed per record type as
GOV.UK summary lists, each with a Change link to a one-question page, where it can also
be removed: plain links and forms, no JavaScript. Anyone who may upload for the
organisation may change them, as they are saved from the pages of an upload."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cldc.platform import registry
from cldc.platform.organisations import policy
from cldc.platform.uploads import automap
from cldc.platform.uploads.fixes import (LEAVE_AS_IT_IS, NOT_NEEDED, answer_field, checked_answer, day_first,
                                        target_choices)
from cldc.platform.uploads.models import SavedMapping
from cldc.platform.uploads.report import question_label
from cldc.platform.uploads.provider_rows import parse_target
from cldc.themes.forms import GDSFormMixin

LEFT_AS_IT_IS = "Leave it: reported as an error"


def newest_definition(collection, record_type):
    """The definition the saved matches are shown against: the record type's newest version."""
    found = registry.get(collection)
    return found.definition(record_type, max(found.versions(record_type)))


def _question(definition, variable):
    return definition.variables.get(variable) or definition.questions.get(variable)


def meaning(mapping, definition):
    """What a saved match says, in words."""
    if mapping.kind == SavedMapping.Kind.COLUMN:
        if not mapping.target:
            return "Not needed"
        try:
            target = parse_target(mapping.target)
        except ValueError:
            return mapping.target
        labels = {key: label for _, group in target_choices(definition) for key, label in group}
        return labels.get(mapping.target) or automap.describe(definition, target)
    if not mapping.target:
        return LEFT_AS_IT_IS
    question = _question(definition, mapping.variable)
    if question is not None and question.options:
        return question.label_for(question.code_for_text.get(mapping.target)) or mapping.target
    return day_first(mapping.target) if question is not None and question.type == "date" else mapping.target


def _acted_for(request):
    return policy.organisations_acted_for(request.user)


@login_required
def saved_matches_index(request):
    found = (SavedMapping.objects.filter(organisation__in=_acted_for(request), collection__in=request.tenant.collections)
             .values("organisation", "organisation__name", "collection", "record_type").annotate(saved=Count("id"))
             .order_by("organisation__name", "collection", "record_type"))
    return render(request, "uploads/matches_index.html", {"page_title": "Saved matches for your files", "found": found})


@login_required
def saved_matches(request, organisation, collection, record_type):
    organisation = get_object_or_404(_acted_for(request), pk=organisation)
    if collection not in request.tenant.collections or record_type not in registry.get(collection).record_types:
        raise Http404("No such record type")
    definition = newest_definition(collection, record_type)
    saved = SavedMapping.objects.filter(organisation=organisation, collection=collection, record_type=record_type)
    columns, values, answers = [], {}, []
    for mapping in saved.order_by("source"):
        row = {"mapping": mapping, "shown": mapping.written or mapping.source, "meaning": meaning(mapping, definition)}
        if mapping.kind == SavedMapping.Kind.COLUMN:
            columns.append(row)
        elif mapping.kind == SavedMapping.Kind.VALUE:
            values.setdefault(question_label(definition, mapping.variable), []).append(row)
        else:
            answers.append({**row, "shown": question_label(definition, mapping.variable)})
    return render(request, "uploads/matches.html", {
        "page_title": f"Saved matches for {record_type.replace('_', ' ')} files", "organisation": organisation,
        "columns": columns, "values": sorted(values.items()), "answers": answers,
    })


class MatchForm(GDSFormMixin, forms.Form):
    submit_label = "Save"

    def __init__(self, *args, mapping, definition, **kwargs):
        super().__init__(*args, **kwargs)
        self.mapping, self.definition = mapping, definition
        question = _question(definition, mapping.variable)
        shown = mapping.written or mapping.source
        if mapping.kind == SavedMapping.Kind.COLUMN:
            choices = [NOT_NEEDED, *target_choices(definition)]
            known = {key for _, group in choices[1:] for key, _ in group} | {""}
            if mapping.target not in known:  # a question of another year
                choices.insert(1, (mapping.target, f"{mapping.target}, as saved"))
            field = forms.ChoiceField(label=f"The column “{shown}” answers", choices=choices, required=False)
        elif question is None:
            raise Http404("This question is no longer asked")
        elif mapping.kind == SavedMapping.Kind.VALUE:
            field = forms.ChoiceField(
                label=f"“{shown}” as an answer to “{question.label or question.text}” means", required=False,
                choices=[LEAVE_AS_IT_IS, *[(str(code), label) for code, label in question.options]])
        else:
            field = answer_field(question)
            field.label = f"The answer for every row to “{question.label or question.text}”"
        field.initial = mapping.target
        self.fields["target"] = field
        self.lay_out()

    def clean_target(self):
        target = self.cleaned_data["target"]
        if self.mapping.kind == SavedMapping.Kind.ANSWER:
            return checked_answer(self.definition, _question(self.definition, self.mapping.variable), target)
        return target


def _mine(request, pk):
    return get_object_or_404(SavedMapping.objects.filter(organisation__in=_acted_for(request),
                                                         collection__in=request.tenant.collections), pk=pk)


def _list_of(mapping):
    return redirect("upload-matches", organisation=mapping.organisation_id, collection=mapping.collection,
                    record_type=mapping.record_type)


@login_required
def change_match(request, pk):
    mapping = _mine(request, pk)
    form = MatchForm(request.POST or None, mapping=mapping,
                     definition=newest_definition(mapping.collection, mapping.record_type))
    if request.method == "POST" and form.is_valid():
        mapping.target, mapping.saved_by = form.cleaned_data["target"], request.user
        mapping.save(update_fields=["target", "saved_by", "saved_at"])
        return _list_of(mapping)
    return render(request, "uploads/change_match.html", {
        "form": form, "mapping": mapping, "caption": mapping.organisation.name,
        "page_title": {"column": "Change a column match", "value": "Change what an answer means"}.get(
            mapping.kind, "Change the answer for every row"),
    })


@require_POST
@login_required
def remove_match(request, pk):
    mapping = _mine(request, pk)
    mapping.delete()
    return _list_of(mapping)
