"""Each service calls a record by its package's noun (a definition's `noun`): H-CLIC's
pages say "case", CORE's say "log"; the URLs stay /logs/ for both."""

import re

import pytest

from cldc.platform.tenancy.models import Service


def _words(html):
    """The page's words: its text and the attributes people read (aria-label), without
    URLs and element ids (which say /logs/ and log-count)."""
    return re.sub(r'\b(href|action|id|for|name|class)="[^"]*"', "", html)


@pytest.fixture
def officer(make_organisation, make_person):
    council = make_organisation("Hilltop Council", type="local_authority")
    return make_person("officer@hilltop.example", council)


def test_h_clic_pages_say_case_and_never_log(client_for, officer):
    client = client_for("hclic", officer)
    home, set_up, cases = (_words(client.get(url).content.decode()) for url in ("/", "/logs/new/", "/logs/"))
    assert "Create a new case" in home and "Your cases" in home and "Upload cases from a file" in home
    assert "Set up a new case" in set_up and "Which organisation owns this case?" in set_up
    assert "Who is this case assigned to?" in set_up
    assert "Search by case ID or case reference" in cases and "Type of case" in cases
    assert "There are no cases here yet." in cases and "Create a new case" in cases
    for page in (home, set_up, cases):
        assert not re.search(r"\blogs?\b", page, re.IGNORECASE), re.findall(r"(?s).{60}\blogs?\b.{40}", page, re.I)


def _set_up_case(client, council):
    body = client.get("/logs/new/").content.decode()
    response = client.post("/logs/new/", {"year": re.search(r'name="year"[^>]*value="(\d+)"', body).group(1),
                                          "owning_organisation": council.pk, "managing_organisation": council.pk})
    return int(re.search(r"/logs/(\d+)/$", response.url).group(1))


def test_h_clic_says_case_on_a_case_its_uploads_and_api_keys(client_for, make_person, officer):
    council = officer.memberships.get().organisation
    client = client_for("hclic", make_person("coordinator@hilltop.example", council, role="data_coordinator"))
    pk = _set_up_case(client, council)
    tasks_html = client.get(f"/logs/{pk}/").content.decode()
    first_task = re.search(r'id="task-(\w+)-status"', tasks_html).group(1)
    check_answers_url = f"/logs/{pk}/{first_task}/check-answers/"
    pages = {"tasks": _words(tasks_html)} | {
        name: _words(client.get(url).content.decode()) for name, url in {
            "check answers": check_answers_url, "review": f"/logs/{pk}/review/", "share": f"/logs/{pk}/share/",
            "assign": f"/logs/{pk}/assign/", "uploads": "/uploads/", "new upload": "/uploads/new/",
            "API keys": "/api-clients/", "new API key": "/api-clients/new/"}.items()}
    assert f"Case {pk}" in pages["tasks"] and "This case is" in pages["tasks"] and "Review the whole case" in pages["tasks"]
    assert "Back to cases" in pages["tasks"] and "Share this case with someone" in pages["tasks"]
    assert "Back to the case" in pages["check answers"] and "Save and return to the case" in pages["check answers"]
    assert f"Review case {pk}" in pages["review"] and "Return to the case" in pages["review"]
    assert "Share this case with a named person" in pages["share"] and "Back to the case" in pages["share"]
    assert "Who should this case be assigned to?" in pages["assign"]
    assert "Upload cases" in pages["uploads"] and "Create no cases until I have fixed them" in pages["new upload"]
    assert "send and read cases through the API" in pages["API keys"] and "cases through the API" in pages["new API key"]
    for name, page in pages.items():
        assert not re.search(r"\blogs?\b", page, re.IGNORECASE), (name, re.findall(r"(?s).{60}\blogs?\b.{40}", page, re.I))


# Words of CORE's that must not reach an H-CLIC page (issue 14, item 8).
CORE_WORDS = r"\b(?:logs?|propert(?:y|ies)|tenant codes?|lettings?)\b"


def test_h_clic_returns_xml_import_and_move_pages_speak_h_clics_words(client_for, make_person, officer):
    """The pages issue 14 added: the returns list, a return, the XML import and moving a
    case into the next year, for a case as the synthetic cases hold one (an old case
    with a placement type 2026/27 retires)."""
    import datetime as dt

    from django_tenants.utils import schema_context

    from cldc.collections.hclic import synthetic
    from cldc.platform.records.gateway import submit
    from cldc.platform.records.models import Record

    council = officer.memberships.get().organisation
    client = client_for("hclic", make_person("returns@hilltop.example", council, role="data_coordinator"))
    old_case = next(case for case in synthetic.generate(20) if case.scenario == "old_case")
    with schema_context("hclic"):
        record = Record(collection="hclic", record_type="case", version=2025, owning_organisation=council,
                        managing_organisation=council)
        outcome = submit(record, old_case.state_at(synthetic.QUARTER_ENDS[2]), "form", today=dt.date(2026, 1, 15))
    assert outcome.saved and outcome.status == "completed", outcome.errors
    pages = {name: _words(client.get(url).content.decode()) for name, url in {
        "returns": "/returns/", "return": f"/returns/{council.pk}/hclic/case/2025-q3/", "XML import": "/xml/",
        "move": f"/logs/{record.pk}/move/"}.items()}
    assert "Every case is checked as in the web form" in pages["XML import"]
    assert old_case.final_reference in pages["return"] and "Case " in pages["return"]
    assert "case" in pages["move"] and "Any other type of temporary accommodation" in pages["move"]  # the retired code
    for name, page in pages.items():
        assert "case" in page.lower(), name
        assert not re.search(CORE_WORDS, page, re.IGNORECASE), (
            name, re.findall(rf"(?s).{{60}}{CORE_WORDS}.{{40}}", page, re.I))


def test_core_pages_still_say_log(client_for, officer):
    client = client_for("core", officer)
    home, set_up, logs = (_words(client.get(url).content.decode()) for url in ("/", "/logs/new/", "/logs/"))
    assert "Create a new log" in home and "Your logs" in home
    assert "Set up a new log" in set_up and "What type of log is this?" in set_up
    assert "Search by log ID" in logs and "There are no logs here yet." in logs
    for page in (home, set_up, logs):
        assert not re.search(r"\bcases?\b", page, re.IGNORECASE)


def test_the_platform_says_record_where_definitions_name_no_noun_or_disagree():
    assert Service(collections=[]).record_nouns == ("record", "records")
    assert Service(collections=["core", "hclic"]).record_nouns == ("record", "records")
    assert (Service(collections=["hclic"]).noun, Service(collections=["hclic"]).nouns) == ("case", "cases")
