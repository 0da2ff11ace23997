"""Reading an organisation's XML files: parsed safely (defusedxml: no DTD, so no entity
expansion and no external entities), checked against the package's XSD, and turned
into each record's answers by the layout. Every refusal names the file, the record
(by its reference) and the element."""

import codecs
import re
from dataclasses import dataclass, field
from io import BytesIO
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeTree
from defusedxml.common import DefusedXmlException

from cldc.platform import registry
from cldc.platform.xmlfiles.layout import INDEX_ATTRIBUTE, Repeat
from cldc.platform.xmlfiles.xsd import schema


@dataclass
class Problem:
    """Why a file or a record cannot be imported, where it is, and what to do."""

    message: str
    file: str = ""  # the file's title
    reference: str = ""  # the record's reference, as the file writes it
    element: str = ""  # its path: Case/Person[@n='2']/Age
    field: str = ""  # the variable
    label: str = ""  # its question's label
    rule: str = ""

    def as_dict(self):
        return {key: value for key, value in vars(self).items()}


class Refused(Exception):
    """A file refused whole: nothing is imported."""

    def __init__(self, problems):
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("; ".join(p.message for p in self.problems))


@dataclass
class FileRecord:
    """One record's element in one file: what it says."""

    position: int
    organisation: str
    reference: dict  # {variable: text}
    previous: str | None
    answers: dict = field(default_factory=dict)  # {variable: text, "1"/"0" for a tick box, None when absent}

    @property
    def reference_text(self):
        return ", ".join(str(value) for value in self.reference.values() if value)


CHECKED_TOGETHER = 1000  # records checked against the XSD at a time, then released: a file is never held whole


def read(layout, xml_file, data):
    """The records of one file (bytes), in order; Refused when it is not safe XML, not
    this file, or breaks the XSD. The file is read as a stream: its records are checked
    against the XSD a thousand at a time, each turned into a FileRecord and released
    (a large organisation's quarter is tens of megabytes, hundreds as a parsed tree)."""
    checker, problems, records = schema(layout, xml_file), [], []
    questions = _questions(layout, xml_file)
    noun = registry.get(layout.collection).definition(layout.record_type, layout.version).nouns[0]
    _check_encoding(xml_file, data)

    def check(chunk):
        part = list(chunk)
        problems.extend(_schema_problem(layout, xml_file, chunk, part, questions, error, noun, offset=len(records))
                        for error in checker.iter_errors(chunk))
        if not problems:  # once one is found, only the XSD's findings are wanted
            records.extend(_record(layout, xml_file, len(records) + 1, element) for element in part)
        else:
            records.extend([None] * len(part))

    root, depth, chunk = None, 0, None
    try:
        for event, element in SafeTree.iterparse(BytesIO(data), events=("start", "end"), forbid_dtd=True,
                                                 forbid_entities=True, forbid_external=True):
            if event == "start":
                depth += 1
                if root is None:
                    root = element
                    if root.tag != xml_file.root:
                        raise Refused(Problem(
                            f"The {xml_file.title.lower()} file must start with <{xml_file.root}>; this one starts "
                            f"with <{root.tag}>. Check you chose the right file.", xml_file.title,
                            element=root.tag, rule="xml_wrong_file"))
                    attributes = dict(root.attrib)  # root.clear() below clears them too
                    chunk = Element(root.tag, attributes)
                continue
            depth -= 1
            if depth == 1:  # a record (or whatever else the root holds: the XSD says if it may)
                chunk.append(element)
                if len(chunk) == CHECKED_TOGETHER:
                    check(chunk)
                    chunk = Element(root.tag, attributes)
                    root.clear()
    except DefusedXmlException:
        raise Refused(Problem(f"The {xml_file.title.lower()} file declares a DTD or entities. We do not read them: "
                              "they can expand without limit or read other files. Send the file without its "
                              "<!DOCTYPE> declaration.", xml_file.title, rule="xml_unsafe")) from None
    except ParseError as error:
        line, column = error.position
        raise Refused(Problem(f"The {xml_file.title.lower()} file is not well-formed XML: line {line}, column "
                              f"{column + 1} ({_reason(error)}).", xml_file.title, rule="xml_not_well_formed")) from None
    if len(chunk) or not records:
        check(chunk)
    if problems:
        raise Refused(problems)
    return records


