"""Notification banners: support write one through check your answers; people see it on
the pages of its service while it runs, and dismiss it once; its markdown is rendered
safely whatever is written in it."""

import datetime as dt
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django_tenants.utils import schema_context

from cldc.platform.notices.markdown import INLINE_TAGS, banner_html, clean, page_html
from cldc.platform.notices.models import Banner, Dismissal

TODAY = dt.date.today()


def form_data(**changes):
    start, end = TODAY, TODAY + dt.timedelta(days=30)
    data = {"title": "Deadline is **30 June**: see [the guidance](https://www.gov.uk/guidance)",
            "link_text": "Read about the change", "page_content": "## What changes\n\nThe deadline moves.",
            "starts_on_0": start.day, "starts_on_1": start.month, "starts_on_2": start.year,
            "ends_on_0": end.day, "ends_on_1": end.month, "ends_on_2": end.year, "before_sign_in": "no"}
    return {key: value for key, value in {**data, **changes}.items() if value is not None}


@pytest.fixture
def support(client_for, make_person, visits_service):
    return client_for("visits", make_person("support@example.com", staff_role="support"))


def make_banner(**fields):
    defaults = dict(title="A **banner**", starts_on=TODAY, ends_on=TODAY + dt.timedelta(days=7))
    with schema_context("visits"):
        return Banner.objects.create(**{**defaults, **fields})


def test_support_add_a_banner_through_check_your_answers(support):
    response = support.post("/banners/new/", form_data())
    assert response.status_code == 302 and response["Location"] == "/banners/check/"
    with schema_context("visits"):
        assert not Banner.objects.exists()  # nothing is saved before the answers are checked
    page = support.get("/banners/check/").content.decode()
    assert "Check the banner before you save it" in page
    assert "<strong>30 June</strong>" in page  # the preview, rendered
    assert "/banners/new/?from=check" in page  # change links
    # Change an answer: the form comes back with the answers given.
    again = support.get("/banners/new/?from=check").content.decode()
    assert "Read about the change" in again and f'value="{TODAY.year}"' in again
    assert support.post("/banners/check/").status_code == 302
    with schema_context("visits"):
        banner = Banner.objects.get()
    assert (banner.link_text, banner.starts_on, banner.before_sign_in) == ("Read about the change", TODAY, False)
    assert banner.created_by.email == "support@example.com"


def test_support_change_a_banner(support):
    banner = make_banner()
    assert support.post(f"/banners/{banner.pk}/change/", form_data(title="Changed words")).status_code == 302
    support.post("/banners/check/")
    with schema_context("visits"):
        assert Banner.objects.get().title == "Changed words" and Banner.objects.count() == 1


@pytest.mark.parametrize("changes, field, message", [
    ({"ends_on_0": (TODAY - dt.timedelta(days=1)).day, "ends_on_1": (TODAY - dt.timedelta(days=1)).month,
      "ends_on_2": (TODAY - dt.timedelta(days=1)).year}, "ends_on",
     "The end date must be the same as or after the start date"),
    ({"title": "Hello <script>alert(1)</script>"}, "title", "The banner text must not contain HTML"),
    ({"page_content": "<img src=x onerror=alert(1)>"}, "page_content", "The page must not contain HTML"),
    ({"title": ""}, "title", "Enter what the banner says"),
    ({"starts_on_1": "13"}, "starts_on", "The start date must be a real date"),
    ({"ends_on_2": ""}, "ends_on", "The end date must include a year"),
    ({"page_content": ""}, "page_content", "Enter what the page says, or leave the link text blank"),
    ({"before_sign_in": None}, "before_sign_in", "Select whether people see the banner before they sign in"),
])
def test_bad_answers_are_refused_on_their_field_and_kept(support, changes, field, message):
    response = support.post("/banners/new/", form_data(**changes))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    page = response.content.decode()
    assert "govuk-error-summary" in page and "Read about the change" in page  # nothing lost
    assert "<script>alert" not in page
    with schema_context("visits"):
        assert not Banner.objects.exists()


def test_only_support_have_the_banner_pages(client_for, make_person, visits_service, orgs):
    banner = make_banner()
    for person in (make_person("analyst@example.com", staff_role="analyst"),
                   make_person("provider@example.com", orgs["parent"])):
        client = client_for("visits", person)
        for url in ("/banners/", "/banners/new/", f"/banners/{banner.pk}/change/", f"/banners/{banner.pk}/remove/"):
            assert client.get(url).status_code == 404, url


def test_staff_need_two_factor_for_the_banner_pages(client_for, make_person, visits_service):
    client = client_for("visits", make_person("support@example.com", staff_role="support"), two_factor=False)
    response = client.get("/banners/")
    assert response.status_code == 302 and "two-factor" in response["Location"]


