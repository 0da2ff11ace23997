"""Uploads through the API: the web bulk upload's Upload model, file keeping and
Celery task (cldc.platform.uploads), for a client instead of a person.

The pipeline decides who may be named in a file from `upload.user` (a person). Until
it can take an API client, an API upload runs on behalf of the person who made the
client's key (`created_by`), and the API first checks the file against the client's
own rights (`refused_cells`): every organisation and assignee in it must be one the
client may name, by the rules of every channel.

A file in the supplier's own columns (one, or a main file and its members' files:
cldc.platform.uploads.member_parts) has no person to match them, so `api_columns`
matches each column as the client said (`columns`: heading -> question), else as the
organisation's people saved it, else by the automatic match when it is confident; any
other column is not read, and the answer lists it as unmatched and among the columns not
read (`ignored_columns`, with why). Values no option matches are not asked about
either: the rules report them by row and field.
"""

from cldc.platform import registry
from cldc.platform.records.references import References
from cldc.platform.uploads import automap
from cldc.platform.uploads.mappings import chosen_columns, column_plan, not_read_in, read_headings
from cldc.platform.uploads.member_parts import JoinedUpload, open_kept, split_cell
from cldc.platform.uploads.provider_rows import HeaderLayout, parse_target, target_key
from cldc.platform.uploads.report import question_label


def template_fields(definition):
    """{column kind: (variable, field number)} for the record's own fields."""
    found = {}
    for column, variable in definition.record_fields.items():
        fields = (definition.variables[variable].bulk_upload or {}).get("fields")
        number = (fields[0] if isinstance(fields, list) else fields) if fields else None
        if number is not None:
            found[column] = (variable, int(number))
    return found


class ColumnsRefused(ValueError):
    """The client's column mapping names a column the files lack, or a question the
    version does not ask: [(field, rule, message)]."""

    def __init__(self, errors):
        super().__init__("; ".join(message for _, _, message in errors))
        self.errors = errors


def api_columns(upload, given):
    """Match the columns of an upload in the supplier's own columns, and keep the
    mapping on the upload (nothing is saved for the organisation: no person confirmed
    it). `given`: {heading: question (a target key: the question's id, or "<id>:day" for the day of a date), or ""
    / None for not needed}; for a sheet of members, the block's first member's
    question stands for every member's. Returns ([{sheet, column, heading, question,
    matched}] with matched one of given, saved, automatic and unmatched, the columns not
    read: ignored_columns); raises ColumnsRefused for a heading no column has or a
    question the version lacks."""
    definition = registry.get(upload.collection).definition(upload.record_type, upload.version)
    _, columns = read_headings(upload)
    plan = column_plan(upload, columns)
    given = {automap_key(heading): (heading, question) for heading, question in (given or {}).items()}
    errors, used = [], set()
    for choice in plan:
        wanted = given.get(automap_key(choice.header))
        if wanted is None:
            if not choice.settled:  # doubtful, unmapped, or two columns on one answer
                choice.target, choice.band = None, "unmatched"
            continue
        used.add(automap_key(choice.header))
        heading, question = wanted
        known = automap.member_targets(definition, choice.members) if choice.members else automap.targets(definition)
        target = _target(question)
        if question and (target is None or target_key(target) not in {target_key(t) for t in known}):
            where = f" in “{choice.sheet}”" if choice.sheet else ""
            errors.append(("columns", "unknown_question",
                           f"“{heading}”{where} is matched to “{question}”, which is not a question of "
                           f"{definition.title} {definition.version}"
                           + (f" that a sheet of {choice.members} members answers" if choice.members else "")
                           + ". Use the question ids the version's JSON Schema lists."))
            continue
        choice.target, choice.band = target, "given"
    errors += [("columns", "unknown_column", f"No column of the file is headed “{heading}”.")
               for key, (heading, _) in given.items() if key not in used]
    errors += _clashes(plan)
    if upload.parts:
        errors += _joins_unmatched(definition, plan)
    if errors:
        raise ColumnsRefused(errors)
    upload.columns, upload.values_confirmed = chosen_columns(plan), True
    upload.save(update_fields=["columns", "values_confirmed"])
    columns = [{"sheet": choice.sheet or None, "column": split_cell(choice.index)[2] + 1, "heading": choice.header,
                "question": target_key(choice.target) if choice.target else None,
                "matched": {"confident": "automatic"}.get(choice.band, choice.band)} for choice in plan]
    return columns, ignored_columns(definition, plan)


