"""Value matching: how often a confident guess at what a provider's answer means is
right, and how many answers get one (cldc.platform.uploads.provider_rows.value_guess).

A confident guess is pre-selected on the "Match your answers to ours" page; any other
is only suggested, with "Leave it" selected. So the figure that matters is the
precision of confident guesses (a wrong one is saved for the organisation's later
files); coverage is how much typing it saves.

The labelled set (bench/data/provider_values.csv) is written from how housing management, allocations and
homelessness case systems word these answers in their exports (tenure, economic
status, relationship, frequency, yes/no/don't know, ethnicities, tenancy and rent
types, benefits, property types), each with the code a data coordinator would choose, or None where no
single answer is right (the export does not say enough: "Council tenant" for a
question that asks whether the tenancy was fixed-term or lifetime). A confident guess
at a None value counts as wrong. It prints; it never asserts.

    .venv/bin/python bench/value_matching.py          # figures and every miss
    .venv/bin/python bench/value_matching.py --all    # every value
"""

import argparse
import csv
import os
import time
from pathlib import Path

import django

VALUES = Path(__file__).resolve().parent / "data" / "provider_values.csv"


def labelled():
    """[((collection, record type, version), variable, the provider's value, the code it means or None)]."""
    with open(VALUES, encoding="utf-8", newline="") as handle:
        return [((row["collection"], row["record_type"], int(row["version"])), row["variable"], row["value"],
                 row["meant"] or None) for row in csv.DictReader(handle)]


def setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cldc.platform.settings")
    django.setup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", action="store_true", help="print every value, not only the misses")
    args = parser.parse_args()
    setup()
    from cldc.platform import registry
    from cldc.platform.uploads.provider_rows import match_value, value_guess

    started = time.perf_counter()
    exact = exact_right = confident = confident_right = doubtful = best_right = among_right = 0
    lines = []
    cases = labelled()
    for (collection, record_type, version), variable, raw, meant in cases:
        question = registry.get(collection).definition(record_type, version).variables[variable]
        meant = None if meant is None else str(meant)
        guess = value_guess(question, raw)
        codes = [code for code, _, _ in guess.suggestions]
        if match_value(question, raw) is not None:
            exact += 1  # a code, an option's label or a Yes/No word: never asked about
            exact_right += guess.code == meant
            verdict = "exact" if guess.code == meant else "EXACT AND WRONG"
        elif guess.band == "confident":
            confident += 1
            confident_right += guess.code == meant
            verdict = "confident" if guess.code == meant else "CONFIDENT AND WRONG"
        else:
            doubtful += 1
            best_right += meant is not None and codes[:1] == [meant]
            among_right += meant is not None and meant in codes
            verdict = "doubtful" + ("" if meant is None or meant in codes else ": not among the suggestions")
        if args.all or verdict.isupper() or ":" in verdict:
            shown = ", ".join(f"{code} {label[:30]} ({score})" for code, label, score in guess.suggestions)
            lines.append(f"{verdict:32} {record_type}.{variable} “{raw}” (meant {meant}): {shown}")
    elapsed = time.perf_counter() - started
    total = len(cases)
    answerable = sum(1 for *_, meant in cases if meant is not None)
    asked = total - exact
    asked_answerable = answerable - exact
    print(f"{total} provider values ({answerable} with one right answer, {total - answerable} with none), "
          f"guessed in {elapsed * 1000:.0f} ms")
    print(f"matched exactly (a code, a label, Yes/No; never asked): {exact}")
    print(f"asked about: {asked}")
    print(f"  confident (pre-selected): {confident} ({100 * confident / asked:.1f}% of those asked about; "
          f"{100 * confident_right / asked_answerable:.1f}% of the {asked_answerable} with one right answer); "
          f"precision {confident_right}/{confident} = {100 * confident_right / max(confident, 1):.1f}%")
    print(f"  doubtful (suggested, 'Leave it' selected): {doubtful}; right answer first {best_right}, "
          f"among the 3 suggestions {among_right}")
    preselected, right = exact + confident, exact_right + confident_right
    print(f"pre-selected (matched exactly, or a confident guess): right {right}/{preselected} = "
          f"{100 * right / max(preselected, 1):.1f}% (target: at least 99%)")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
