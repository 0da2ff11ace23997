"""A postcode answer fills the local authority question when the postcode look-up is on
(docs/places.md). A definition says which question, on the postcode question:

    - id: postcode
      fills_local_authority: local_authority   # the question the postcode's local authority answers

The person is told what was filled, on the next page, and may change it: the filled
answer is an answer like any other. Only a new postcode fills it again (a page saved
again with the same postcode keeps the local authority the person chose).
"""

from cldc.platform.places import lookup

FILLED_MESSAGE = "{name} was filled in as the local authority from the postcode. You can change it."


def fill_local_authority(definition, held, answers):
    """The answers with the local authority of a postcode among them added, and what to
    tell the person (None when nothing was looked up). Off, or a postcode the look-up
    cannot place: the answers as given and why, so that the person chooses it."""
    if not lookup.postcode_lookup_on():
        return answers, None
    for question_id, postcode in answers.items():
        question = definition.variables.get(question_id)
        target = question.extra.get("fills_local_authority") if question is not None else None
        if not target or not postcode or target in answers:  # answered on the same page: theirs stands
            continue
        if postcode == held.get(question_id) and held.get(target) is not None:
            continue
        try:
            found = lookup.local_authority_for_postcode(postcode)
        except lookup.LookupUnavailable as unavailable:
            return answers, str(unavailable)
        if found.code not in {str(code) for code, _ in definition.variables[target].options}:
            return answers, lookup.POSTCODE_LOOKUP_UNAVAILABLE
        return {**answers, target: found.code}, FILLED_MESSAGE.format(name=found.name)
    return answers, None
