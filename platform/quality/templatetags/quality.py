from django import template

from cldc.platform.quality.figures import may_see_figures

register = template.Library()


@register.filter
def sees_quality(user):
    """Whether the person may open the data-quality page (the home page links it only then)."""
    return may_see_figures(user)
