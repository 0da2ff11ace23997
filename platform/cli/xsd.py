"""Write the XSD of each file of a package's XML layout, from the definition and the
layout (cldc.platform.xmlfiles.xsd): run it after changing either; a test checks the
committed files are what it writes."""

from cldc.platform.cli._selection import add_selection_arguments

HELP = "Write the XSD of each XML file of a record type and version into its package; prints their paths."


def add_arguments(parser):
    add_selection_arguments(parser)


def run(options, out):
    from cldc.platform.xmlfiles.xsd import write_schemas

    for path in write_schemas(options["collection"], options["record_type"], options["version"]):
        out.write(f"{path}\n")
