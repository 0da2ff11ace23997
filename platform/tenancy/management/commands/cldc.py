"""`python manage.py cldc <subcommand>`: the platform's own commands (modules in cldc/platform/cli/).

Each subcommand is a module with HELP, add_arguments(parser) and run(options, out).
Add one by listing its module in SUBCOMMANDS.
"""

import importlib

from django.core.management.base import BaseCommand, CommandError

SUBCOMMANDS = {
    "launch": "cldc.platform.cli.launch",
    "demo": "cldc.platform.cli.demo",
    "totp": "cldc.platform.cli.totp",
    "lint": "cldc.platform.cli.lint",
    "cases": "cldc.platform.cli.cases",
    "rules": "cldc.platform.cli.rules",
    "validate": "cldc.platform.cli.validate",
    "diff": "cldc.platform.cli.diff",
    "backtest": "cldc.platform.cli.backtest",
    "upload": "cldc.platform.cli.upload",
    "automap": "cldc.platform.cli.automap",
    "export": "cldc.platform.cli.export",
    "xsd": "cldc.platform.cli.xsd",
    "import-xml": "cldc.platform.cli.import_xml",
    "backup": "cldc.platform.cli.backup",
    "restore": "cldc.platform.cli.restore",
}


class Command(BaseCommand):
    help = "CLDC platform commands: " + ", ".join(SUBCOMMANDS)

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name, module_path in SUBCOMMANDS.items():
            module = importlib.import_module(module_path)
            sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
            module.add_arguments(sub)

    def handle(self, *args, subcommand, **options):
        module = importlib.import_module(SUBCOMMANDS[subcommand])
        try:
            module.run(options, self.stdout)
        except (ValueError, LookupError) as error:  # DefinitionError is a ValueError
            raise CommandError(str(error)) from error
