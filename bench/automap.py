"""Column-mapping accuracy on CORE lettings 2026/27: on the alpha's contrived set, and
on a labelled set of provider headings in housing systems' house styles.

The alpha matched 84 provider-style headers by hand to 86 older CORE field labels
(collections/core/reference/hand_matched_contrived_pairs.csv). Each older label is
mapped by hand to the 2026 variable it means, or to none with a reason
(alpha_targets_2026.csv). This script maps the 84 headers as one file's header row
with cldc.platform.uploads.automap and prints how often it agrees. It prints; it
never asserts.

The provider set (bench/data/provider_headings.csv, 183 headings) is five files'
header rows as housing systems export them: CAPS_WITH_UNDERSCORES, Title Case from
an allocations system, snake_case, a numbered paper form's questions, and a
management system's abbreviations; a few columns CORE does not collect (contact
details, names) are labelled with no variable. Each row has a few of the column's
values, used as evidence unless --no-values. It was written from how those systems
name their exports, apart from the package's synonyms and the tests' headings, so
the figure is not one the synonyms were tuned to.

    .venv/bin/python bench/automap.py                        # figures and misses
    .venv/bin/python bench/automap.py --all                  # every header
    .venv/bin/python bench/automap.py --synonyms not-literal # without any synonym that is a header of the set
    .venv/bin/python bench/automap.py --synonyms none        # the definition's own wording only
    .venv/bin/python bench/automap.py --set provider         # only the provider set (alpha, provider, both)
    .venv/bin/python bench/automap.py --no-values            # headings only, no values as evidence
"""

import argparse
import csv
import os
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "collections" / "core" / "reference"
PROVIDER_HEADINGS = ROOT / "bench" / "data" / "provider_headings.csv"


def setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cldc.platform.settings")
    django.setup()


def _key(label):
    return " ".join(label.split()).lower()


