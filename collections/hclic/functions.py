"""H-CLIC's derived-value functions: what an expression cannot say plainly (lengths in
calendar months, a placement found by its dates, a code's column in a published table).
Registered for collections/hclic/derived/case.yaml; the contract is platform/contract.py."""

from cldc.platform.rules.functions import rule_function

PLACEMENTS = range(1, 6)  # the placement repeat block's indices (definitions/case/2025.yaml)

# Table TA4's bands of time in temporary accommodation, as (months up to, code).
STAY_BANDS = ((6, 1), (12, 2), (24, 3), (60, 4))
LONGEST_STAY = 5  # 5+ years

# The column of tables P1 and R1 each reason a duty ended is counted in: the tables put
# "withdrew" and "deceased", and the retired code that joined them, under one heading.
PREVENTION_END_COLUMNS = {1: 1, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 7: 6, 8: 6, 12: 6, 9: 7, 10: 8, 11: 9}
RELIEF_END_COLUMNS = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 8, 12: 8, 10: 9, 11: 10}


def whole_months_between(start, end):
    """Calendar months from start to end, counting a month only once its day is reached."""
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def stay_band(start, end):
    """Table TA4's band for a stay from start to end; None without a start."""
    if start is None or end is None or end < start:
        return None
    months = whole_months_between(start, end)
    return next((code for limit, code in STAY_BANDS if months < limit), LONGEST_STAY)


def _stay_band_of(n):
    def band(answers, context):
        return stay_band(answers.get(f"tastart{n}"), answers.get(f"taend{n}") or context.get("today"))
    return band


for _n in PLACEMENTS:
    rule_function(f"hclic.stay_band_{_n}")(_stay_band_of(_n))


def current_placement(answers):
    """The index of the placement the household is in now (started, not ended; the
    latest, if the case holds several), or None."""
    current = [n for n in PLACEMENTS if answers.get(f"tastart{n}") and not answers.get(f"taend{n}")]
    return max(current, key=lambda n: answers[f"tastart{n}"]) if current else None


def _of_current_placement(question):
    def value(answers, context):
        n = current_placement(answers)
        return None if n is None else answers.get(f"{question}{n}")
    return value


rule_function("hclic.current_placement_type")(_of_current_placement("tatype"))
rule_function("hclic.current_placement_duty")(_of_current_placement("taduty"))
rule_function("hclic.current_placement_outside")(_of_current_placement("taoutside"))


@rule_function("hclic.prevention_end_column")
def prevention_end_column(answers, context):
    return PREVENTION_END_COLUMNS.get(answers.get("preventend"))


@rule_function("hclic.relief_end_column")
def relief_end_column(answers, context):
    return RELIEF_END_COLUMNS.get(answers.get("reliefend"))
