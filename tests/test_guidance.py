"""Question guidance: content designers write it in Wagtail, keyed to a question and
the versions it applies to; the web form shows it as a GOV.UK details component."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.guidance.lookup import guidance_for, help_for_question
from cldc.platform.guidance.models import QuestionGuidance

ADMIN_URL = "/admin/snippets/guidance/questionguidance/"


@pytest.fixture
def in_core(core_service):
    with schema_context("core"):
        yield


def publish(body="<p>The rent <b>before</b> any charges.</p>", question="brent", versions="2026-", **fields):
    """Guidance as a content designer leaves it: checked, saved and published."""
    guidance = QuestionGuidance(
        collection="core", record_type="lettings", question=question, versions=versions, body=body, **fields
    )
    guidance.full_clean()
    guidance.save()
    guidance.save_revision().publish()
    return guidance


def test_a_version_range_covers_the_years_it_names(in_core):
    guidance = publish(versions="2026-")
    assert guidance_for("core", "lettings", "brent", 2026) == guidance
    assert guidance_for("core", "lettings", "brent", 2027) == guidance
    assert guidance_for("core", "lettings", "brent", 2025) is None
    assert guidance_for("core", "lettings", "scharge", 2026) is None
    assert guidance_for("core", "sales", "brent", 2026) is None

    closed = publish(question="scharge", versions="2025-2026")
    assert guidance_for("core", "lettings", "scharge", 2026) == closed
    assert guidance_for("core", "lettings", "scharge", 2027) is None


def test_the_newest_published_guidance_wins_and_drafts_do_not_show(in_core):
    publish(body="<p>Older</p>", versions="2025-")
    newer = publish(body="<p>Newer</p>", versions="2026")
    assert guidance_for("core", "lettings", "brent", 2026) == newer
    assert guidance_for("core", "lettings", "brent", 2025).body == "<p>Older</p>"

    # Publishing the older one again makes it the newest.
    older = QuestionGuidance.objects.get(body="<p>Older</p>")
    older.save_revision().publish()
    assert guidance_for("core", "lettings", "brent", 2026) == older

    newer.unpublish()
    older.unpublish()
    assert guidance_for("core", "lettings", "brent", 2026) is None


def test_a_published_change_shows_at_once_and_a_draft_does_not(in_core):
    guidance = publish(body="<p>First words</p>")
    guidance.body = "<p>Draft words</p>"
    guidance.save_revision()  # a draft: the live row keeps the published text
    assert guidance_for("core", "lettings", "brent", 2026).body == "<p>First words</p>"
    guidance.save_revision().publish()
    assert guidance_for("core", "lettings", "brent", 2026).body == "<p>Draft words</p>"


NOT_IN_LETTINGS = "No version of core lettings has a question called"


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"question": "brnt"}, "question", f"{NOT_IN_LETTINGS} 'brnt'. Did you mean brent?"),
        ({"question": "nothing_like_it"}, "question", f"{NOT_IN_LETTINGS} 'nothing_like_it'"),
        ({"collection": "nope"}, "collection", "There is no collection called 'nope'. Use one of: core, hclic"),
        ({"record_type": "rentals"}, "record_type", "core has no record type called 'rentals'. Use one of: lettings"),
        ({"versions": "26-"}, "versions", "Enter the years as 2026 for 2026/27 only"),
        ({"versions": "2027-2026"}, "versions", "Enter the years as 2026 for 2026/27 only"),
    ],
)
def test_guidance_for_something_that_does_not_exist_is_refused(in_core, fields, field, message):
    key = {"collection": "core", "record_type": "lettings", "question": "brent", "versions": "2026-"}
    guidance = QuestionGuidance(body="<p>Help</p>", **{**key, **fields})
    with pytest.raises(ValidationError) as refused:
        guidance.full_clean()
    assert list(refused.value.message_dict) == [field]
    assert refused.value.message_dict[field][0].startswith(message)


def test_versions_in_the_syntax_of_rule_years_are_accepted(in_core):
    for versions in ("2026", "2026-", "2025-2026", "-2026"):
        QuestionGuidance(
            collection="core", record_type="lettings", question="brent", versions=versions, body="<p>Help</p>"
        ).full_clean()


def test_the_partial_shows_guidance_as_a_details_component(in_core):
    definition = registry.get("core").definition("lettings", 2026)
    question = definition.questions["brent"]

    without = help_for_question(question, definition)
    assert without == {"guidance": None, "hint": question.hint} and question.hint
    assert render_to_string("guidance/_question_help.html", without).strip() == ""

    body = '<p>The rent <b>before</b> charges. <a href="https://www.gov.uk/">More</a></p>'
    publish(summary="What counts as basic rent", body=body)
    html = render_to_string("guidance/_question_help.html", help_for_question(question, definition))
    assert '<details class="govuk-details">' in html
    assert '<span class="govuk-details__summary-text">What counts as basic rent</span>' in html
    assert "The rent <b>before</b> charges." in html and 'href="https://www.gov.uk/"' in html


def test_a_content_designer_writes_guidance_in_wagtail(client_for, make_person, core_service):
    admin = client_for("core", make_person("content@example.com", staff_role="content_designer"))
    assert admin.get(f"{ADMIN_URL}add/").status_code == 200

    def form(question):
        body = {"blocks": [{"key": "a1", "type": "unstyled", "text": "Rent before charges.", "depth": 0,
                            "inlineStyleRanges": [], "entityRanges": []}], "entityMap": {}}
        return {"collection": "core", "record_type": "lettings", "question": question, "versions": "2026-",
                "summary": "Help with this question", "body": json.dumps(body), "action-publish": "action-publish"}

    refused = admin.post(f"{ADMIN_URL}add/", form("brnt"))
    assert refused.status_code == 200 and "Did you mean brent?" in refused.content.decode()

    assert admin.post(f"{ADMIN_URL}add/", form("brent")).status_code == 302
    with schema_context("core"):
        assert "Rent before charges." in guidance_for("core", "lettings", "brent", 2026).body

    listing = admin.get(f"{ADMIN_URL}?collection=core&record_type=lettings&q=bren").content.decode()
    assert "brent" in listing
    assert "brent" not in admin.get(f"{ADMIN_URL}?record_type=sales").content.decode()


def test_a_data_provider_cannot_reach_the_guidance_screens(client_for, make_person, make_organisation, core_service):
    provider = make_person("provider@example.com", make_organisation("Riverside Homes"), role="data_provider")
    response = client_for("core", provider).get(f"{ADMIN_URL}add/")
    assert response.status_code in (302, 403)
