"""What the person matched for an upload of a provider's own layout, and what their
organisation keeps for its next files (SavedMapping): the column plan, value
corrections and the answers given for every row. The pages that list and change what
is saved are matches.py; the pages of one upload, views.py."""

from dataclasses import dataclass, field

from cldc.platform import registry
from cldc.platform.uploads import automap, learned
from cldc.platform.uploads.files import open_upload
from cldc.platform.uploads.member_parts import PART, open_kept, split_cell
from cldc.platform.uploads.models import SavedMapping
from cldc.platform.uploads.provider_rows import parse_target, target_key, value_key
from cldc.platform.uploads.refusals import UploadError, column_letter
from cldc.platform.uploads.template import is_annotation_heading

OPTION_RULES = ("invalid_option", "retired_option")  # errors a value correction can fix
SAMPLE_ROWS = 50  # the rows whose values are weighed as evidence of what a column answers


def saved_mappings(upload, kind):
    return SavedMapping.objects.filter(organisation=upload.organisation, collection=upload.collection,
                                       record_type=upload.record_type, kind=kind)


def every_row_answers(upload, columns):
    """{variable: answer} given for every row, to questions the file has no column for
    (`columns`: the variables it has): the upload's own over the organisation's saved ones."""
    answers = {m.variable: m.target for m in saved_mappings(upload, SavedMapping.Kind.ANSWER)}
    answers.update(upload.every_row)
    return {variable: answer for variable, answer in answers.items() if answer and variable not in columns}


def saved_values(upload):
    """The upload's value corrections over the organisation's saved ones ('' for a value
    left as it is)."""
    value_map = {}
    for saved in saved_mappings(upload, SavedMapping.Kind.VALUE):
        value_map.setdefault(saved.variable, {})[saved.source] = saved.target
    for variable, corrections in upload.value_map.items():
        value_map.setdefault(variable, {}).update(corrections)
    return value_map


@dataclass
class ColumnChoice:
    index: int
    header: str
    target: object  # a Target, or None: not needed / not matched
    band: str  # saved, confident, doubtful, unmapped, or clash (another column fills the same answer)
    suggestions: list  # [Scored]: the three best targets, best first
    sheet: str = ""  # in an upload in parts (member_parts.py): the sheet or file the column is in
    members: str = ""  # ... and the repeat block whose members that part holds ('' for the main part)
    samples: list = field(default_factory=list)  # its first rows' values: evidence of what it answers, never kept

    @property
    def saved_as(self):
        """How the column is saved for the organisation: a member part's heading apart
        from the main part's ("Age" of a person is not the record's "Age")."""
        key = value_key(self.header)
        return f"{self.members}: {key}" if self.members else key

    @property
    def settled(self):
        return self.band in ("saved", "confident")

    def evidence(self, definition):
        """What the column's values say of its match, in words ('' when nothing)."""
        return automap.value_evidence(definition, self.target, self.samples) if self.target else ""


def column_plan(upload, columns):
    """For each column of a provider's file ({index: header}): the organisation's saved
    choice, else the automatic mapping. Settled when every column is saved or confident
    and no two fill the same answer (saved matches can: they are changed one at a time).
    An upload in parts (member_parts.py) is planned a part at a time: a member part's
    columns against its repeat block's questions."""
    definition = registry.get(upload.collection).definition(upload.record_type, upload.version)
    saved = {m.source: parse_target(m.target) for m in saved_mappings(upload, SavedMapping.Kind.COLUMN)}
    samples = column_samples(upload)
    plan = []
    for number, part in enumerate(upload.parts or [{"name": "", "block": ""}]):
        own = {index: header for index, header in columns.items() if split_cell(index)[0] == number}
        plan += _part_plan(definition, own, saved, part["name"] if upload.parts else "", part["block"], samples)
    by_variable = {}
    for choice in plan:
        if choice.target is not None:
            by_variable.setdefault((choice.sheet, choice.target.variable), []).append(choice)  # a part at a time
    for choices in by_variable.values():
        for choice in choices:
            if any(other is not choice and other.target.fills_the_same(choice.target) for other in choices):
                choice.band = "clash"  # one column's cells would overwrite the other's
    return plan


def column_samples(upload):
    """{column index: the values of its first SAMPLE_ROWS rows}, read as evidence of
    what each column answers and never kept; an upload in parts, each part's from its
    own sheet or file (indexed as the joined columns are: member_parts.PART); none for
    a file that cannot be read (the import says why)."""
    samples = {}
    try:
        if not upload.parts:
            with open_kept(upload) as file:
                _sample(file, 0, samples)
        for number, part in enumerate(upload.parts):
            with open_upload(part["path"], part["filename"], sheet=part["sheet"]) as file:
                _sample(file, number * PART, samples)
    except UploadError:
        return {}
    return samples


def _sample(file, offset, samples):
    for count, (_, cells) in enumerate(file.rows()):
        if count >= SAMPLE_ROWS:
            break
        for index, value in cells.items():
            samples.setdefault(offset + index, []).append(value)