def test_a_banner_shows_while_it_runs_and_is_dismissed_once(client_for, make_person, visits_service, orgs):
    showing = make_banner(title="Showing now")
    make_banner(title="Not yet", starts_on=TODAY + dt.timedelta(days=1), ends_on=TODAY + dt.timedelta(days=2))
    make_banner(title="Over", starts_on=TODAY - dt.timedelta(days=5), ends_on=TODAY - dt.timedelta(days=1))
    person = make_person("provider@example.com", orgs["parent"])
    client = client_for("visits", person)
    page = client.get("/uploads/").content.decode()  # any page of the service
    assert "Showing now" in page and "Not yet" not in page and "Over" not in page
    assert "govuk-notification-banner" in page
    assert "Showing now" not in client_for("visits").get("/").content.decode()  # not before sign-in
    assert "Showing now" not in client_for("core", person).get("/").content.decode()  # another service
    response = client.post(f"/banners/{showing.pk}/dismiss/", {"next": "/uploads/"})
    assert response.status_code == 302 and response["Location"] == "/uploads/"
    assert "Showing now" not in client.get("/uploads/").content.decode()
    with schema_context("visits"):
        assert Dismissal.objects.filter(banner=showing, user=person).count() == 1
    other = client_for("visits", make_person("other@example.com", orgs["other"]))
    assert "Showing now" in other.get("/uploads/").content.decode()  # dismissed for one person only


def test_before_sign_in_banners_and_their_dismissal_in_the_session(client_for, visits_service):
    banner = make_banner(title="For everyone", before_sign_in=True)
    client = client_for("visits")
    assert "For everyone" in client.get("/").content.decode()
    assert client.post(f"/banners/{banner.pk}/dismiss/", {"next": "https://elsewhere.example/"})["Location"] == "/"
    assert "For everyone" not in client.get("/").content.decode()
    assert "For everyone" in client_for("visits").get("/").content.decode()


def test_a_banners_page(client_for, make_person, visits_service, orgs):
    banner = make_banner(link_text="Read more", page_content="## Why\n\nBecause **it matters**.")
    person = client_for("visits", make_person("provider@example.com", orgs["parent"]))
    home = person.get("/uploads/").content.decode()
    assert f'href="/banners/{banner.pk}/"' in home and "Read more" in home
    page = person.get(f"/banners/{banner.pk}/").content.decode()
    assert '<h2 class="govuk-heading-m">Why</h2>' in page and "<strong>it matters</strong>" in page
    assert client_for("visits").get(f"/banners/{banner.pk}/").status_code == 404  # not before sign-in
    ended = make_banner(link_text="Old", page_content="Gone", ends_on=TODAY - dt.timedelta(days=1),
                        starts_on=TODAY - dt.timedelta(days=3))
    assert person.get(f"/banners/{ended.pk}/").status_code == 404


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    '<a href="javascript:alert(1)">x</a>',
    "**<svg onload=alert(1)>**",
    '[x](https://example.com" onmouseover="alert(1))',
]


class Tags(HTMLParser):
    """The tags and attributes an HTML fragment holds, as a browser would read them."""

    def __init__(self, html):
        super().__init__()
        self.found = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_is_rendered_safely(text):
    for html in (banner_html(text), page_html(text)):
        for tag, attrs in Tags(html).found:
            assert tag in {"a", "strong", "em", "p", "h2", "h3", "ul", "ol", "li", "br"}, html
            assert set(attrs) <= {"href", "class", "rel"}, html
            assert urlsplit(attrs.get("href", "")).scheme in ("", "http", "https", "mailto"), html


def test_links_and_bold_are_rendered():
    html = banner_html("See **this** and [the guidance](https://www.gov.uk/x)")
    assert "<strong>this</strong>" in html
    assert '<a href="https://www.gov.uk/x" class="govuk-notification-banner__link" rel="noopener noreferrer">' in html


def test_a_stored_banner_with_script_shows_as_text(client_for, make_person, visits_service, orgs):
    """Whatever reaches the table (an old banner, a change made elsewhere) is shown safely."""
    make_banner(title="Hello <script>alert('x')</script> **there**")
    page = client_for("visits", make_person("provider@example.com", orgs["parent"])).get("/uploads/").content.decode()
    assert "&lt;script&gt;alert" in page and "<script>alert" not in page and "<strong>there</strong>" in page


def test_support_remove_a_banner(support):
    banner = make_banner()
    assert "Are you sure" in support.get(f"/banners/{banner.pk}/remove/").content.decode()
    support.post(f"/banners/{banner.pk}/remove/")
    with schema_context("visits"):
        assert not Banner.objects.exists()


def test_the_cleaner_keeps_only_the_allow_list_whatever_the_parser_makes():
    """The second line of defence, tried on HTML a parser should never make."""
    html = clean('<p onclick="x()">a<script>alert(1)</script><a href="javascript:alert(1)" style="x">b</a>'
                 '<iframe src="https://evil.example"></iframe><a href="/ok">c</a></p>', INLINE_TAGS, {"a": "govuk-link"})
    assert Tags(html).found == [("a", {"class": "govuk-link", "rel": "noopener noreferrer"}),
                                ("a", {"href": "/ok", "class": "govuk-link", "rel": "noopener noreferrer"})]
