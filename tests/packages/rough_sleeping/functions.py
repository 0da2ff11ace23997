"""The package's one function: counts are meant for a typical night, so the day of the
week is kept with each snapshot."""

from cldc.platform.rules.functions import rule_function


@rule_function("rough_sleeping.count_weekday")
def count_weekday(answers, context):
    """1 (Monday) to 7 (Sunday), or None before the date is known."""
    count_date = answers.get("count_date")
    return count_date.isoweekday() if count_date else None
