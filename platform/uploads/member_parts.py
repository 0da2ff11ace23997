"""A record's members in sheets or files of their own: a system's export as a main
sheet (one row a record) and a sheet for each repeat block (one row a member: each
person of a household, say), every member row carrying the record's
reference. An XLSX with several sheets, or several CSV files sent as one upload.

    parts = find_parts(definition, [(path, filename)])   # [] when it is one sheet of records
    with open_kept(upload) as file:                       # a JoinedUpload when upload.parts
        for number, values in file.rows(): ...            # each main row with its members' cells

The parts are told apart by their headings, from the definition alone: a part whose
headings match a repeat block's questions (automap.suggest(members=block)) better than
the record's other questions, and that has the record's reference (the definition's
`reference_key`), holds that block's members; the first other part is the main one.

Joined, a main row is the one-row form the rest of the pipeline reads (importer.py): a
member's cells are put in columns of their own, one set a member, numbered in the
order of their rows: the first row of a record in its members' sheet is the block's first
member (person 2, say), the next the second. So the records are those the one-row form
(numbered columns) gives. A column's index says where a cell came from:

    main part                  its own column index (below PART)
    member part p (from 1)     p * PART + slot * SLOT + column, slot 0 for the first member

and `place()` gives back, for an issue, the sheet, the row and the column of the
member's own row. What cannot be joined is an error on the member's row: a member row
whose reference is blank or in no main row (`member_without_record`), and more members
of one record than the block holds (`too_many_members`).
"""

from pathlib import Path

from cldc.platform.uploads import automap
from cldc.platform.uploads.files import MAX_COLUMNS, open_upload
from cldc.platform.uploads.provider_rows import parse_target, read_date, value_key
from cldc.platform.uploads.refusals import UploadError
from cldc.platform.uploads.report import question_label

PART = 1_000_000
SLOT = MAX_COLUMNS  # a part has at most MAX_COLUMNS columns
MEMBER_WITHOUT_RECORD = "member_without_record"
TOO_MANY_MEMBERS = "too_many_members"
# A main file and its members' files: more is not one system's export. A workbook's
# first MAX_FILES sheets with data are looked at (each is opened to read its headings).
MAX_FILES = 10
NO_REFERENCE_COLUMN = object()  # the join key of a member part's rows when no column of it holds the reference


# --- Keeping the files, and which part is which ----------------------------------------------


def keep_parts(upload, files, schema_name, definition):
    """Keep an upload's files (Django UploadedFiles: one, or a main file and its
    members' files) and find its parts (upload.parts, and the main part's file as the
    upload's own). Raises UploadError, keeping nothing, when they cannot be read or
    joined: the caller deletes the upload."""
    upload.keep(files[0], schema_name)
    kept = [(upload.path, files[0].name)]
    for number, file in enumerate(files[1:], start=1):
        kept.append((upload.keep_file(file, schema_name, f"{upload.pk}-{number}.upload"), file.name))
    upload.parts = [{"name": name, "filename": name, "path": path, "sheet": None, "block": ""} for path, name in kept]
    try:
        parts = find_parts(definition, [(path, _name(name)) for path, name in kept])
    except UploadError:
        forget_files(upload)
        raise
    upload.parts = parts
    if parts:
        upload.path, upload.filename = parts[0]["path"], _name(parts[0]["filename"])[:200]
    upload.save(update_fields=["parts", "path", "filename"])


def forget_files(upload):
    """Delete every file kept for an upload."""
    for path in upload.kept_paths():
        if path:
            Path(path).unlink(missing_ok=True)


def _name(filename):
    return Path(str(filename).replace("\\", "/")).name


def find_parts(definition, files):
    """The parts of an upload ([(path, filename)]: one workbook, or several files), as
    Upload.parts: [{name, filename, path, sheet, block}], the main part first and a
    member part's `block` the repeat block it holds; [] when the upload is one sheet
    of records (a workbook's other sheets are ignored unless they hold members).
    Raises UploadError for a file that cannot be read, or parts that cannot be joined."""
    candidates = []
    for path, filename in files:
        with open_upload(path, filename) as file:
            if file.layout == "template":
                if len(files) > 1:
                    raise UploadError(f"“{filename}” is in the official template layout. Upload the template on "
                                      "its own; several files together are a main file and files of members.")
                return []
            sheets = file.sheets[:MAX_FILES] if file.kind == "xlsx" and len(files) == 1 else [None]
            if len(sheets) < 2 and len(files) == 1:
                return []
            if sheets == [None]:
                candidates.append(_part(definition, path, filename, None, file))
        for sheet in sheets if sheets != [None] else ():
            with open_upload(path, filename, sheet=sheet) as file:
                if file.layout == "headers":
                    candidates.append(_part(definition, path, filename, sheet, file))
    return _sorted_parts(definition, candidates, several_files=len(files) > 1)