def provider_files():
    """{system: [(heading, expected Target or None, values)]}: each system's header row is one file."""
    from cldc.platform.uploads.automap import Target

    files = {}
    with open(PROVIDER_HEADINGS, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            expected = Target(row["variable"], row["part"] or None) if row["variable"] else None
            values = [v for v in row["values"].split("|") if v]
            files.setdefault(row["system"], []).append((row["heading"], expected, values))
    return files


def cases():
    """(provider header, expected Target or None, the older label) for each pair with a header."""
    from cldc.platform.uploads.automap import Target

    with open(REFERENCE / "alpha_targets_2026.csv", encoding="utf-8") as handle:
        targets = {_key(row["core_field"]): row for row in csv.DictReader(handle)}
    found = []
    with open(REFERENCE / "hand_matched_contrived_pairs.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not row["provider_header"].strip():
                continue
            meant = targets[_key(row["core_field"])]
            expected = None if meant["variable"] == "none" else Target(meant["variable"], meant["part"] or None)
            found.append((row["provider_header"], expected, row["core_field"]))
    return found


def chosen_synonyms(synonyms, headers, which):
    """The synonyms to use, and how many were left out."""
    from cldc.platform.uploads.automap import Vocabulary, _people

    if which == "all":
        return synonyms, 0
    variables = synonyms.get("variables") or {}
    total = sum(len(values) for values in variables.values())
    if which == "none":
        return {**synonyms, "variables": {}}, total
    vocabulary = Vocabulary(synonyms)

    def bare(text):
        return tuple(_people(vocabulary.words(text), vocabulary)[0])

    in_set = {bare(header) for header in headers}
    kept = {key: [s for s in values if bare(s) not in in_set] for key, values in variables.items()}
    return {**synonyms, "variables": kept}, total - sum(len(values) for values in kept.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="print every header, not only the misses")
    parser.add_argument("--set", choices=["alpha", "provider", "both"], default="both", help="which labelled set")
    parser.add_argument("--no-values", action="store_true", help="the provider set's headings only, no values")
    parser.add_argument("--synonyms", choices=["all", "not-literal", "none"], default="all",
                        help="the package's variable synonyms: all; all but those that are (after normalising) "
                             "a header of the set; or none (the people words and abbreviations stay)")
    args = parser.parse_args()
    setup()
    from cldc.platform import registry
    from cldc.platform.uploads.automap import load_synonyms, suggest

    definition = registry.get("core").definition("lettings", 2026)
    print(f"CORE lettings 2026/27, {len(definition.questions)} questions")
    if args.set in ("alpha", "both"):
        pairs = cases()
        headers = [header for header, _, _ in pairs]
        synonyms, dropped = chosen_synonyms(load_synonyms(definition), headers, args.synonyms)
        suggest(definition, headers[:2])  # warm-up: definition and synonym caches
        started = time.perf_counter()
        mappings = suggest(definition, headers, synonyms)
        elapsed = time.perf_counter() - started
        print()
        print(f"The alpha's contrived set: {len(pairs)} headers "
              f"({sum(1 for p in pairs if p[1] is None)} mean a field 2026 does not have)")
        print(f"synonyms: {args.synonyms} ({sum(len(v) for v in synonyms.get('variables', {}).values())} used"
              f"{f', {dropped} left out' if dropped else ''}); mapped in {elapsed * 1000:.0f} ms")
        report([(header, expected, f"old label {old!r}", mapping)
                for (header, expected, old), mapping in zip(pairs, mappings)], args.all)
    if args.set in ("provider", "both"):
        files = provider_files()
        every = [header for rows in files.values() for header, _, _ in rows]
        synonyms, dropped = chosen_synonyms(load_synonyms(definition), every, args.synonyms)
        found, elapsed = [], 0.0
        for system, rows in files.items():
            values = None if args.no_values else [v for _, _, v in rows]
            started = time.perf_counter()
            mappings = suggest(definition, [h for h, _, _ in rows], synonyms, values=values)
            elapsed += time.perf_counter() - started
            found += [(header, expected, system, mapping) for (header, expected, _), mapping in zip(rows, mappings)]
        print()
        print(f"Provider headings (bench/data/provider_headings.csv): {len(found)} headings in {len(files)} files "
              f"({sum(1 for f in found if f[1] is None)} that CORE does not collect); "
              f"{'headings only' if args.no_values else 'values as evidence'}")
        print(f"synonyms: {args.synonyms}{f' ({dropped} left out)' if dropped else ''}; mapped in {elapsed * 1000:.0f} ms")
        report(found, args.all)


def report(found, show_all):
    """found: [(header, expected Target or None, where it is from, Mapping)]."""
    rows = []
    for header, expected, source, mapping in found:
        correct = mapping.target == expected if mapping.band != "unmapped" else expected is None
        in_top3 = expected is not None and expected in [s.target for s in mapping.suggestions]
        rows.append((header, expected, source, mapping, correct, in_top3))

    def share(part, whole):
        return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else "0/0"

    confident = [r for r in rows if r[3].band == "confident"]
    doubtful = [r for r in rows if r[3].band == "doubtful"]
    unmapped = [r for r in rows if r[3].band == "unmapped"]
    doubtful_meant = [r for r in doubtful if r[1] is not None]
    print(f"correct overall:                       {share(sum(r[4] for r in rows), len(rows))}")
    print(f"confident (applied):                   {share(len(confident), len(rows))}")
    print(f"  of which wrong:                      {share(sum(not r[4] for r in confident), len(confident))}")
    print(f"doubtful (shown with 3 suggestions):   {share(len(doubtful), len(rows))}")
    print(f"  chosen target right:                 {share(sum(r[4] for r in doubtful), len(doubtful))}")
    meaningless = len(doubtful) - len(doubtful_meant)
    print(f"  right target among the 3 suggestions: {share(sum(r[5] for r in doubtful_meant), len(doubtful_meant))}"
          f"{f' ({meaningless} doubtful mean nothing in 2026)' if meaningless else ''}")
    print(f"unmapped:                              {share(len(unmapped), len(rows))}"
          f" ({sum(1 for r in unmapped if r[1] is None)} of them rightly: nothing to match)")
    shown = rows if show_all else [r for r in rows if not r[4]]
    print("every header:" if show_all else f"misses ({len(shown)}):")
    for header, expected, source, mapping, correct, _ in shown:
        suggestions = ", ".join(f"{s.target} {s.score}" for s in mapping.suggestions)
        print(f"  {'ok  ' if correct else 'MISS'} {header!r} -> {mapping.target} [{mapping.band} {mapping.score}]; "
              f"meant {expected} ({source}); suggestions: {suggestions}")


if __name__ == "__main__":
    main()
