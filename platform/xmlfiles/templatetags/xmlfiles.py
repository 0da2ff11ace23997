from django import template

from cldc.platform.xmlfiles.views import may_import_xml

register = template.Library()


@register.filter
def imports_xml(user, service):
    """Whether to offer the XML import page: the service's collection has an XML layout,
    and the person coordinates an organisation."""
    return may_import_xml(user, service)