DECLARED_ENCODING = re.compile(rb"""\A(?:\xef\xbb\xbf)?<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
UTF_16_MARKS = (b"\xff\xfe", b"\xfe\xff")  # a UTF-16 file with its byte order mark: the parser reads it
DECODED_AT_A_TIME = 1024 * 1024


def _check_encoding(xml_file, data):
    """Refused unless the bytes are in the encoding the file says (UTF-8 when it says none,
    as XML reads it). The usual mistake: a file saved as Windows-1252 ("ANSI") that says,
    or is read as, UTF-8; the parser would only say "not well-formed (invalid token)"."""
    if data[:2] in UTF_16_MARKS:
        return
    declared = DECLARED_ENCODING.match(data[:500])
    name = declared.group(1).decode("ascii") if declared else "UTF-8"
    title = xml_file.title.lower()
    fix = ("Save the file as UTF-8 (in most editors: Save as, then Encoding: UTF-8), or ask the supplier "
           "of the system that wrote it to export it as UTF-8, then upload it again.")
    try:
        codec = codecs.lookup(name)
    except LookupError:
        raise Refused(Problem(f"The {title} file says its encoding is “{name[:40]}”, which we cannot read. {fix}",
                              xml_file.title, rule="xml_encoding")) from None
    if codec.name != "utf-8":
        return  # another encoding, declared: the parser reads it as declared
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for start in range(0, len(data), DECODED_AT_A_TIME):  # never the whole file as text at once
        try:
            decoder.decode(view[start:start + DECODED_AT_A_TIME], final=start + DECODED_AT_A_TIME >= len(data))
        except UnicodeDecodeError as error:
            at = start + error.start
            line = data.count(b"\n", 0, at) + 1
            column = at - (data.rfind(b"\n", 0, at) + 1) + 1
            byte = data[at:at + 1]
            guess = byte.decode("cp1252", errors="replace")
            says = "says it is UTF-8 but is not" if declared else "is not UTF-8, the encoding XML files are read in"
            raise Refused(Problem(
                f"The {title} file {says}: line {line}, column {column} has a character that is not UTF-8 "
                f"(byte {byte.hex().upper()}, “{guess}” if the file was saved as Windows-1252). {fix}",
                xml_file.title, element=f"line {line}", rule="xml_encoding")) from None


def _reason(error):
    return re.sub(r": line \d+, column \d+$", "", str(error))


def _record(layout, xml_file, position, element):
    organisation = (element.findtext(layout.organisation) or "").strip()
    reference = {e.variable: (element.findtext(e.name) or "").strip() for e in layout.reference_elements}
    previous = None
    if layout.previous_reference is not None and not xml_file.personal:
        previous = (element.findtext(layout.previous_reference.name) or "").strip() or None
    answers = {}
    for part in layout.parts_of(xml_file):
        if isinstance(part, Repeat):
            blocks = {block.get(INDEX_ATTRIBUTE): block for block in element.findall(part.name)}
            for n in part.indices:
                block = blocks.get(str(n))
                for inner in part.elements:
                    answers.update(_values(inner, block, n))
        else:
            answers.update(_values(part, element, None))
    return FileRecord(position, organisation, reference, previous, answers)


def _values(element, parent, n):
    """{variable: text} of one element under `parent` (None: absent, every variable blank)."""
    found = None if parent is None else parent.find(element.name)
    if element.item:  # a tick-box question: the options listed are ticked, the others offered not
        if found is None:
            return dict.fromkeys(element.variables_at(n))
        ticked = {(item.text or "").strip() for item in found.findall(element.item)}
        retired = {code for code, _ in element.question.retired_options}
        return {name: "1" if name in ticked else None if name in retired else "0" for name in element.variables_at(n)}
    return {element.variable_at(n): None if found is None else (found.text or "").strip() or None}


def _schema_problem(layout, xml_file, root, records, questions, error, noun, offset=0):
    """An XSD error in plain words (schema_messages.py): the record by its reference, the
    element, what is wrong and what it must be. `root`: the file's root holding
    `records`, the record elements checked together, the first of them the file's record
    `offset` + 1; `questions`: _questions()."""
    from cldc.platform.xmlfiles import schema_messages  # xmlschema is loaded when a file is checked, as xsd.schema

    path = error.path or ""
    match = re.match(rf"/{re.escape(root.tag)}/{re.escape(xml_file.record)}(?:\[(\d+)\])?(/.*)?$", path)
    reference, record = "", None
    if match:
        index = int(match.group(1) or 1) - 1
        if 0 <= index < len(records):
            record = records[index]
            reference = ", ".join(text for text in ((record.findtext(e.name) or "").strip()
                                                    for e in layout.reference_elements) if text)
            reference = reference or f"number {offset + index + 1} in the file"
    inside = (match.group(2) or "") if match else ""  # "/Person[2]/Age"
    if match:
        element = xml_file.record + re.sub(r"\[\d+\]", "", inside)
    else:
        element = re.sub(rf"^/{re.escape(root.tag)}/?", "", re.sub(r"\[\d+\]", "", path)) or root.tag
    shown, n = _shown(inside, record)
    label = ""
    if schema_messages.about_children(error):
        named, message = schema_messages.children(error)
        if named:
            element = f"{element}/{named}" if match else named
    elif element in _repeats(xml_file, layout) and "duplicated value" in str(error.reason):
        # the XSD's xs:unique: each index of a repeat block once (xmlschema says it only in its reason)
        name = error.elem.tag
        message = f"two <{name}> elements have the same {INDEX_ATTRIBUTE}. Give each {name.lower()} once"
        shown = ""
    else:
        question = None
        if element in questions and error.elem is not None and len(error.elem) == 0:
            question = _question_at(questions[element], n)
            label = question.label or question.text or question.id
        message = schema_messages.explain(error, question)
    where = f"{noun.capitalize()} {_short(reference)}" if reference else f"The {xml_file.title.lower()} file"
    at = f", element {shown}" if shown else ""
    about = f" ({label})" if label else ""
    return Problem(f"{where}{at}{about}: {message}.", xml_file.title, reference, element, label=label,
                   rule="xml_schema")


def _short(text, most=60):
    return text if len(text) <= most else text[:most] + "…"


def _shown(inside, record):
    """(the element as the file writes it: <Person n="2"><Age>, the repeat block's index
    or None) of a path inside a record ("/Person[2]/Age")."""
    shown, n, parent = [], None, record
    for step in filter(None, inside.split("/")):
        name, position = re.fullmatch(r"([^\[]+)(?:\[(\d+)\])?", step).groups()
        found = parent.findall(name) if parent is not None else []
        at = found[int(position or 1) - 1] if len(found) >= int(position or 1) else None
        index = at.get(INDEX_ATTRIBUTE) if at is not None else None
        if index is not None and index.strip().isdigit():
            n = int(index)
            shown.append(f'<{name} {INDEX_ATTRIBUTE}="{index.strip()}">')
        else:
            shown.append(f"<{name}>")
        parent = at
    return "".join(shown), n


def _repeats(xml_file, layout):
    return {f"{xml_file.record}/{part.name}" for part in layout.parts_of(xml_file) if isinstance(part, Repeat)}


def _questions(layout, xml_file):
    """{element path: (Element, its Repeat or None)}: what each simple element of a record holds."""
    found = {}
    for part in layout.parts_of(xml_file):
        inside = [(f"{part.name}/", e) for e in part.elements] if isinstance(part, Repeat) else [("", part)]
        for prefix, element in inside:
            path = f"{xml_file.record}/{prefix}{element.name}" + (f"/{element.item}" if element.item else "")
            found[path] = (element, part if isinstance(part, Repeat) else None)
    return found


def _question_at(held, n):
    """The question of an element (_questions' entry): a repeat block's at its index n."""
    element, repeat = held
    if repeat is not None and n is not None:
        return repeat.question_at.get((element.variable, n), element.question)
    return element.question
