"""Finding the help for a question, for the web form.

Every call reads the database: a snippet published in Wagtail shows on the next page
load, with no deploy and no cache to expire. It is one indexed query per question.
"""

from django.db.models import F

from cldc.platform.guidance.models import QuestionGuidance
from cldc.platform.rules.engine import years_cover


def guidance_for(collection, record_type, question_id, version):
    """The live guidance for a question in a version, or None. When several apply,
    the one published most recently wins."""
    candidates = QuestionGuidance.objects.filter(
        live=True, collection=collection, record_type=record_type, question=question_id
    ).order_by(F("last_published_at").desc(nulls_last=True), "-pk")
    return next((g for g in candidates if years_cover(g.versions, int(version))), None)


def help_for_question(question, definition):
    """What a question page needs to show help: `guidance` (a QuestionGuidance or None),
    rendered by guidance/_question_help.html, and `hint`, the definition's hint, which
    the page shows as the field's hint. The form decides: details when there is
    guidance, the hint alone otherwise."""
    return {
        "guidance": guidance_for(definition.collection, definition.record_type, question.id, definition.version),
        "hint": question.hint,
    }
