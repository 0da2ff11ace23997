"""Reading an organisation's XML files: parsed safely (defusedxml: no DTD, so no entity
expansion and no external entities), checked against the package's XSD, and turned
into each record's answers by the layout. Every refusal names the file, the record
(by its reference) and the element."""

import re
from dataclasses import dataclass, field
from io import BytesIO
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeTree
from defusedxml.common import DefusedXmlException

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

    def check(chunk):
        part = list(chunk)
        problems.extend(_schema_problem(layout, xml_file, chunk, part, questions, error, offset=len(records))
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


def _schema_problem(layout, xml_file, root, records, questions, error, offset=0):
    """An XSD error in the service's words: the record by its reference, the element,
    and what the value must be. `root`: the file's root holding `records`, the record
    elements checked together, the first of them the file's record `offset` + 1;
    `questions`: _questions()."""
    path = error.path or ""
    match = re.match(rf"/{re.escape(root.tag)}/{re.escape(xml_file.record)}(?:\[(\d+)\])?", path)
    reference = ""
    if match:
        index = int(match.group(1) or 1) - 1
        if 0 <= index < len(records):
            reference = ", ".join((records[index].findtext(e.name) or "").strip()
                                  for e in layout.reference_elements) or f"record {offset + index + 1}"
    element = re.sub(rf"^/{re.escape(root.tag)}/", "", re.sub(r"\[\d+\]", "", path))
    if error.elem is not None and len(error.elem) == 0 and element in questions:
        question, label = questions[element]
        value = (error.elem.text or "").strip()
        message = f"{label}: “{value[:100]}” is not {expected(question)}."
    elif element in _repeats(xml_file, layout) and "duplicated value" in str(error.reason):
        # the XSD's xs:unique: each index of a repeat block once (xmlschema says it only in its reason)
        label, name = "", error.elem.tag
        message = f"two <{name}> elements have the same {INDEX_ATTRIBUTE}. Give each {name.lower()} once"
    else:
        label = ""
        message = f"{error.reason}" if error.reason else "This element does not match the file's XSD."
    where = f"Record {reference}: " if reference else ""
    return Problem(f"{where}{message} (element {element or root.tag})", xml_file.title, reference, element,
                   label=label, rule="xml_schema")


def _repeats(xml_file, layout):
    return {f"{xml_file.record}/{part.name}" for part in layout.parts_of(xml_file) if isinstance(part, Repeat)}


def _questions(layout, xml_file):
    """{element path: (question, label)}: what each simple element of a record holds."""
    found = {}
    for part in layout.parts_of(xml_file):
        inside = [(f"{part.name}/", e) for e in part.elements] if isinstance(part, Repeat) else [("", part)]
        for prefix, element in inside:
            path = f"{xml_file.record}/{prefix}{element.name}" + (f"/{element.item}" if element.item else "")
            question = element.question
            found[path] = (question, question.label or question.text or question.id)
    return found


def expected(question):
    """What a value must be, in words."""
    if question.type == "checkbox":
        return "one of the options: " + ", ".join(str(c) for c, _ in question.options + question.retired_options)
    if question.type in ("radio", "select") and (question.options or question.retired_options):
        return "one of its codes: " + ", ".join(str(c) for c, _ in question.options + question.retired_options)
    if question.type == "date":
        return "a date written as YYYY-MM-DD"
    if question.type == "numeric":
        whole = "a whole number" if str(question.step or "") in ("1", "1.0") else "a number"
        if question.min is not None and question.max is not None:
            return f"{whole} from {question.min} to {question.max}"
        return whole
    return "text of at most 1,000 characters"