def _part(definition, path, filename, sheet, file):
    """A part, with what its headings match: the block whose members it holds, if any."""
    headers = list(file.columns.values())
    part = {"name": sheet or _name(filename), "filename": _name(filename), "path": str(path), "sheet": sheet, "block": ""}
    part["matches"] = sum(1 for m in automap.suggest(definition, headers)
                          if m.target is not None and not _is_member_target(definition, m.target)
                          and m.target.variable not in definition.reference_key)
    best, best_matches, has_reference = "", 0, False
    for block in definition.repeats:
        mappings = automap.suggest(definition, headers, members=block)
        matched = sum(1 for m in mappings if m.target is not None and m.target.variable not in definition.reference_key)
        if matched > best_matches:
            best, best_matches = block, matched
            has_reference = set(definition.reference_key) <= {m.target.variable for m in mappings if m.target}
    if best and best_matches > part["matches"]:
        if not has_reference:
            names = " and ".join(f"“{question_label(definition, name)}”" for name in definition.reference_key)
            raise UploadError(f"“{part['name']}” has {definition.nouns[0]} members’ answers but no column for "
                              f"{names}, so its rows cannot be joined to their {definition.nouns[1]}. Add the "
                              "column and upload the files again.")
        part["block"] = best
    return part


def _sorted_parts(definition, candidates, several_files):
    blocks = list(definition.repeats)
    members = sorted((part for part in candidates if part["block"]), key=lambda part: blocks.index(part["block"]))
    others = [part for part in candidates if not part["block"]]
    if not members:
        if several_files:
            raise UploadError("None of the files holds the members of a " + definition.nouns[0] + " (one row a "
                              "member, with its reference). Upload one file of " + definition.nouns[1] + ", or a "
                              "main file with the files of its members.")
        return []
    if not others:
        raise UploadError(f"Every {'file' if several_files else 'sheet'} holds members of a {definition.nouns[0]}: "
                          f"add the main one, with one row a {definition.nouns[0]}.")
    if several_files and len(others) > 1:
        raise UploadError(f"“{others[0]['name']}” and “{others[1]['name']}” both look like the main file (one row a "
                          f"{definition.nouns[0]}). Upload one main file, with the files of its members.")
    by_block = {}
    for part in members:
        if part["block"] in by_block:
            raise UploadError(f"“{by_block[part['block']]}” and “{part['name']}” both hold the same members. Put "
                              "them in one sheet or file and upload again.")
        by_block[part["block"]] = part["name"]
    main = max(others, key=lambda part: part["matches"])  # of a workbook's other sheets, the one most like records
    return [{key: value for key, value in part.items() if key != "matches"} for part in (main, *members)]


def _is_member_target(definition, target):
    question = definition.questions.get(target.variable) or definition.variables.get(target.variable)
    return question is not None and bool(question.repeat)


def member_variable(definition, block, variable, index):
    """The variable of member `index` that `variable` (the block's first member's) is:
    the same question of the block, by its place (person 2's age -> person 5's)."""
    first = definition.repeats[block].indices[0]
    ours, theirs = _member_variables(definition, block, first), _member_variables(definition, block, index)
    return theirs[ours.index(variable)]


def _member_variables(definition, block, index):
    """A member's questions and variables in form order (each index's the same shape)."""
    found = []
    for question in definition.questions.values():
        if question.repeat == block and question.index == index:
            found += [name for name in (question.id, *question.variables) if name not in found]
    return found


# --- Reading the parts as one ---------------------------------------------------------------


def open_kept(upload):
    """The file an upload keeps: one (files.open_upload), or its parts joined."""
    if upload.parts:
        return JoinedUpload(upload)
    return open_upload(upload.path, upload.filename)


