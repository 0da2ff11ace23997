"""How CORE's messages show values: money and dates, one definition for every rule."""

from cldc.collections.core.functions.shared import round_half_up


def money(amount):
    """£1,234.50, rounded half up to the penny (CORE's number_to_currency)."""
    return f"£{round_half_up(amount):,.2f}"


def ordinal_date(day):
    """1st April 2026."""
    suffix = "th" if 11 <= day.day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
    return f"{day.day}{suffix} {day:%B %Y}"