def ignored_columns(definition, plan):
    """[{sheet, column, heading, reason, suggested}] of the columns not read: `suggested`,
    the question a doubtful match proposed (not sure enough to read the column unasked),
    which the client may name in `columns`; else null."""
    choices = {choice.index: choice for choice in plan}
    ignored = []
    for column in not_read_in(plan):
        choice, found = choices[column.index], column.as_dict()
        best = choice.suggestions[0] if choice.band == "unmatched" and choice.suggestions else None
        found["suggested"] = None
        if best is not None and best.score >= automap.DOUBTFUL:
            found["suggested"] = target_key(best.target)
            found["reason"] += (f": it may answer “{automap.describe(definition, best.target)}”, but not surely "
                                "enough to be read unless columns names it")
        ignored.append(found)
    return ignored


def automap_key(heading):
    return " ".join(str(heading).split()).casefold()


def _target(question):
    try:
        return parse_target(str(question)) if question else None
    except ValueError:
        return None


def _clashes(plan):
    """Two columns of one part that fill the same answer."""
    errors, taken = [], {}
    for choice in plan:
        if choice.target is None:
            continue
        for other in taken.get(choice.sheet, []):
            if other.target.fills_the_same(choice.target):
                errors.append(("columns", "column_clash", f"“{other.header}” and “{choice.header}” fill the same "
                               f"answer ({target_key(choice.target)}): match one of them to another question, "
                               "or to null (not needed)."))
        taken.setdefault(choice.sheet, []).append(choice)
    return errors


def _joins_unmatched(definition, plan):
    """The parts of an upload in parts with no column matched to the record's reference,
    by which members join their record."""
    matched = {}
    for choice in plan:
        matched.setdefault(choice.sheet, set()).update({choice.target.variable} if choice.target else ())
    names = " and ".join(f"“{question_label(definition, name)}”" for name in definition.reference_key)
    return [("columns", "reference_unmatched", f"No column of “{sheet}” is matched to {names}: its rows cannot be "
             f"joined to their {definition.nouns[1]}. Match that column in columns.")
            for sheet, variables in matched.items() if not set(definition.reference_key) <= variables]


def refused_cells(upload, definition, acted_for, organisation, most=20):
    """The file's rows' references the client may not use, as (row number, issue), at
    most `most`: resolved as in every channel (cldc.platform.records.references) among
    the organisations the client acts for, blank organisations being the upload's
    `organisation`. Reads every row (so a file over the row limit is refused here).
    Raises UploadError for a file that cannot be read."""
    references = References(definition, acted_for)
    defaults = {"owning_organisation": organisation, "managing_organisation": organisation}
    refused = []
    with open_kept(upload) as file:
        named_in = _record_fields_reader(file, definition, upload)
        for number, values in file.rows():
            if len(refused) >= most:
                continue  # read on: the row limit applies to the whole file
            named = references.resolve(named_in(values), defaults)
            refused += [(number, issue) for issue in named.issues]
    return refused[:most]


def _record_fields_reader(file, definition, upload):
    """A function of a row's cells: {record field column: the reference the row gives}."""
    if file.layout == "template":
        fields = template_fields(definition)
        return lambda values: {column: (file.keyed(values).get(number) or "").strip()
                               for column, (_, number) in fields.items()}
    columns = {int(i): parse_target(key) for i, key in upload.columns.items()}
    if isinstance(file, JoinedUpload):
        columns = file.expanded(columns)
    wanted = set(definition.record_fields.values())
    layout = HeaderLayout(definition, {i: t for i, t in columns.items() if t and t.variable in wanted})

    def named_in(values):
        answers, _ = layout.answers(values)
        return {column: str(answers.get(variable) or "").strip() for column, variable in definition.record_fields.items()}

    return named_in
