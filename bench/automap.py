"""Column-mapping accuracy on the alpha's contrived set, mapped onto CORE lettings 2026/27.

The alpha matched 84 provider-style headers by hand to 86 older CORE field labels
(collections/core/reference/hand_matched_contrived_pairs.csv). Each older label is
mapped by hand to the 2026 variable it means, or to none with a reason
(alpha_targets_2026.csv). This script maps the 84 headers as one file's header row
with cldc.platform.uploads.automap and prints how often it agrees. It prints; it
never asserts.

    .venv/bin/python bench/automap.py                        # figures and misses
    .venv/bin/python bench/automap.py --all                  # every header
    .venv/bin/python bench/automap.py --synonyms not-literal # without any synonym that is a header of the set
    .venv/bin/python bench/automap.py --synonyms none        # the definition's own wording only
"""

import argparse
import csv
import os
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "collections" / "core" / "reference"


def setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cldc.platform.settings")
    django.setup()


def _key(label):
    return " ".join(label.split()).lower()


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
    parser.add_argument("--synonyms", choices=["all", "not-literal", "none"], default="all",
                        help="the package's variable synonyms: all; all but those that are (after normalising) "
                             "a header of the set; or none (the people words and abbreviations stay)")
    args = parser.parse_args()
    setup()
    from cldc.platform import registry
    from cldc.platform.uploads.automap import load_synonyms, suggest

    definition = registry.get("core").definition("lettings", 2026)
    pairs = cases()
    headers = [header for header, _, _ in pairs]
    synonyms, dropped = chosen_synonyms(load_synonyms(definition), headers, args.synonyms)
    suggest(definition, headers[:2])  # warm-up: definition and synonym caches
    started = time.perf_counter()
    mappings = suggest(definition, headers, synonyms)
    elapsed = time.perf_counter() - started

    rows = []
    for (header, expected, old), mapping in zip(pairs, mappings):
        correct = mapping.target == expected if mapping.band != "unmapped" else expected is None
        in_top3 = expected is not None and expected in [s.target for s in mapping.suggestions]
        rows.append((header, expected, old, mapping, correct, in_top3))

    def share(part, whole):
        return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else "0/0"

    confident = [r for r in rows if r[3].band == "confident"]
    doubtful = [r for r in rows if r[3].band == "doubtful"]
    unmapped = [r for r in rows if r[3].band == "unmapped"]
    doubtful_meant = [r for r in doubtful if r[1] is not None]
    print(f"CORE lettings 2026/27, {len(definition.questions)} questions; {len(rows)} headers of the alpha's contrived set "
          f"({sum(1 for r in rows if r[1] is None)} mean a field 2026 does not have)")
    print(f"synonyms: {args.synonyms} ({sum(len(v) for v in synonyms.get('variables', {}).values())} used"
          f"{f', {dropped} left out' if dropped else ''}); mapped in {elapsed * 1000:.0f} ms")
    print()
    print(f"correct overall:                       {share(sum(r[4] for r in rows), len(rows))}")
    print(f"confident (applied):                   {share(len(confident), len(rows))}")
    print(f"  of which wrong:                      {share(sum(not r[4] for r in confident), len(confident))}")
    print(f"doubtful (shown with 3 suggestions):   {share(len(doubtful), len(rows))}")
    print(f"  chosen target right:                 {share(sum(r[4] for r in doubtful), len(doubtful))}")
    meaningless = len(doubtful) - len(doubtful_meant)
    print(f"  right target among the 3 suggestions: {share(sum(r[5] for r in doubtful_meant), len(doubtful_meant))}"
          f"{f' ({meaningless} doubtful mean nothing in 2026)' if meaningless else ''}")
    print(f"unmapped:                              {share(len(unmapped), len(rows))}"
          f" ({sum(1 for r in unmapped if r[1] is None)} of them rightly: no 2026 field)")
    print()
    shown = rows if args.all else [r for r in rows if not r[4]]
    print("every header:" if args.all else f"misses ({len(shown)}):")
    for header, expected, old, mapping, correct, _ in shown:
        suggestions = ", ".join(f"{s.target} {s.score}" for s in mapping.suggestions)
        print(f"  {'ok  ' if correct else 'MISS'} {header!r} -> {mapping.target} [{mapping.band} {mapping.score}]; "
              f"meant {expected} (old label {old!r}); suggestions: {suggestions}")


if __name__ == "__main__":
    main()
