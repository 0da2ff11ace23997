"""The page flow of a log, driven by django-formtools with the record as storage.

Each step is a page of the definition that applies now (routing decides, from the
answers saved so far). Every page saves through the gateway as soon as it is
submitted, so a log can be left and picked up on another day or device: nothing is
kept in the session but the step in the URL.
"""

import copy
from collections import OrderedDict

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from formtools.wizard.storage.base import BaseStorage
from formtools.wizard.views import NamedUrlWizardView

from cldc.platform.audit.access import record_page_viewed
from cldc.platform.definitions.routing import unanswered
from cldc.platform.forms.address_search import address_search_links
from cldc.platform.forms.logs import Log, changeable_log, reveals
from cldc.platform.forms.questions import PageForm, initial_for
from cldc.platform.forms.templatetags.form_text import in_sentence
from cldc.platform.guidance.lookup import help_for_question
from cldc.platform.places.fill import fill_local_authority
from cldc.platform.records.gateway import NOT_ASKED, StaleRecord, WindowClosed, submit
from cldc.platform.registers import choices as registers

CHANGED_MESSAGE = (  # says the service's noun
    "This {noun} has changed since you opened this page: someone else saved it. "
    "Check the answers below, which are the latest, and save the page again."
)


EXPIRED_MESSAGE = "This page has expired. Check the answers below, which are the latest, and save the page again."

AUTOCOMPLETE_FROM = 30  # a select with more options than this is enhanced to an accessible autocomplete
SEARCHABLE_FROM = 19  # a register's entries beyond this are a searchable select, not radios (CORE's locations)


def as_select(question):
    """A register's radios asked as a GOV.UK select (enhanced to an accessible autocomplete
    where JavaScript runs): the same question, the same answers."""
    searchable = copy.copy(question)
    searchable.type = "select"
    return searchable


def blank_message(question):
    """The GOV.UK error for a question left blank: the definition's own words
    (`error_if_blank`), else "Select ..." for a choice and "Enter ..." for the rest."""
    if question.extra.get("error_if_blank"):
        return question.extra["error_if_blank"]
    name = in_sentence(question.label or question.text)
    return f"{'Select' if question.type in ('radio', 'select', 'checkbox') else 'Enter'} {name}"


