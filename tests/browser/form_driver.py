"""A generic driver for the single-record web form in a real browser, in any service.

It knows no definition: on each question page it reads the inputs the page shows and
answers them from a plan keyed by variable (radio: the input whose value is the code;
checkbox: the option variables to tick; date: the Day, Month and Year boxes; select, or
the accessible autocomplete a long select becomes: the option's name typed and chosen;
text). It confirms soft checks, returns from check your answers to the record, and
goes on from the task list until no task is left to do.

    driver = FormDriver(page, plan)
    driver.complete()          # from a record's task list, until every task is completed
"""

import re

QUESTION_PAGE = re.compile(r"/logs/\d+/page/([^/]+)/")
SOFT_CHECK = re.compile(r"/logs/\d+/soft-check/([^/]+)/")
CHECK_ANSWERS = re.compile(r"/logs/\d+/[^/]+/check-answers/")
TASK_LIST = re.compile(r"/logs/\d+/$")
MAX_VISITS = 3  # a page shown more often than this is not getting answered
BACK_TO_RECORD = re.compile(r"^Save and return to the ")  # "... to the log", "... to the visit": the service's noun


class FormDriver:
    def __init__(self, page, plan):
        self.page = page
        self.plan = {name: str(value) for name, value in plan.items() if value is not None}
        self.answered = []  # question pages saved, in order (a page may appear twice)
        self.soft_checks = []  # rules confirmed on interruption pages
        self.visits = {}

    # --- One question page ---------------------------------------------------------------
    def fill(self):
        """Answer every visible input on the page that the plan has an answer for,
        radios first (they reveal their follow-up questions). Returns the variables
        filled and those the page showed that the plan has no answer for."""
        form = self.page.locator("main form[method=post]")
        filled, unplanned = [], []

        def answer(name):
            if name in self.plan:
                filled.append(name)
                return self.plan[name]
            unplanned.append(name)
            return None

        def visible(locator):
            return [element for element in locator.all() if element.is_visible()]

        radios = form.locator("input[type=radio]")
        for name in unique(radios.evaluate_all("els => els.filter(e => e.checkVisibility()).map(e => e.name)")):
            value = answer(name)
            if value is not None:
                form.locator(f'input[type=radio][name="{name}"][value="{value}"]').check()
        for group in visible(form.locator(".govuk-date-input")):
            variable = group.get_attribute("id").removeprefix("id_").removesuffix("-parts")
            value = answer(variable)
            if value:
                year, month, day = value.split("-")
                for label, part in (("Day", day), ("Month", month), ("Year", year)):
                    group.get_by_label(label, exact=True).fill(str(int(part)))
        boxes = form.locator("input[type=checkbox]")
        for name in unique(boxes.evaluate_all("els => els.filter(e => e.checkVisibility()).map(e => e.name)")):
            options = form.locator(f'input[type=checkbox][name="{name}"]').evaluate_all("els => els.map(e => e.value)")
            if not any(option in self.plan for option in options):
                unplanned.append(name)
                continue
            filled.append(name)
            for option in options:
                form.locator(f'input[type=checkbox][name="{name}"][value="{option}"]').set_checked(self.plan.get(option) == "1")
        for select in visible(form.locator("select")):
            value = answer(select.get_attribute("name"))
            if value is not None:
                select.select_option(value)
        for select in form.locator("select[data-cldc-autocomplete]").all():  # enhanced: type a name, choose it
            box = form.locator(f'#{select.get_attribute("id").removesuffix("-select")}')
            if select.is_visible() or not box.is_visible():
                continue  # not enhanced (done above), or a follow-up not shown
            value = answer(select.get_attribute("name"))
            if value is not None:
                choose(self.page, box, select.locator(f'option[value="{value}"]').inner_text())
        for box in visible(form.locator("input[type=text]:not(.govuk-date-input__input)")):
            value = answer(box.get_attribute("name"))
            if value is not None:
                box.fill(value)
        return filled, unplanned

    def save_page(self):
        step = QUESTION_PAGE.search(self.page.url).group(1)
        filled, unplanned = self.fill()
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Save and continue").click()
        if QUESTION_PAGE.search(self.page.url) and self.page.locator(".govuk-error-summary").count():
            raise AssertionError(f"page {step} refused the plan's answers {filled}: "
                                 f"{self.page.locator('.govuk-error-summary').inner_text()}")
        self.answered.append((step, filled, unplanned))

    # --- The other pages -----------------------------------------------------------------
    def confirm_soft_check(self):
        self.soft_checks.append(SOFT_CHECK.search(self.page.url).group(1))
        self.page.get_by_label("Yes, the answers are correct").check()
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Continue").click()

    def next_task(self):
        """Open the first task that is not completed; False when there is none."""
        for task in self.page.locator(".govuk-task-list__item").all():
            status = task.locator(".govuk-task-list__status").inner_text().strip()
            link = task.locator("a.govuk-task-list__link")
            if status != "Completed" and link.count():
                with self.page.expect_navigation():
                    link.click()
                return True
        return False

    def step(self):
        """Deal with the page the browser is on; False once the record has nothing left to do."""
        path = self.page.url.split("?")[0]
        self.visits[path] = self.visits.get(path, 0) + 1
        if self.visits[path] > MAX_VISITS and not TASK_LIST.search(path):
            raise AssertionError(f"{path} keeps coming back; pages saved (page, filled, not in the plan): {self.answered}")
        if QUESTION_PAGE.search(path):
            self.save_page()
        elif SOFT_CHECK.search(path):
            self.confirm_soft_check()
        elif CHECK_ANSWERS.search(path):
            with self.page.expect_navigation():
                self.page.get_by_role("link", name=BACK_TO_RECORD).click()
        elif TASK_LIST.search(path):
            return self.next_task()
        else:
            raise AssertionError(f"the driver does not know the page {self.page.url}")
        return True

    def complete(self, max_steps=800):
        for _ in range(max_steps):
            if not self.step():
                return self
        raise AssertionError(f"the record was not finished in {max_steps} pages")


def choose(page, box, name):
    """Choose `name` in an accessible autocomplete: type it, then pick it from the list."""
    box.fill(name)
    page.locator(f'#{box.get_attribute("id")}__listbox').get_by_role("option", name=name, exact=True).click()


def unique(names):
    return list(dict.fromkeys(names))
