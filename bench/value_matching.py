"""Value matching: how often a confident guess at what a provider's answer means is
right, and how many answers get one (cldc.platform.uploads.provider_rows.value_guess).

A confident guess is pre-selected on the "Match your answers to ours" page; any other
is only suggested, with "Leave it" selected. So the figure that matters is the
precision of confident guesses (a wrong one is saved for the organisation's later
files); coverage is how much typing it saves.

The labelled set below is written from how housing management, allocations and
homelessness case systems word these answers in their exports (tenure, economic
status, relationship, frequency, yes/no/don't know, tenancy and rent types, benefits,
property types), each with the code a data coordinator would choose, or None where no
single answer is right (the export does not say enough: "Council tenant" for a
question that asks whether the tenancy was fixed-term or lifetime). A confident guess
at a None value counts as wrong. It prints; it never asserts.

    .venv/bin/python bench/value_matching.py          # figures and every miss
    .venv/bin/python bench/value_matching.py --all    # every value
"""

import argparse
import os
import time

import django

LETTINGS, SALES, CASE = ("core", "lettings", 2026), ("core", "sales", 2026), ("hclic", "case", 2025)

# (definition, question, the provider's value, the code it means or None)
LABELLED = [
    # Where the household lived before the letting (lettings)
    (LETTINGS, "prevten", "Living with family", 28),
    (LETTINGS, "prevten", "Living with parents", 28),
    (LETTINGS, "prevten", "Staying with friends", None),  # long-term, or sofa surfing?
    (LETTINGS, "prevten", "Sofa surfing", 39),
    (LETTINGS, "prevten", "Council tenant", None),  # fixed-term or lifetime?
    (LETTINGS, "prevten", "Council tenancy - lifetime", 31),
    (LETTINGS, "prevten", "Housing association tenant", None),
    (LETTINGS, "prevten", "Private rented", 3),
    (LETTINGS, "prevten", "Private landlord", 3),
    (LETTINGS, "prevten", "Owner occupier", None),  # outright or low-cost home ownership?
    (LETTINGS, "prevten", "Shared ownership", 27),
    (LETTINGS, "prevten", "Bed & Breakfast", 14),
    (LETTINGS, "prevten", "B&B", 14),
    (LETTINGS, "prevten", "Hostel", None),
    (LETTINGS, "prevten", "Direct access hostel", 7),
    (LETTINGS, "prevten", "HMP", 29),
    (LETTINGS, "prevten", "Prison", 29),
    (LETTINGS, "prevten", "Rough sleeper", 19),
    (LETTINGS, "prevten", "Street homeless", 19),
    (LETTINGS, "prevten", "Women's refuge", 21),
    (LETTINGS, "prevten", "Foster care", 13),
    (LETTINGS, "prevten", "Care leaver", 13),
    (LETTINGS, "prevten", "Asylum support accommodation", 24),
    (LETTINGS, "prevten", "NASS accommodation", 24),
    (LETTINGS, "prevten", "Caravan", 23),
    (LETTINGS, "prevten", "Residential care", 9),
    (LETTINGS, "prevten", "Care home", 9),
    (LETTINGS, "prevten", "Tied accommodation", 4),
    (LETTINGS, "prevten", "Temporary accommodation", 18),
    (LETTINGS, "prevten", "Extra care", 35),
    (LETTINGS, "prevten", "Sheltered housing", 38),
    (LETTINGS, "prevten", "Supported housing", None),  # extra care, older people's, or other?
    (LETTINGS, "prevten", "Other", 25),
    (LETTINGS, "prevten", "Not known", None),  # the question has no such answer
    (SALES, "prevten", "Council tenant", 1),
    (SALES, "prevten", "Housing association tenant", 2),
    (SALES, "prevten", "HA tenant", 2),
    (SALES, "prevten", "Private rented", 3),
    (SALES, "prevten", "Living with parents", 6),
    (SALES, "prevten", "Living with family", 6),
    (SALES, "prevten", "Homeowner", 5),
    (SALES, "prevten", "Tied accommodation", 4),
    (SALES, "prevten", "Unknown", 0),
    (CASE, "accom", "Private rented", None),  # self-contained, HMO or lodging?
    (CASE, "accom", "Council tenant", 4),
    (CASE, "accom", "Housing association tenant", 5),
    (CASE, "accom", "Living with parents", 8),
    (CASE, "accom", "Staying with friends", 9),
    (CASE, "accom", "Hostel", 6),
    (CASE, "accom", "HMO", 2),
    (CASE, "accom", "Lodger", 3),
    (CASE, "accom", "NASS", 16),
    (CASE, "accom", "Prison", 17),
    (CASE, "accom", "Hospital", None),  # general or psychiatric?
    (CASE, "accom", "Unknown", 20),
    (CASE, "accom", "Sofa surfing", None),

    # Economic status
    (LETTINGS, "ecstat1", "Full time", 1),
    (LETTINGS, "ecstat1", "Full-time employment", 1),
    (LETTINGS, "ecstat1", "Employed full time", 1),
    (LETTINGS, "ecstat1", "FT", 1),
    (LETTINGS, "ecstat1", "Part time", 2),
    (LETTINGS, "ecstat1", "Part-time employment", 2),
    (LETTINGS, "ecstat1", "PT", 2),
    (LETTINGS, "ecstat1", "Unemployed", None),  # seeking work or not?
    (LETTINGS, "ecstat1", "Unemployed - seeking work", 4),
    (LETTINGS, "ecstat1", "Job seeker", 4),
    (LETTINGS, "ecstat1", "Not seeking work", 6),
    (LETTINGS, "ecstat1", "Looking after home/family", None),
    (LETTINGS, "ecstat1", "Student", 7),
    (LETTINGS, "ecstat1", "Full time student", 7),
    (LETTINGS, "ecstat1", "In education", None),  # full-time?
    (LETTINGS, "ecstat1", "Long term sick", 8),
    (LETTINGS, "ecstat1", "Long-term sick or disabled", 8),
    (LETTINGS, "ecstat1", "Unable to work - disability", 8),
    (LETTINGS, "ecstat1", "Sick/disabled", 8),
    (LETTINGS, "ecstat1", "Government training", 3),
    (LETTINGS, "ecstat1", "Training scheme", 3),
    (LETTINGS, "ecstat1", "Refused", 10),
    (LETTINGS, "ecstat1", "Prefer not to say", 10),
    (LETTINGS, "ecstat1", "Self employed", None),  # full-time or part-time?
    (LETTINGS, "ecstat1", "Carer", None),
    (LETTINGS, "ecstat2", "Child under 16", 9),
    (LETTINGS, "ecstat2", "Under 16", 9),
    (LETTINGS, "ecstat2", "Child", 9),
    (SALES, "ecstat1", "Employed - full time", 1),
    (SALES, "ecstat1", "Retired", 5),
    (CASE, "ecstat1", "Full time", 1),
    (CASE, "ecstat1", "Part time", 2),
    (CASE, "ecstat1", "Student", 3),
    (CASE, "ecstat1", "Unemployed", None),  # registered or not?
    (CASE, "ecstat1", "Long term sick", 7),
    (CASE, "ecstat1", "Unknown", 12),

    # Relationship to the lead tenant or main applicant
    (LETTINGS, "relat2", "Partner", "P"),
    (LETTINGS, "relat2", "Spouse", "P"),
    (LETTINGS, "relat2", "Wife", "P"),
    (LETTINGS, "relat2", "Son", "X"),
    (LETTINGS, "relat2", "Other", "X"),
    (LETTINGS, "relat2", "Refused", "R"),
    (CASE, "relat2", "Wife", 1),
    (CASE, "relat2", "Husband", 1),
    (CASE, "relat2", "Spouse", 1),
    (CASE, "relat2", "Civil partner", 1),
    (CASE, "relat2", "Son", 2),
    (CASE, "relat2", "Daughter", 2),
    (CASE, "relat2", "Sister", 3),
    (CASE, "relat2", "Grandchild", 3),
    (CASE, "relat2", "Friend", 3),

    # Sex
    (LETTINGS, "sexrab1", "Woman", "F"),
    (LETTINGS, "sexrab1", "Man", "M"),
    (LETTINGS, "sexrab1", "Prefer not to say", "R"),
    (LETTINGS, "sexrab1", "Not stated", None),
    (LETTINGS, "sexrab1", "Unknown", None),
    (CASE, "sex1", "Man", 1),
    (CASE, "sex1", "Woman", 2),
    (CASE, "sex1", "Unknown", 3),

    # Rent period and income frequency
    (LETTINGS, "period", "Weekly", None),  # for how many weeks of the year?
    (LETTINGS, "period", "Weekly (52 weeks)", 1),
    (LETTINGS, "period", "52 weeks", 1),
    (LETTINGS, "period", "Weekly - 48 weeks", 7),
    (LETTINGS, "period", "48 week year", 7),
    (LETTINGS, "period", "Fortnightly", 2),
    (LETTINGS, "period", "2 weekly", 2),
    (LETTINGS, "period", "Two weekly", 2),
    (LETTINGS, "period", "4 weekly", 3),
    (LETTINGS, "period", "Four weekly", 3),
    (LETTINGS, "period", "Every four weeks", 3),
    (LETTINGS, "period", "Monthly", 4),
    (LETTINGS, "period", "Calendar monthly", 4),
    (LETTINGS, "period", "PCM", 4),
    (LETTINGS, "incfreq", "Per week", 1),
    (LETTINGS, "incfreq", "pw", 1),
    (LETTINGS, "incfreq", "Per month", 2),
    (LETTINGS, "incfreq", "Calendar monthly", 2),
    (LETTINGS, "incfreq", "Annually", 3),
    (LETTINGS, "incfreq", "Per annum", 3),
    (LETTINGS, "incfreq", "Annual", 3),
    (LETTINGS, "incfreq", "Fortnightly", None),  # not an answer to this question
    (LETTINGS, "incfreq", "4 weekly", None),

    # Yes, no, don't know
    (LETTINGS, "joint", "Y", 1),
    (LETTINGS, "joint", "Yes", 1),
    (LETTINGS, "joint", "TRUE", 1),
    (LETTINGS, "joint", "FALSE", 2),
    (LETTINGS, "joint", "Dont know", 3),
    (LETTINGS, "joint", "DK", 3),
    (LETTINGS, "joint", "Not known", 3),
    (LETTINGS, "joint", "Unknown", 3),
    (LETTINGS, "joint", "N/K", 3),
    (LETTINGS, "joint", "N/A", None),
    (LETTINGS, "joint", "Sole", 2),
    (LETTINGS, "joint", "Joint", 1),
    (LETTINGS, "joint", "Yes - joint tenancy", 1),
    (LETTINGS, "unitletas", "No", None),  # not an answer: the question asks the previous rent basis
    (LETTINGS, "unitletas", "Social rent", 1),
    (LETTINGS, "unitletas", "Affordable rent", 2),
    (LETTINGS, "unitletas", "Not known", 3),
    (LETTINGS, "unitletas", "First let", None),
    (LETTINGS, "renewal", "Unknown", None),
    (LETTINGS, "renewal", "None", None),
    (LETTINGS, "wchair", "Not known", None),
    (LETTINGS, "sheltered", "Yes", None),  # which kind?
    (LETTINGS, "sheltered", "Extra care", 2),
    (LETTINGS, "sheltered", "Yes - extra care", 2),
    (LETTINGS, "sheltered", "Not sheltered", 3),
    (LETTINGS, "sheltered", "Sheltered", None),
    (LETTINGS, "sheltered", "Unknown", 4),
    (LETTINGS, "armedforces", "Yes", None),  # regular, reserve or bereaved partner?
    (LETTINGS, "armedforces", "Regular", 1),
    (LETTINGS, "armedforces", "Reservist", 4),
    (LETTINGS, "armedforces", "Refused", 3),
    (LETTINGS, "armedforces", "Veteran", None),
    (LETTINGS, "leftreg", "No", None),  # left up to 5 years ago, or more?
    (LETTINGS, "illness", "Refused", 3),
    (LETTINGS, "illness", "Not known", None),
    (LETTINGS, "housingneeds", "Unknown", 3),
    (LETTINGS, "reasonpref", "N", 2),
    (SALES, "hhregres", "Unknown", 8),
    (CASE, "supportneeds", "Y", 1),
    (CASE, "supportneeds", "Unknown", 3),
    (CASE, "supportneeds", "Don't know", 3),

    # Tenancy and rent types
    (LETTINGS, "tenancy", "Assured Shorthold", 4),
    (LETTINGS, "tenancy", "AST", 4),
    (LETTINGS, "tenancy", "Starter tenancy", None),
    (LETTINGS, "tenancy", "Assured", None),  # lifetime, or a shorthold?
    (LETTINGS, "tenancy", "Secure", None),  # lifetime or fixed-term?
    (LETTINGS, "tenancy", "Secure lifetime", 7),
    (LETTINGS, "tenancy", "Secure fixed term", 6),
    (LETTINGS, "tenancy", "Flexible tenancy", 6),
    (LETTINGS, "tenancy", "Licence", 5),
    (LETTINGS, "tenancy", "Introductory", None),
    (LETTINGS, "tenancy", "Fixed term", None),
    (LETTINGS, "rent_type", "Social", 0),
    (LETTINGS, "rent_type", "Affordable", 1),
    (LETTINGS, "rent_type", "LAR", 2),
    (LETTINGS, "rent_type", "London affordable", 2),
    (LETTINGS, "rent_type", "Intermediate rent", None),  # rent to buy, London living rent or other?
    (LETTINGS, "rent_type", "LLR", 4),
    (LETTINGS, "rent_type", "Exempt accommodation", 6),
    (LETTINGS, "rent_type", "Specified accommodation", 6),

    # Benefits
    (LETTINGS, "hb", "HB", 1),
    (LETTINGS, "hb", "UC", 6),
    (LETTINGS, "hb", "Universal Credit", 6),
    (LETTINGS, "hb", "None", 9),
    (LETTINGS, "hb", "No", 9),
    (LETTINGS, "benefits", "Part", 2),
    (LETTINGS, "benefits", "Partial", 2),
    (LETTINGS, "benefits", "Not known", 4),

    # Property
    (LETTINGS, "unittype_gn", "Flat", 1),
    (LETTINGS, "unittype_gn", "Maisonette", 1),
    (LETTINGS, "unittype_gn", "Studio", None),  # a bedsit, or a flat?
    (LETTINGS, "unittype_gn", "Terraced house", 7),
    (LETTINGS, "unittype_gn", "Semi-detached house", 7),
    (LETTINGS, "unittype_gn", "Flat (shared)", 4),
    (LETTINGS, "unittype_gn", "Sheltered flat", None),

    # Reason for leaving the last settled home
    (LETTINGS, "reason", "Overcrowding", 12),
    (LETTINGS, "reason", "Overcrowded", 12),
    (LETTINGS, "reason", "Domestic violence", None),  # joint tenancy with the partner, or other?
    (LETTINGS, "reason", "Rent arrears", None),  # evicted for arrears, or could no longer afford?
    (LETTINGS, "reason", "Evicted - rent arrears", 52),
    (LETTINGS, "reason", "Asked to leave by parents", 9),
    (LETTINGS, "reason", "Relationship breakdown", 8),
    (LETTINGS, "reason", "Harassment", None),
    (LETTINGS, "reason", "Medical grounds", 13),
    (LETTINGS, "reason", "Under-occupation", None),  # with an incentive to downsize, or not?
    (LETTINGS, "reason", "Released from prison", 45),
    (LETTINGS, "reason", "Section 21 notice", 50),
]


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
    exact = confident = confident_right = doubtful = best_right = among_right = 0
    lines = []
    for (collection, record_type, version), variable, raw, meant in LABELLED:
        question = registry.get(collection).definition(record_type, version).variables[variable]
        meant = None if meant is None else str(meant)
        guess = value_guess(question, raw)
        codes = [code for code, _, _ in guess.suggestions]
        if match_value(question, raw) is not None:
            exact += 1  # a code, an option's label or a Yes/No word: never asked about
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
    total = len(LABELLED)
    answerable = sum(1 for *_, meant in LABELLED if meant is not None)
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
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
