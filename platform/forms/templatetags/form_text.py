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


@register.filter
def in_sentence(label):
    """A label as words inside a sentence: "Lead tenant’s age" -> "lead tenant’s age";
    "UPRN" stays, and so do the capitals after the first word ("links to UK armed forces")."""
    label = label or ""
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]