def split_cell(cell):
    """(part, slot, column) of a joined column index: part 0 is the main part."""
    part, rest = divmod(cell, PART)
    return (part, *divmod(rest, SLOT)) if part else (0, 0, cell)


class JoinedUpload:
    """The parts of an upload read as one file of records (see the module's docstring).
    The reference columns are those of the upload's confirmed column mapping: before it
    exists, the main part's rows are read without members."""

    layout = "headers"  # parts are the provider's own columns: the official template is one file

    def __init__(self, upload):
        from cldc.platform import registry

        self.upload = upload
        self.definition = registry.get(upload.collection).definition(upload.record_type, upload.version)
        self.parts, self.files = upload.parts, []
        try:
            for part in self.parts:
                self.files.append(open_upload(part["path"], part["filename"], sheet=part["sheet"]))
        except BaseException:
            self.close()
            raise
        main = self.files[0]
        self.filename, self.kind, self.sheet = upload.filename, main.kind, main.sheet
        self.notes = [note for file in self.files for note in file.notes]
        self.columns = dict(main.columns)
        for p, file in enumerate(self.files[1:], start=1):
            self.columns.update({p * PART + c: header for c, header in file.columns.items()})
        self.blocks = [None] + [self.definition.repeats[part["block"]] for part in self.parts[1:]]
        self._reference_cells = {}  # part -> {variable: column}
        self.member_rows = {}  # main row number -> {cell's (part, slot): the member's row number}
        self.unjoined = []     # (part, row number, message, rule): member rows that are no record's

    # --- columns ---

    def reference_cells(self, part):
        """The columns of a part that hold the record's reference, by variable (from the
        confirmed mapping)."""
        if part not in self._reference_cells:
            self._reference_cells[part] = self._find_reference_cells(part)
        return self._reference_cells[part]

    def _find_reference_cells(self, part):
        found = {}
        for key, target in (self.upload.columns or {}).items():
            target = parse_target(target)
            p, _, column = split_cell(int(key))
            if target is not None and p == part and target.variable in self.definition.reference_key:
                found[target.variable] = column
        return found if set(found) == set(self.definition.reference_key) else {}  # half a reference joins nothing

    def expanded(self, columns):
        """A mapping of the parts' columns ({cell: Target}) as the joined rows hold them:
        each member column once a member, its question that member's. The reference
        columns of member parts only join."""
        expanded = {}
        for cell, target in columns.items():
            part, _, column = split_cell(cell)
            if part == 0 or target is None:
                expanded[cell] = target
                continue
            if target.variable in self.definition.reference_key:
                continue
            block = self.blocks[part]
            for slot, index in enumerate(block.indices):
                variable = member_variable(self.definition, block.name, target.variable, index)
                expanded[part * PART + slot * SLOT + column] = automap.Target(variable, target.part)
        return expanded

    def base_cell(self, cell):
        """The column of the parts that a joined column is (a member's cell: its part's column)."""
        part, _, column = split_cell(cell)
        return part * PART + column if part else cell

    def expanded_values(self, value_map):
        """Value corrections ({variable: {value: code}}) confirmed for the block's first
        member's questions, for every member's."""
        expanded = {variable: dict(values) for variable, values in value_map.items()}
        for block in {block.name: block for block in self.blocks if block is not None}.values():
            for variable, values in value_map.items():
                if variable in _member_variables(self.definition, block.name, block.indices[0]):
                    for index in block.indices[1:]:
                        other = member_variable(self.definition, block.name, variable, index)
                        expanded[other] = {**values, **expanded.get(other, {})}
        return expanded

    def column_name(self, cell):
        """A column as the person's files name it: its heading, with its sheet's or file's name."""
        part, _, column = split_cell(cell)
        header = self.files[part].columns.get(column, f"Column {column + 1}")
        return f"{self.parts[part]['name']}: {header}" if part else header

    def place(self, number, cell):
        """(sheet or file, row number, column index, heading) of a cell of joined row
        `number`: a member's cell is in its own row."""
        part, slot, column = split_cell(cell)
        row = self.member_rows.get(number, {}).get((part, slot), number) if part else number
        return self.parts[part]["name"], row, column, self.files[part].columns.get(column, "")

    # --- rows ---

    def join_key(self, part, values, cells):
        """A row's reference as compared across parts: each reference cell's text, a date
        read as a date (so 05/04/2026 and 2026-04-05 agree); None when it has none."""
        key = []
        for variable, column in sorted(cells.items()):
            text = (values.get(column) or "").strip()
            question = self.definition.variables.get(variable)
            if text and question is not None and question.type == "date":
                text = read_date(text, question)[0] or text
            key.append(value_key(text))
        return tuple(key) if any(key) else None

    def rows(self):
        """(main row number, {cell: text}) for each row of the main part, with its members'
        cells; then self.unjoined holds the member rows no main row took. The members are
        held in memory, their matched cells only, and the row limit is the parts' together."""
        main_cells = self.reference_cells(0)
        self.rows_read = 0
        members = [None] + [self._members_by_record(p) for p in range(1, len(self.files))]
        self.member_rows, self.unjoined = {}, []
        taken = set()
        for number, values in self.files[0].rows():
            self._count_row()
            key = self.join_key(0, values, main_cells) if main_cells else None
            joined, places = dict(values), {}
            if key is not None and key not in taken:
                taken.add(key)
                for p in range(1, len(self.files)):
                    self._add_members(p, members[p].get(key, []), joined, places)
            self.member_rows[number] = places
            yield number, joined
        for p in range(1, len(self.files)):
            for key, rows in members[p].items():
                if key not in taken:
                    message = self._no_record_message(p, key)
                    self.unjoined += [(p, row, message, MEMBER_WITHOUT_RECORD) for row, _ in rows]
        self.unjoined.sort()

    def _members_by_record(self, part):
        """{reference key: [(row number, matched cells)]} of a member part, in row order;
        every row under NO_REFERENCE_COLUMN when no column of the part is matched to the
        reference (before the columns are matched: {})."""
        cells, found = self.reference_cells(part), {}
        if not self.upload.columns:
            return found
        matched = {split_cell(int(key))[2] for key, target in self.upload.columns.items()
                   if target and split_cell(int(key))[0] == part}
        for number, values in self.files[part].rows():
            self._count_row()
            key = self.join_key(part, values, cells) if cells else NO_REFERENCE_COLUMN
            found.setdefault(key, []).append(
                (number, {column: text for column, text in values.items() if column in matched}))
        return found

    def _count_row(self):
        """The row limit holds for the parts together: one upload's rows, however split."""
        self.rows_read += 1
        most = self.files[0].max_rows
        if self.rows_read > most:
            raise UploadError(f"Your files have more than {most:,} rows together. Split them into uploads of at "
                              f"most {most:,} rows and upload each one.")

    def _add_members(self, part, rows, joined, places):
        block, skip = self.blocks[part], set(self.reference_cells(part).values())
        for slot, (number, values) in enumerate(rows):
            if slot >= len(block.indices):
                most = len(block.indices)
                self.unjoined.append((part, number, f"A {self.definition.nouns[0]} can have at most {most} of these "
                                      f"(“{self.parts[part]['name']}”): this row is number {slot + 1} of its "
                                      f"{self.definition.nouns[0]}. Remove it, or join it with another.",
                                      TOO_MANY_MEMBERS))
                continue
            places[(part, slot)] = number
            joined.update({part * PART + slot * SLOT + column: text for column, text in values.items()
                           if column not in skip})

    def _no_record_message(self, part, key):
        noun = self.definition.nouns[0]
        names = " and ".join(f"“{question_label(self.definition, name)}”" for name in self.definition.reference_key)
        if key is None:
            return f"This row has no {names}, so it belongs to no {noun}. Fill it in."
        for unmatched in (part, 0) if key is NO_REFERENCE_COLUMN or not self.reference_cells(0) else ():
            if not self.reference_cells(unmatched):
                return (f"No column of “{self.parts[unmatched]['name']}” is matched to {names}, so this row "
                        f"belongs to no {noun}. Match that column to it.")
        return (f"No row of “{self.parts[0]['name']}” has this row’s {names}, so it belongs to no {noun}. Check "
                f"the reference, or add the {noun}.")

    def count_rows(self):
        """The main part's rows and the member rows no record takes (each is an error).
        Before the columns are matched, the member parts are read too, for the row limit."""
        count = sum(1 for _ in self.rows())
        for part in range(1, len(self.files)) if not self.upload.columns else ():
            for _ in self.files[part].rows():
                self._count_row()
        return count + len(self.unjoined)

    def close(self):
        for file in self.files:
            file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