class RecordStorage(BaseStorage):
    """formtools storage that keeps nothing: the record is the storage."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_data()

    def update_response(self, response):
        pass


class LogWizard(NamedUrlWizardView):
    storage_name = "cldc.platform.forms.wizard.RecordStorage"
    template_name = "forms/page.html"

    def dispatch(self, request, pk, *args, **kwargs):
        self.log = Log(changeable_log(request, pk))  # every page here changes the log
        return super().dispatch(request, *args, **kwargs)

    # --- Steps: the pages that apply now ------------------------------------------
    def get_form_list(self):
        return OrderedDict((page.id, PageForm) for page in self.log.form_pages())

    def get_step_url(self, step):
        return reverse(self.url_name, kwargs={"pk": self.log.record.pk, "step": step})

    def get(self, *args, **kwargs):
        if kwargs.get("step") not in self.get_form_list() and kwargs.get("step") != self.done_step_name:
            return redirect("log-tasks", pk=self.log.record.pk)
        return super().get(*args, **kwargs)

    def get_form_kwargs(self, step=None):
        questions = self.log.questions_on(self.log.page(step or self.steps.current))
        offered = {q.id: self.log.offered(q) for q in questions}
        self._searchable = {q.id for q in questions if registers.chooser(self.log.definition, q) is not None
                            and len(offered[q.id]) > SEARCHABLE_FROM}
        return {"questions": [as_select(q) if q.id in self._searchable else q for q in questions], "offered": offered}

    def get_form_initial(self, step):
        questions = self.log.questions_on(self.log.page(step))
        return {**initial_for(questions, self.log.answers), "lock_version": self.log.record.lock_version}

    def get_form_prefix(self, step=None, form=None):
        return ""  # plain field names: error summary links and labels stay readable

    def get_context_data(self, form, **kwargs):
        page = self.log.page(self.steps.current)
        rows = self._rows(form, page)
        if self.request.method == "GET":  # a page that shows a personal answer given before reads it (ADR 0019)
            record_page_viewed(self.request, self.log.record, f"{page.subsection.label}: question page",
                               [v for question in self.log.questions_on(page) for v in question.variables])
        if rows and not page.header:  # the first question is the page's heading: what the page asks
            rows[0]["heading"] = True
        return super().get_context_data(
            form=form,
            log=self.log,
            page=page,
            rows=rows,
            heading=page.header or (rows[0]["question"].text if rows else page.subsection.label),
            autocomplete=any(self._autocomplete(q) for q in form.questions),
            return_to=self._return_to(),
            asking=",".join(sorted(self._asking())),
            instead=self._instead(form, page),
            address_search=address_search_links(self.log, page),  # find the address by postcode, or that it is off
            caption=page.subsection.label,
            **kwargs,
        )

    def _instead(self, form, page):
        """A question that need not be answered when questions on a later page are (a
        UPRN, when the address is typed) offers that page as a visible choice: a link
        "I do not know the UPRN" to it, as GOV.UK's address lookup offers manual entry."""
        choices = []
        for question in form.questions:
            names = set(getattr(question.optional, "names", ()))
            target = next((p for p in self.log.form_pages() if self._order(p) > self._order(page)
                           and names & {v for q in p.questions for v in q.variables}), None)
            if target:
                query = {"return_to": self._return_to()} if self._return_to() else {}
                url = self.get_step_url(target.id) + (f"?{urlencode(query)}" if query else "")
                choices.append({"text": f"I do not know the {in_sentence(question.label or question.text)}", "url": url})
        return choices

    def _autocomplete(self, question):
        """A select too long to scan (the local authorities, nationalities, a register's
        many entries) is enhanced."""
        return question.type == "select" and (len(question.options) > AUTOCOMPLETE_FROM
                                              or question.id in getattr(self, "_searchable", ()))

    def _rows(self, form, page):
        """The page's questions for the template, follow-ups nested under the radio
        answer that reveals them (GOV.UK conditional reveals; all shown without JavaScript)."""
        follow_ups = reveals(page)
        nested = {child.id for by_code in follow_ups.values() for kids in by_code.values() for child in kids}

        def row(question):
            if question.type == "derived":  # calculated by the service from the answers: shown, never asked
                return {"question": question, "calculated": self.log.calculated(question)}
            field = form[question.id]
            by_code = {str(code): kids for code, kids in follow_ups.get(question.id, {}).items()}
            divided = {str(code) for code in question.divided}
            choices = [
                {"widget": choice, "follow_ups": [row(kid) for kid in by_code.get(str(choice.data["value"]), [])
                                                  if kid in form.questions],
                 "divider": str(choice.data["value"]) in divided}  # the GOV.UK "or" before this answer
                for choice in field
            ] if question.type in ("radio", "checkbox") else []
            return {"question": question, "field": field, "choices": choices, "autocomplete": self._autocomplete(question),
                    "help": help_for_question(question, self.log.definition)}

        return [row(q) for q in form.questions if q.id not in nested]

    # --- Saving a page --------------------------------------------------------------
    def post(self, *args, **kwargs):
        step = self.request.POST.get(f"{self.prefix}-current_step") or kwargs.get("step")
        if step not in self.get_form_list():
            return redirect("log-tasks", pk=self.log.record.pk)
        self.storage.current_step = step
        form = self.get_form(data=self.request.POST)
        if not form.is_valid():
            if "lock_version" in form.errors:  # a page whose hidden version was lost or tampered with
                return self.render(self.get_form(), problem=EXPIRED_MESSAGE)
            return self.render(form)
        applied_before = {q.id for q in self.log.applicable}
        answers, looked_up = fill_local_authority(self.log.definition, self.log.record.answers, form.answers())
        # A child entry chosen before (a location) that the newly chosen parent does not have goes with the change.
        answers.update(registers.left_behind(self.log.definition, self.log.record.answers, answers))
        try:
            outcome = submit(
                self.log.record, answers, source="form", user=self.request.user,
                expected_version=form.cleaned_data["lock_version"],
            )
        except StaleRecord:
            self.log = Log(changeable_log(self.request, self.log.record.pk))
            changed = CHANGED_MESSAGE.format(noun=self.request.tenant.noun)
            return self.render(self.get_form(), problem=changed)  # the latest answers, and why
        except WindowClosed as closed:  # the gateway refuses changes after the collection year's last day for them
            self.log = Log(changeable_log(self.request, self.log.record.pk))
            return self.render(self.get_form(), problem=str(closed))
        on_page = {v for q in form.questions for v in q.variables} | {q.id for q in form.questions}
        for note in outcome.notes:  # an answer under a choice not picked (every reveal shows without JavaScript)
            if note["rule"] == NOT_ASKED and note["field"] in on_page:
                messages.warning(self.request, note["message"])  # a banner on the page shown next
        if outcome.changes:  # saved: this version is the person's own (with no change, nothing was checked)
            form.saved_at(outcome.record.lock_version)
        # An error is this page's when it names an answer on it, even if the rule attaches it
        # first to a question of another page (a postcode that is not the scheme location's):
        # shown on the first of its fields here, or the person would see only that the answer went.
        page_errors = [(e, place) for e in outcome.errors
                       if (place := next((f for f in [e["field"], *e.get("attach_to", ())] if f in on_page), None))]
        if page_errors:
            for error, place in page_errors:
                question = self.log.definition.variables.get(place)
                on_field = question is not None and question.id in form.fields  # not a calculated total
                if error["message"] not in form.errors.get(question.id if on_field else NON_FIELD_ERRORS, []):
                    form.add_error(question.id if on_field else None, error["message"])
            return self.render(form)
        self.log = Log(outcome.record)
        sole = self.log.sole_choices()
        if sole:  # a scheme with one location: chosen for them and its page skipped, as CORE does
            self.log = Log(submit(self.log.record, sole, source="form", user=self.request.user,
                                  expected_version=self.log.record.lock_version).record)
        if looked_up:  # the local authority filled from the postcode, or why not: on the page shown next
            messages.info(self.request, looked_up)
        if self.request.POST.get("then") != "tasks":
            missing = self._unanswered_on(self.log.page(step))
            if missing:  # saved, but a question on the page that applies is not answered yet
                form = self.get_form(data=form.data)
                form.is_valid()
                told = {note["field"]: note["message"] for note in outcome.notes}  # the pack's words for a missing half
                for question in missing:
                    form.add_error(question.id, told.get(question.id) or blank_message(question))
                return self.render(form)
        warnings = [w for w in outcome.warnings if set(w["attach_to"]) & on_page or set(w["fields"]) & on_page]
        following = reverse("log-tasks", kwargs={"pk": self.log.record.pk}) if self.request.POST.get("then") == "tasks" else self._following(step, applied_before)
        if warnings:
            target = reverse("log-soft-check", kwargs={"pk": self.log.record.pk, "rule": warnings[0]["rule"]})
            return redirect(f"{target}?next={following}")
        return redirect(following)

    def _unanswered_on(self, page):
        """Questions of the page that apply now and have no answer (the web form asks
        for every question on a page, as CORE does; presence never blocks the save)."""
        kept = self.log.routed[0]
        later = {v for p in self.log.definition.pages[self._order(page) + 1:] for q in p.questions for v in q.variables}

        def decided_later(question):  # optional depending on a later page (a UPRN, or an address typed next)
            names = getattr(question.optional, "names", ())
            return any(name in later and kept.get(name) is None for name in names)

        return [q for q in unanswered(self.log.asked_on(page), kept, self.log.context) if not decided_later(q)]

    def _following(self, step, applied_before=()):
        """Where to go after saving a page: back where the person came from (a check
        your answers page), else the next page of the task that applies now, else the
        task's check your answers. A change from check your answers that makes new
        questions apply (a larger household: the new person's) asks those pages first,
        one after another (`asking` carries them), then goes back."""
        page = self.log.page(step)
        pages = self.log.form_pages(page.subsection)
        ids = [p.id for p in pages]
        later = [p for p in self.log.definition.pages if p.id in ids and self._order(p) > self._order(page)
                 and not self.log.chosen_for_them(p)]
        return_to = self._return_to()
        if return_to:
            newly = [q for q in self.log.applicable if q.id not in applied_before]
            asking = self._asking() | {q.page.id for q in unanswered(newly, self.log.routed[0], self.log.context)}
            gap = next((p for p in later if p.id in asking and self._unanswered_on(p)), None)
            if gap:
                query = {"return_to": return_to, "asking": ",".join(sorted(asking))}
                return f"{self.get_step_url(gap.id)}?{urlencode(query)}"
            return return_to
        if later:
            return self.get_step_url(later[0].id)
        return reverse("log-check-answers", kwargs={"pk": self.log.record.pk, "subsection": page.subsection.id})

    def _order(self, page):
        return self.log.definition.pages.index(page)

    def _asking(self):
        """The pages a change made apply, still to ask on the way back to check your answers."""
        text = self.request.POST.get("asking") or self.request.GET.get("asking") or ""
        return {name for name in text.split(",") if self.log.page(name) is not None}

    def _return_to(self):
        target = self.request.POST.get("return_to") or self.request.GET.get("return_to")
        if target and url_has_allowed_host_and_scheme(target, {self.request.get_host()}):
            return target
        return ""

    def render_done(self, form, **kwargs):
        messages.success(self.request, "Answers saved")
        return redirect("log-tasks", pk=self.log.record.pk)
