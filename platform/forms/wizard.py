"""The page flow of a log, driven by django-formtools with the record as storage.

Each step is a page of the definition that applies now (routing decides, from the
answers saved so far). Every page saves through the gateway as soon as it is
submitted, so a log can be left and picked up on another day or device: nothing is
kept in the session but the step in the URL.
"""

from collections import OrderedDict

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from formtools.wizard.storage.base import BaseStorage
from formtools.wizard.views import NamedUrlWizardView

from cldc.platform.definitions.routing import unanswered
from cldc.platform.forms.logs import Log, changeable_log, reveals
from cldc.platform.forms.questions import PageForm, initial_for
from cldc.platform.guidance.lookup import help_for_question
from cldc.platform.records.gateway import StaleRecord, submit
from cldc.platform.windows.service import editing_closed_message, may_edit

CHANGED_MESSAGE = (
    "This log has changed since you opened this page: someone else saved it. "
    "Check the answers below, which are the latest, and save the page again."
)


EXPIRED_MESSAGE = "This page has expired. Check the answers below, which are the latest, and save the page again."


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
        return {"questions": self.log.questions_on(self.log.page(step or self.steps.current))}

    def get_form_initial(self, step):
        questions = self.log.questions_on(self.log.page(step))
        return {**initial_for(questions, self.log.answers), "lock_version": self.log.record.lock_version}

    def get_form_prefix(self, step=None, form=None):
        return ""  # plain field names: error summary links and labels stay readable

    def get_context_data(self, form, **kwargs):
        page = self.log.page(self.steps.current)
        return super().get_context_data(
            form=form,
            log=self.log,
            page=page,
            rows=self._rows(form, page),
            single=len(form.questions) == 1 and not page.header,  # the question is the page's heading
            return_to=self._return_to(),
            caption=page.subsection.label,
            **kwargs,
        )

    def _rows(self, form, page):
        """The page's questions for the template, follow-ups nested under the radio
        answer that reveals them (GOV.UK conditional reveals; all shown without JavaScript)."""
        follow_ups = reveals(page)
        nested = {child.id for by_code in follow_ups.values() for kids in by_code.values() for child in kids}

        def row(question):
            field = form[question.id]
            by_code = {str(code): kids for code, kids in follow_ups.get(question.id, {}).items()}
            choices = [
                {"widget": choice, "follow_ups": [row(kid) for kid in by_code.get(str(choice.data["value"]), [])
                                                  if kid in form.questions]}
                for choice in field
            ] if question.type in ("radio", "checkbox") else []
            return {"question": question, "field": field, "choices": choices,
                    "help": help_for_question(question, self.log.definition)}

        return [row(q) for q in form.questions if q.id not in nested]

    # --- Saving a page --------------------------------------------------------------
    def post(self, *args, **kwargs):
        step = self.request.POST.get(f"{self.prefix}-current_step") or kwargs.get("step")
        if step not in self.get_form_list():
            return redirect("log-tasks", pk=self.log.record.pk)
        self.storage.current_step = step
        form = self.get_form(data=self.request.POST)
        if not may_edit(self.log.record):  # the collection year's editing window has closed
            return self.render(self.get_form(), problem=editing_closed_message(self.log.record))
        if not form.is_valid():
            if "lock_version" in form.errors:  # a page whose hidden version was lost or tampered with
                return self.render(self.get_form(), problem=EXPIRED_MESSAGE)
            return self.render(form)
        try:
            outcome = submit(
                self.log.record, form.answers(), source="form", user=self.request.user,
                expected_version=form.cleaned_data["lock_version"],
            )
        except StaleRecord:
            self.log = Log(changeable_log(self.request, self.log.record.pk))
            return self.render(self.get_form(), problem=CHANGED_MESSAGE)  # the latest answers, and why
        on_page = {v for q in form.questions for v in q.variables} | {q.id for q in form.questions}
        page_errors = [e for e in outcome.errors if e["field"] in on_page]
        if page_errors:
            for error in page_errors:
                question = self.log.definition.variables.get(error["field"])
                form.add_error(question.id if question else None, error["message"])
            return self.render(form)
        self.log = Log(outcome.record)
        if self.request.POST.get("then") != "tasks":
            missing = self._unanswered_on(self.log.page(step))
            if missing:  # saved, but a question on the page that applies is not answered yet
                form = self.get_form(data=self.request.POST)
                form.is_valid()
                for question in missing:
                    form.add_error(question.id, f"You must answer {(question.label or question.text).lower()}")
                return self.render(form)
        warnings = [w for w in outcome.warnings if set(w["attach_to"]) & on_page or set(w["fields"]) & on_page]
        following = reverse("log-tasks", kwargs={"pk": self.log.record.pk}) if self.request.POST.get("then") == "tasks" else self._following(step)
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

    def _following(self, step):
        """Where to go after saving a page: back where the person came from (a check
        your answers page), else the next page of the task that applies now, else the
        task's check your answers."""
        return_to = self._return_to()
        if return_to:
            return return_to
        page = self.log.page(step)
        pages = self.log.form_pages(page.subsection)
        ids = [p.id for p in pages]
        later = [p for p in self.log.definition.pages if p.id in ids and self._order(p) > self._order(page)]
        if later:
            return self.get_step_url(later[0].id)
        return reverse("log-check-answers", kwargs={"pk": self.log.record.pk, "subsection": page.subsection.id})

    def _order(self, page):
        return self.log.definition.pages.index(page)

    def _return_to(self):
        target = self.request.POST.get("return_to") or self.request.GET.get("return_to")
        if target and url_has_allowed_host_and_scheme(target, {self.request.get_host()}):
            return target
        return ""

    def render_done(self, form, **kwargs):
        messages.success(self.request, "Answers saved")
        return redirect("log-tasks", pk=self.log.record.pk)
