"""A banner's markdown as safe HTML, with GOV.UK classes.

markdown-it-py parses the markdown with raw HTML turned off, so `<script>` in the text
is shown as text, and it makes no link of a `javascript:` address; nh3 then cleans what
it made to an allow-list of tags, attributes and link schemes, so that nothing else can
reach the page whatever the parser does. A banner's title allows links, bold and italic
on one line; its page adds paragraphs, headings (## and ###) and lists."""

import re

import nh3
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

_INLINE = MarkdownIt("zero", {"html": False}).enable(["link", "emphasis"])
_PAGE = MarkdownIt("zero", {"html": False}).enable(["link", "emphasis", "heading", "list", "newline"])

LINK_SCHEMES = {"http", "https", "mailto"}
INLINE_TAGS = {"a", "strong", "em"}
PAGE_TAGS = INLINE_TAGS | {"p", "h2", "h3", "ul", "ol", "li", "br"}
# What markdown a banner may use, said where people write it and in the refusal of HTML.
INLINE_HELP = "Use markdown: **bold** and [link text](https://www.example.com)"
PAGE_HELP = "Use markdown: ## for a heading, - for a list, a blank line between paragraphs, **bold** and [link text](https://www.example.com)"
# An HTML tag or comment, which the markdown does not take (it would show as text).
HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?]")


def clean(html, tags, classes):
    """HTML cut down to `tags`, links with safe schemes, and GOV.UK classes on the tags named."""
    return mark_safe(nh3.clean(html, tags=tags, attributes={"a": {"href"}}, url_schemes=LINK_SCHEMES,
                               set_tag_attribute_values={tag: {"class": name} for tag, name in classes.items()
                                                         if tag in tags},
                               link_rel="noopener noreferrer"))


def banner_html(text):
    """A banner's title: one line of links, bold and italic."""
    return clean(_INLINE.renderInline(text or ""), INLINE_TAGS, {"a": "govuk-notification-banner__link"})


def page_html(text):
    """A banner's page: paragraphs, headings (# is read as ##: the page has its own
    title), lists, links, bold and italic."""
    html = _PAGE.render(text or "").replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return clean(html, PAGE_TAGS, {"a": "govuk-link", "p": "govuk-body", "h2": "govuk-heading-m",
                                    "h3": "govuk-heading-s", "ul": "govuk-list govuk-list--bullet",
                                    "ol": "govuk-list govuk-list--number"})


def has_html(text):
    return bool(HTML_TAG.search(text or ""))
