"""Run a package's rule cases (cldc.platform.rules.cases): every firing case and near
miss through the rule pack, then the check that every rule that runs has both."""

from cldc.platform import registry
from cldc.platform.rules.cases import failure, lacking_cases, load_cases

HELP = "Run a package's rule cases (rule_cases/*.yaml): one line per failing case, then coverage."


def add_arguments(parser):
    parser.add_argument("--collection", required=True)
    parser.add_argument("--record-type", help="only the cases of this record type")
    parser.add_argument("--version", type=int, help="only the cases of this version, e.g. 2026 for 2026/27")


def run(options, out):
    collection = registry.get(options["collection"])
    record_type, version = options.get("record_type"), options.get("version")
    if record_type and record_type not in collection.record_types:
        raise LookupError(f"{collection.name} has no record type {record_type!r}; "
                          f"it has {', '.join(collection.record_types)}")
    cases = [case for case in load_cases(collection)
             if record_type in (None, case.record_type) and version in (None, case.version)]
    failed = 0
    for case in cases:
        problem = failure(collection, case)
        if problem:
            failed += 1
            out.write(f"{case.rule_id}: {case.name}: {problem}")
    lacking = []
    for rt in [record_type] if record_type else collection.record_types:
        # the versions its cases name; with none, the one asked for or the latest
        versions = sorted({c.version for c in cases if c.record_type == rt}) or [version or collection.versions(rt)[-1]]
        lacking += [f"{rt} {v}: {', '.join(families)}" for v in versions
                    if (families := lacking_cases(collection, cases, rt, v))]
    coverage = ("every running rule has a firing case and a near miss" if not lacking
                else "rules that run without a firing case and a near miss: " + "; ".join(lacking))
    out.write(f"{len(cases)} cases, {failed} failed; coverage: {coverage}")
    if failed or lacking:
        raise ValueError(f"{failed} cases failed" + (", and some running rules have no cases" if lacking else ""))
