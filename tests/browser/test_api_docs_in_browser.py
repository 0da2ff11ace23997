"""The API reference in a real browser: axe finds nothing, it reads the same without
JavaScript, and it shows the worked example's files as they are."""

from cldc.platform import registry

EXAMPLE = registry.get("visits").file("example", record_type="visit", version=2026)  # the test collection's


def test_the_api_reference_passes_axe(page, url, axe):
    page.goto(url("visits", "/api/v1/docs/"))
    assert page.locator("h1").inner_text() == "API reference"
    assert page.locator("#example-body").inner_text().strip() == EXAMPLE.read_text(encoding="utf-8").strip()
    assert page.get_by_role("table", name="Records").locator("tbody tr").count() >= 5
    axe(page)
    page.get_by_role("link", name="Worked example: sending one record with curl").click()
    assert page.url.endswith("#example")
    assert page.failed_requests == []


def test_the_api_reference_without_javascript(browser, url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(url("visits", "/api/v1/docs/"))
    assert page.locator("#example-body").is_visible()
    download = page.get_by_role("link", name="visit-2026.json").first.get_attribute("href")
    assert download.endswith("/api/v1/docs/examples/visits/visit/2026.json")
    page.locator('main a[href="/api-clients/"]').first.click()
    page.wait_for_url(url("visits", "/sign-in/?next=/api-clients/"))  # the page coordinators make keys on
    assert page.goto(download).body() == EXAMPLE.read_bytes()
    context.close()
