from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def hint_html(text):
    """A definition's hint as HTML: escaped, except the line breaks CORE's copy uses
    (`<br>`), and new lines."""
    escaped = escape(text or "").replace("&lt;br&gt;", "<br>").replace("&lt;br/&gt;", "<br>").replace("\n", "<br>")
    return mark_safe(escaped)
