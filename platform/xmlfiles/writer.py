"""Records out as the XML layout's files (one, or a data file and a personal-data
file), zipped: `write_zip(records, layout, path)` for any set of records (a queryset:
a year, a return's records), and the platform export format `xml` for runs and
downloads. Records are read in batches, in id order, and written as they come."""

import tempfile
import zipfile
from xml.sax.saxutils import escape

from cldc.platform.exports.formats import export_format
from cldc.platform.records.models import Record
from cldc.platform.xmlfiles.layout import INDEX_ATTRIBUTE, Repeat, xml_layout

BATCH = 2_000


def organisation_code(organisation):
    """How a file names an organisation: its ONS code, else its regulator number, else
    ORG<id> (Organisation.objects.by_reference reads each back)."""
    if organisation is None:
        return ""
    return organisation.ons_code or organisation.regulator_number or f"ORG{organisation.pk}"


def file_name(layout, xml_file):
    return f"{layout.collection}_{layout.record_type}_{layout.version}_{xml_file.id}.xml"


def write_zip(records, layout, path, personal=True):
    """Write the records (a queryset, or Records as they come) as the layout's files in
    one zip at `path`; without `personal`, the personal-data file is left out. Returns
    how many records it wrote."""
    if hasattr(records, "iterator"):
        records = records.select_related("owning_organisation").order_by("pk").iterator(chunk_size=BATCH)
    files = [f for f in layout.files if personal or not f.personal]
    count = 0
    with tempfile.TemporaryDirectory() as folder:
        handles = {f.id: open(f"{folder}/{f.id}.xml", "w", encoding="utf-8") for f in files}
        try:
            for f in files:
                handles[f.id].write(f'<?xml version="1.0" encoding="UTF-8"?>\n<{f.root}>\n')
            for record in records:
                count += 1
                for f in files:
                    handles[f.id].write(record_xml(layout, f, record.answers,
                                                   organisation_code(record.owning_organisation)))
            for f in files:
                handles[f.id].write(f"</{f.root}>\n")
        finally:
            for handle in handles.values():
                handle.close()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for f in files:
                archive.write(f"{folder}/{f.id}.xml", file_name(layout, f))
    return count


def record_xml(layout, xml_file, answers, organisation, previous=None):
    """One record's element in one file, as text; `previous`: the reference it had before
    its organisation changed system, for a file to import (the data file only)."""
    lines = [f"  <{xml_file.record}>", f"    <{layout.organisation}>{escape(organisation)}</{layout.organisation}>"]
    if previous and layout.previous_reference is not None and not xml_file.personal:
        lines.append(f"    <{layout.previous_reference.name}>{escape(previous)}</{layout.previous_reference.name}>")
    for part in layout.parts_of(xml_file):
        if isinstance(part, Repeat):
            for n in part.indices:
                inner = [line for e in part.elements if (line := _element(e, answers, n, "      "))]
                if inner:
                    lines += [f'    <{part.name} {INDEX_ATTRIBUTE}="{n}">', *inner, f"    </{part.name}>"]
        elif line := _element(part, answers, None, "    "):
            lines.append(line)
    lines.append(f"  </{xml_file.record}>")
    return "\n".join(lines) + "\n"


def _element(element, answers, n, pad):
    if element.item:  # a tick-box question: its ticked options, when any option is answered
        values = {name: answers.get(name) for name in element.variables_at(n)}
        if all(value is None for value in values.values()):
            return ""
        items = "".join(f"<{element.item}>{escape(str(name))}</{element.item}>"
                        for name, value in values.items() if value == 1)
        return f"{pad}<{element.name}>{items}</{element.name}>"
    value = answers.get(element.variable_at(n))
    if value is None or value == "":
        return ""
    return f"{pad}<{element.name}>{escape(str(value))}</{element.name}>"


@export_format("xml", extension="zip", given_run=True)
def write_xml(selection, rows, path, run):
    """The platform's export runs and downloads as the package's XML files: the run's
    records (the rows' ids) in the layout of their record type and version. A role that
    does not get the export layout's personal columns does not get the personal file."""
    chosen = selection.layout
    layout = xml_layout(chosen.collection, chosen.record_type, chosen.version)
    at = next((i for i, column in enumerate(selection.columns) if column.record == "id"), None)
    if at is None:
        raise ValueError(f"The {chosen.title} export layout has no record id column, which the xml format needs")
    personal = len(selection.columns) == len(chosen.columns)
    write_zip(_records_of(row[at] for row in rows), layout, path, personal=personal)
    return f"{run.pk}-{chosen.collection}-{chosen.record_type}-{chosen.version}-xml.zip"


def _records_of(ids):
    """The records of a stream of ids, read BATCH at a time, in the same order."""
    batch = []
    for pk in ids:
        batch.append(pk)
        if len(batch) == BATCH:
            yield from Record.objects.select_related("owning_organisation").filter(pk__in=batch).order_by("pk")
            batch = []
    if batch:
        yield from Record.objects.select_related("owning_organisation").filter(pk__in=batch).order_by("pk")
