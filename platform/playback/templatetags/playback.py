from django import template

from cldc.platform.playback.views import may_see_figures

register = template.Library()


@register.inclusion_tag("playback/_link.html", takes_context=True)
def figures_link(context):
    """A link to the figures, for people who may see some in this service."""
    request = context["request"]
    return {"shown": may_see_figures(request.user, request.tenant),
            "staff": bool(getattr(request.user, "staff_role", ""))}