def _part_plan(definition, columns, saved, sheet, members, samples):
    """The ColumnChoices of one part's columns ({index: header}): saved, else automatic."""
    known = {str(t) for t in (automap.member_targets(definition, members) if members else automap.targets(definition))}
    indexes = sorted(columns)
    mappings = automap.suggest(definition, [columns[i] for i in indexes], members=members or None,
                               values=[samples.get(i, []) for i in indexes])
    plan = [ColumnChoice(index, columns[index], mapping.target, mapping.band, mapping.suggestions, sheet, members,
                         samples.get(index, []))
            for index, mapping in zip(indexes, mappings)]
    others = learned.learned(definition.collection, definition.record_type, {choice.saved_as for choice in plan})
    for choice in plan:
        key = choice.saved_as
        if is_annotation_heading(choice.header):  # our own error columns, in a corrected file
            choice.target, choice.band, choice.suggestions = None, "saved", []
        elif key in saved and (saved[key] is None or str(saved[key]) in known):
            choice.target, choice.band = saved[key], "saved"
        elif key in others and str(parse_target(others[key])) in known and choice.target != parse_target(others[key]):
            _offer_learned(choice, parse_target(others[key]))
    return plan


def _offer_learned(choice, target):
    """What other organisations matched the heading to, offered first and never applied."""
    score = max((s.score for s in choice.suggestions if s.target == target), default=0)
    choice.target, choice.band = target, "doubtful"
    choice.suggestions = [automap.Scored(target, score), *[s for s in choice.suggestions if s.target != target]][:3]


def read_headings(upload):
    """Open the kept file: its layout and columns, or UploadError with a plain message."""
    with open_kept(upload) as file:
        return file.layout, dict(file.columns)


def chosen_columns(choices):
    """The mapping an upload keeps: column index -> target key ('' = not needed)."""
    return {str(c.index): target_key(c.target) if c.target else "" for c in choices}


NOT_MATCHED = "Not matched to a question"


@dataclass
class ColumnNotRead:
    """A column of a provider's own file that an upload does not read, and why: said on
    the results page, by `cldc upload` and by the API, so that nothing is dropped unsaid."""

    index: int  # as in the plan (member_parts.PART for a part's)
    heading: str
    sheet: str = ""
    reason: str = NOT_MATCHED

    @property
    def column(self):
        """Its letter in its own sheet or file: "C"."""
        return column_letter(split_cell(self.index)[2])

    def as_dict(self):
        return {"sheet": self.sheet or None, "column": split_cell(self.index)[2] + 1, "heading": self.heading,
                "reason": self.reason}


def columns_not_read(upload):
    """The columns an upload of a provider's own layout does not read, by its confirmed
    mapping (the headings read again): [] for the template layout, before the columns
    are matched, or for a file that cannot be read."""
    if upload.layout != "headers" or not upload.columns:
        return []
    try:
        _, headings = read_headings(upload)
    except UploadError:
        return []
    return not_read_in([ColumnChoice(index, heading, parse_target(upload.columns.get(str(index), "")), "", [],
                                     upload.parts[split_cell(index)[0]]["name"] if upload.parts else "")
                        for index, heading in sorted(headings.items())])


def not_read_in(plan):
    """The ColumnNotRead of a plan's columns matched to no question, our own error
    columns of an annotated file apart."""
    return [ColumnNotRead(choice.index, choice.header, choice.sheet) for choice in plan
            if choice.target is None and not is_annotation_heading(choice.header)]


def save_columns(upload, choices, person):
    """Keep a confirmed column mapping on the upload and for the organisation's next file."""
    upload.columns = chosen_columns(choices)
    upload.save(update_fields=["columns"])
    learned.remember(upload, choices)
    for choice in choices:
        SavedMapping.objects.update_or_create(
            organisation=upload.organisation, collection=upload.collection, record_type=upload.record_type,
            kind=SavedMapping.Kind.COLUMN, variable="", source=choice.saved_as[:200],
            defaults={"target": upload.columns[str(choice.index)], "written": choice.header.strip()[:200],
                      "saved_by": person},
        )


def save_values(upload, corrections, person, written=None):
    """Keep confirmed values ({variable: {value key: code, or '' for left as it is}}) on
    the upload and for the organisation; `written`: {(variable, value key): as the file has it}."""
    for variable, values in corrections.items():
        upload.value_map.setdefault(variable, {}).update(values)
        for source, code in values.items():
            SavedMapping.objects.update_or_create(
                organisation=upload.organisation, collection=upload.collection, record_type=upload.record_type,
                kind=SavedMapping.Kind.VALUE, variable=variable, source=source[:200],
                defaults={"target": code, "saved_by": person,
                          "written": str((written or {}).get((variable, source), source)).strip()[:200]},
            )
    upload.save(update_fields=["value_map"])


def save_every_row(upload, variable, answer, person, remember):
    """Give `answer` to `variable` in every row of the upload that has no column for it,
    and, if `remember`, in the organisation's next files too."""
    upload.every_row[variable] = answer
    upload.save(update_fields=["every_row"])
    if remember:
        SavedMapping.objects.update_or_create(
            organisation=upload.organisation, collection=upload.collection, record_type=upload.record_type,
            kind=SavedMapping.Kind.ANSWER, variable=variable, source="",
            defaults={"target": answer, "saved_by": person})
