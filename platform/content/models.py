"""Each service's own Wagtail content: its home (start) page, guidance pages, and
branding settings. These live in the service's schema."""

from django.core.validators import RegexValidator
from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page

from cldc.platform.records.models import may_create_records

GUIDANCE_FEATURES = ["h2", "h3", "bold", "ol", "ul", "link", "document-link"]


class ServiceHomePage(Page):
    """The start page of a service."""

    intro = models.CharField(max_length=300, blank=True, help_text="One sentence saying what the service is for")
    body = RichTextField(blank=True, features=GUIDANCE_FEATURES)
    start_button_text = models.CharField(max_length=40, default="Start now")

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body"), FieldPanel("start_button_text")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["content.GuidancePage"]
    max_count_per_parent = 1
    template = "content/service_home_page.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["guidance_pages"] = self.get_children().live().specific()
        context["can_create"] = may_create_records(request.user)
        from cldc.platform.exports.views import may_download  # views: not loaded while models are

        context["can_download"] = may_download(request.user)
        return context


class GuidancePage(Page):
    """A guidance page, edited by content designers."""

    summary = models.CharField(max_length=300, blank=True)
    body = RichTextField(features=GUIDANCE_FEATURES)

    content_panels = Page.content_panels + [FieldPanel("summary"), FieldPanel("body")]

    parent_page_types = ["content.ServiceHomePage", "content.GuidancePage"]
    subpage_types = ["content.GuidancePage"]
    template = "content/guidance_page.html"


class Theme(models.TextChoices):
    GOVUK = "govuk", "GOV.UK Design System"
    WHITELABEL = "whitelabel", "White label (no government branding)"


colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour as # and six hexadecimal digits, like #1d70b8")


@register_setting(icon="image")
class ServiceBranding(BaseSiteSetting):
    """How the service looks. The GOV.UK theme uses only the service name and footer;
    the white-label theme uses all of it."""

    theme = models.CharField(max_length=20, choices=Theme.choices, default=Theme.GOVUK)
    service_name = models.CharField(max_length=120, help_text="Shown in the header and page titles")
    organisation_name = models.CharField(
        max_length=120, blank=True, help_text="White label: who runs the service, shown in the header and footer"
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="White label: a logo shown in the header instead of the organisation name",
    )
    brand_colour = models.CharField(
        max_length=7, default="#0b0c0c", validators=[colour], help_text="White label: the header's background"
    )
    accent_colour = models.CharField(
        max_length=7, default="#1d70b8", validators=[colour], help_text="White label: the line under the header"
    )
    footer_text = RichTextField(blank=True, features=["bold", "link"], help_text="Shown in the footer")

    panels = [
        FieldPanel("theme"),
        FieldPanel("service_name"),
        MultiFieldPanel(
            [FieldPanel("organisation_name"), FieldPanel("logo"), FieldPanel("brand_colour"), FieldPanel("accent_colour")],
            heading="White label",
        ),
        FieldPanel("footer_text"),
    ]

    class Meta:
        verbose_name = "service branding"
