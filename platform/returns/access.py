"""Who may do what with returns. Seeing an organisation's returns is seeing its
figures: the organisations a person acts for (their own and their children; support,
every one) or certifies, and, for analysts, every organisation; any other is a 404.
Records on a return are only ever those Record.visible_to gives the person. On a
return they can see, an action they may not take is a 403."""

from cldc.platform.organisations import policy


def organisations_with_returns(user):
    return policy.organisations_with_figures_for(user)


def may_prepare(user, organisation, declared=None):
    """Including, excluding and submitting: the people who act for the organisation
    (its own, its parent's, support), whatever the returns file. Analysts and
    certifiers read returns; they do not make them."""
    return policy.may_act_for(user, organisation)


def may_sign_off(user, organisation, declared):
    """Those who vouch for the organisation's data certify its return, in the roles the
    returns file's `sign_off` names: its own data coordinator (not a parent's), and its
    certifiers (policy.organisations_certified). Never support, who act for every
    organisation but do not vouch for one's data."""
    if policy.is_support(user):
        return False
    return (("data_coordinator" in declared.sign_off
             and policy.organisations_managed(user).filter(pk=organisation.pk).exists())
            or ("certifier" in declared.sign_off
                and policy.organisations_certified(user).filter(pk=organisation.pk).exists()))


def may_reopen(user, organisation, declared):
    """Those who sign off, and support (to let an organisation correct a return)."""
    return policy.is_support(user) or may_sign_off(user, organisation, declared)
