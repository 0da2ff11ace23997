"""A postcode answer fills the local authority question when it is not given, in every
channel (docs/places.md). A definition says which question, on the postcode question:

    - id: postcode
      fills_local_authority: local_authority   # the question the postcode's local authority answers

The web form tells the person what was filled, on the next page, and they may change
it: the filled answer is an answer like any other. Only a new postcode fills it again (a
page saved again with the same postcode keeps the local authority the person chose).
The API and bulk upload fill it the same way, and say on the local authority's field
why it was not filled when the look-up could not place the postcode.
"""

from cldc.platform.places import lookup

FILLED_MESSAGE = "{name} was filled in as the local authority from the postcode. You can change it."
NOT_FILLED_RULE = "local_authority_from_postcode"
NOT_FOUND_NOTE = ("We could not find the postcode {postcode}, so the local authority was not filled in from it. "
                  "Check the postcode, or give the local authority.")
UNAVAILABLE_NOTE = ("The postcode look-up is not available, so the local authority was not filled in from the "
                    "postcode {postcode}. Give the local authority.")
NOT_OFFERED_NOTE = ("The postcode {postcode} is in {name}, which is not an answer to this question, so the local "
                    "authority was not filled in from it. Give the local authority.")


class PostcodeAuthorities:
    """The local authorities of postcodes, each looked up once for as long as this lives
    (a request, or a whole upload), many at a time through the bulk look-up: `prepare()`
    the postcodes a batch of answers will ask, then `get()` each."""

    def __init__(self):
        self.known = {}  # normalised postcode: LocalAuthority, or the LookupUnavailable saying why not

    def prepare(self, postcodes):
        unknown = {lookup.normalised_postcode(p) for p in postcodes if p} - self.known.keys()
        if unknown:
            self.known.update(lookup.local_authorities_for_postcodes(sorted(unknown)))

    def get(self, postcode):
        """The postcode's LocalAuthority; raises LookupUnavailable when it has none."""
        self.prepare([postcode])
        found = self.known[lookup.normalised_postcode(postcode)]
        if isinstance(found, lookup.LookupUnavailable):
            raise found
        return found


def postcodes_to_look_up(definition, held, answers):
    """(postcode question, local authority question, postcode) for each postcode in the
    answers that fills a local authority not given with them: a new postcode, or one
    whose local authority is not held yet."""
    wanted = []
    for question_id, postcode in answers.items():
        question = definition.variables.get(question_id)
        target = question.extra.get("fills_local_authority") if question is not None else None
        if not target or not postcode or answers.get(target) not in (None, ""):  # given with it: theirs stands
            continue
        if postcode == held.get(question_id) and held.get(target) is not None:
            continue
        wanted.append((question_id, target, postcode))
    return wanted


def postcodes_filling(definition, answers):
    """The postcodes among answers that may fill a local authority: those a batch
    prepares (PostcodeAuthorities.prepare) before its records are judged one by one."""
    return [postcode for _, _, postcode in postcodes_to_look_up(definition, {}, answers)]


def fill_local_authority(definition, held, answers, authorities=None):
    """The answers with the local authority of a postcode among them added, and what to
    tell the person (None when nothing was looked up): the web form's. Off, or a
    postcode the look-up cannot place: the answers as given and why, so that the person
    chooses it."""
    if not lookup.postcode_lookup_on():
        return answers, None
    filled, notes = _filled(definition, held, answers, authorities or PostcodeAuthorities())
    if notes:
        return answers, notes[0]["reason"]
    if not filled:
        return answers, None
    _, name = next(iter(filled.values()))
    return {**answers, **{target: code for target, (code, _) in filled.items()}}, FILLED_MESSAGE.format(name=name)


def fill_for_channel(definition, held, answers, authorities):
    """The API's and bulk upload's fill: the answers with the local authorities their
    postcodes give, and a note on each local authority question that was not filled
    (the look-up off, failing or not knowing the postcode), the gateway's note shape."""
    filled, notes = _filled(definition, held, answers, authorities)
    answers = {**answers, **{target: code for target, (code, _) in filled.items()}}
    return answers, [{"field": n["field"], "rule": NOT_FILLED_RULE, "severity": "warning", "fields": [n["field"]],
                      "message": n["message"]} for n in notes]


def still_unanswered(notes, judged):
    """Of fill_for_channel's notes, those whose local authority the judged answers still
    lack: another fill (a chosen register entry's, in the gateway) may have answered it."""
    return [note for note in notes if judged.get(note["field"]) in (None, "")]


def _filled(definition, held, answers, authorities):
    """{local authority question: (code, name)} the postcodes fill, and for each that
    is not filled: its field, the form's reason and the channels' message."""
    wanted = postcodes_to_look_up(definition, held, answers)
    authorities.prepare([postcode for _, _, postcode in wanted])
    filled, notes = {}, []
    for _, target, postcode in wanted:
        shown = lookup.normalised_postcode(postcode)
        try:
            found = authorities.get(postcode)
        except lookup.LookupUnavailable as unavailable:
            note = NOT_FOUND_NOTE if str(unavailable) == lookup.POSTCODE_NOT_FOUND else UNAVAILABLE_NOTE
            notes.append({"field": target, "reason": str(unavailable), "message": note.format(postcode=shown)})
            continue
        if found.code not in {str(code) for code, _ in definition.variables[target].options}:
            notes.append({"field": target, "reason": lookup.POSTCODE_LOOKUP_UNAVAILABLE,
                          "message": NOT_OFFERED_NOTE.format(postcode=shown, name=found.name)})
            continue
        filled[target] = (found.code, found.name)
    return filled, notes
