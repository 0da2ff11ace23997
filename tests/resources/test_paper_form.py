"""The paper form: a PDF made from a definition holds every question and every option,
in the definition's order, and says when each question is asked."""

import io
import re

import pytest
from pypdf import PdfReader

from cldc.platform import registry
from cldc.platform.resources.paper_form import numbered_questions, paper_form_pdf
from cldc.platform.resources.routing_words import asked_if, in_words


def every_definition():
    return [(name, record_type, version) for name, collection in sorted(registry.collections().items())
            for record_type in collection.record_types for version in collection.versions(record_type)]


def words(text):
    """Text as it reads, whatever the lines it was broken into."""
    return " ".join(re.sub(r"<br\s*/?>", " ", str(text)).split())


def pdf_text(pdf):
    return words(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def in_order(text, expected):
    """The first of `expected` not found in `text` after the one before it, or None."""
    position = 0
    for item in expected:
        found = text.find(item, position)
        if found < 0:
            return item
        position = found + len(item)
    return None


@pytest.mark.parametrize("name, record_type, version", every_definition())
def test_every_question_and_option_in_order(name, record_type, version):
    definition = registry.get(name).definition(record_type, version)
    numbers = numbered_questions(definition)
    expected = []
    for section in definition.sections:
        expected.append(words(section.label))
        for subsection in section.subsections:
            expected.append(words(subsection.label))
            for page in subsection.pages:
                for question in page.questions:
                    expected.append(f"{numbers[question.id]}. {words(question.text or question.label or question.id)}")
                    expected += [words(label) for _, label in question.options]
    text = pdf_text(paper_form_pdf(definition))
    assert text.startswith(words(definition.title))
    assert in_order(text, expected) is None, f"not found in order: {in_order(text, expected)!r}"
    conditions = [asked_if(condition, definition, numbers) for page in definition.pages
                  for condition in [page.subsection.show_if, page.show_if, *(q.show_if for q in page.questions)]
                  if condition is not None]
    assert [condition for condition in conditions if words(condition) not in text] == []


def test_routing_notes_are_in_the_pdf_under_their_questions():
    definition = registry.get("visits").definition("visit", 2026)
    numbers = numbered_questions(definition)
    text = pdf_text(paper_form_pdf(definition))
    repairs = f"“Repairs reported” (question {numbers['repairs']}) is “Yes”"
    assert in_order(text, ["Did the household report any repairs?", "What repairs did they report?",
                           f"Asked if: {repairs}"]) is None
    people = f"“Number of people” (question {numbers['hhmemb']})"
    assert in_order(text, [f"Asked if: {people} is 3 or more", "What is person 3's age?",
                           f"Asked if: {people} is 4 or more", "What is person 4's age?"]) is None
    assert f"If owning organisation type is “local authority”: only “In person” or “By phone”." in text


@pytest.mark.parametrize("expression, reads", [
    ("repairs == 1", "“Repairs reported” is “Yes”"),
    ("repairs != 1", "“Repairs reported” is not “Yes”"),
    ("period in (1, 4)", "“Rent period” is one of “Weekly” or “Monthly”"),
    ("period not in (2, 3, 4)", "“Rent period” is none of “Every 2 weeks”, “Every 4 weeks” or “Monthly”"),
    ("hhmemb >= 2", "“Number of people” is 2 or more"),
    ("hhmemb < 3", "“Number of people” is less than 3"),
    ("rent > 100", "“Rent” is more than £100"),
    ("needs_mobility == 1", "“Needs: Mobility support” is ticked"),
    ("needs_none == 0", "“Needs: None of these” is not ticked"),
    ("blank(visitref)", "“Visit reference” is not answered"),
    ("present(age1, age2)", "“Person 1's age” or “Person 2's age” are answered"),
    ("repairs == 1 and (hhmemb > 2 or blank(rent))",
     "“Repairs reported” is “Yes” and (“Number of people” is more than 2 or “Rent” is not answered)"),
    ("not (repairs == 2)", "not (“Repairs reported” is “No”)"),
    ("False", "never (not asked on this form)"),
    ("age1 + age2 > 100", "age1 + age2 > 100"),  # a shape not worded keeps its own text
])
def test_routing_in_words(expression, reads):
    definition = registry.get("visits").definition("visit", 2026)
    assert in_words(expression, definition) == reads
    assert asked_if(expression, definition) == f"Asked if: {reads}"
    assert asked_if(None, definition) == ""


def test_routing_notes_for_those_who_keep_the_definition_are_not_printed():
    definition = registry.get("core").definition("lettings", 2026)
    notes = {n for page in definition.pages for n in (page.routing_note, page.subsection.routing_note) if n}
    text = pdf_text(paper_form_pdf(definition))
    assert notes and "In the CORE service" not in text and "Depends on the signed-in user" not in text
