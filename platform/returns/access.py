"""Who may do what with returns. Seeing an organisation's returns is seeing its
figures: the organisations a person acts for (their own and their children; support,
every one) and, for analysts, every organisation; any other is a 404. Records on a
return are only ever those Record.visible_to gives the person. On a return they can
see, an action they may not take is a 403."""

from cldc.platform.organisations import policy


def organisations_with_returns(user):
    return policy.organisations_with_figures_for(user)


def may_prepare(user, organisation):
    """Including, excluding and submitting: the people who act for the organisation
    (its own, its parent's, support). Analysts read returns; they do not make them."""
    return policy.may_act_for(user, organisation)


def may_sign_off(user, organisation):
    """The organisation's own data coordinator certifies its return (`sign_off:
    data_coordinator`, the only role a returns file may name so far): not a parent's
    coordinator, and not support (who act for every organisation, but do not vouch for
    one's data)."""
    return not policy.is_support(user) and policy.organisations_managed(user).filter(pk=organisation.pk).exists()


def may_reopen(user, organisation):
    """Those who sign off, and support (to let an organisation correct a return)."""
    return policy.is_support(user) or may_sign_off(user, organisation)
