"""CORE's rules on the log's organisations: merges, stock. They read the context's
organisation facts (contract.CONTEXT: owning_organisation, managing_organisation),
never the database. CORE's setup_validations: an organisation merged on or before
the log's date is inactive on it; so is an organisation that absorbed others before
the date it became available (available_from: our active_from)."""

import datetime as dt

from cldc.platform.rules.functions import rule_function


def day_month_year(day):
    """1 April 2026, as CORE's merge messages show dates."""
    return f"{day.day} {day:%B %Y}"


def merged_by(facts, day):
    """The organisation was merged into another on or before the day."""
    return bool(facts and facts.get("merge_date") and facts["merge_date"] <= day)


def not_yet_available(facts, day):
    """The organisation absorbed others and only became available after the day."""
    return bool(facts and facts.get("absorbed_others") and facts.get("active_from") and facts["active_from"] > day)


def _merged_params(facts):
    return {"merge_date": day_month_year(facts["merge_date"]), "absorbing_organisation": facts["absorbing_organisation"]}


def _sides(answers, context, date_name):
    day = answers.get(date_name)
    if not isinstance(day, dt.date):
        return None, None, None
    return day, context.get("owning_organisation"), context.get("managing_organisation")


def _active_on(side, date_name, check):
    def rule(answers, context):
        day = answers.get(date_name)
        facts = context.get(side)
        if not isinstance(day, dt.date) or not check(facts, day):
            return None
        params = _merged_params(facts) if check is merged_by else {"available_from": day_month_year(facts["active_from"])}
        return {side: facts["name"], **params}
    return rule


for _date_name, _event in (("startdate", "startdate"), ("saledate", "saledate")):
    for _side in ("owning_organisation", "managing_organisation"):
        prefix = _side.split("_")[0]
        rule_function(f"core.{prefix}_org_merged_by_{_event}")(_active_on(_side, _date_name, merged_by))
        rule_function(f"core.{prefix}_org_not_yet_available_on_{_event}")(_active_on(_side, _date_name, not_yet_available))


def _same(owning, managing):
    return bool(owning and managing and owning["id"] == managing["id"])


def _same_merge(owning, managing):
    return (owning["merge_date"], owning["absorbing_organisation"]) == (managing["merge_date"],
                                                                         managing["absorbing_organisation"])


def startdate_after_org_merges(variant):
    """One message of CORE's startdate_after_org_merges: which one depends on whether the
    log's two organisations are one, went in the same merge, or either was merged, or
    absorbed others and was not yet available, on the start date."""
    def rule(answers, context):
        day, owning, managing = _sides(answers, context, "startdate")
        if day is None or not (owning or managing):
            return None
        fired = _which_merge_message(day, owning, managing)
        if fired is None or fired[0] != variant:
            return None
        return fired[1]
    return rule


def _which_merge_message(day, owning, managing):  # noqa: C901 - one branch per CORE message
    if _same(owning, managing):
        if merged_by(owning, day):
            return "same_organisation_merged", {"owning_organisation": owning["name"], **_merged_params(owning)}
        if not_yet_available(owning, day):
            return "same_organisation_absorbing", {"owning_organisation": owning["name"],
                                                   "available_from": day_month_year(owning["active_from"])}
        return None
    owning_merged, managing_merged = merged_by(owning, day), merged_by(managing, day)
    if owning_merged and managing_merged:
        both = {"owning_organisation": owning["name"], "managing_organisation": managing["name"],
                "owning_organisation_merge_date": day_month_year(owning["merge_date"]),
                "owning_absorbing_organisation": owning["absorbing_organisation"]}
        if _same_merge(owning, managing):
            return "same_merge", both
        return "different_merge", {**both, "managing_organisation_merge_date": day_month_year(managing["merge_date"]),
                                   "managing_absorbing_organisation": managing["absorbing_organisation"]}
    if owning_merged:
        return "owning_organisation_merged", {"owning_organisation": owning["name"], **_merged_params(owning)}
    if managing_merged:
        return "managing_organisation_merged", {"managing_organisation": managing["name"], **_merged_params(managing)}
    owning_early, managing_early = not_yet_available(owning, day), not_yet_available(managing, day)
    if owning_early and managing_early:
        return "different_organisations_absorbing", {
            "owning_organisation": owning["name"], "managing_organisation": managing["name"],
            "owning_organisation_active_from": day_month_year(owning["active_from"]),
            "managing_organisation_active_from": day_month_year(managing["active_from"])}
    if owning_early:
        return "owning_organisation_absorbing", {"owning_organisation": owning["name"],
                                                 "available_from": day_month_year(owning["active_from"])}
    if managing_early:
        return "managing_organisation_absorbing", {"managing_organisation": managing["name"],
                                                   "available_from": day_month_year(managing["active_from"])}
    return None


MERGE_MESSAGES = ("same_organisation_merged", "same_organisation_absorbing", "same_merge", "different_merge",
                  "owning_organisation_merged", "managing_organisation_merged", "different_organisations_absorbing",
                  "owning_organisation_absorbing", "managing_organisation_absorbing")
for _variant in MERGE_MESSAGES:
    rule_function(f"core.startdate_after_org_merges__{_variant}")(startdate_after_org_merges(_variant))


@rule_function("core.owning_org_holds_no_stock")
def owning_org_holds_no_stock(answers, context):
    """The owning organisation named holds no stock of its own (an upload row's)."""
    facts = context.get("owning_organisation")
    return {} if facts and facts.get("holds_stock") is False else None
