"""Collection windows: the dates are data per service, seeded from each package's
windows.yaml, changed by support in the admin, and read through one small API."""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.records.models import Record
from cldc.platform.windows import seed
from cldc.platform.windows.models import CollectionWindow
from cldc.platform.windows.service import (
    WindowClosed,
    deadline,
    open_for_new_logs,
    refusal,
    version_for_new_log,
)

TODAY = date(2026, 11, 28)


@pytest.fixture
def core(core_service):
    with schema_context("core"):
        yield core_service


@pytest.fixture
def hclic(hclic_service):
    with schema_context("hclic"):
        yield hclic_service


def window(collection, record_type, version):
    return CollectionWindow.objects.get(collection=collection, record_type=record_type, version=version)


def closed_message(*args, **kwargs):
    with pytest.raises(WindowClosed) as error:
        version_for_new_log(*args, **kwargs)
    return str(error.value)


# --- The packages' files ---------------------------------------------------------


@pytest.mark.parametrize("name", registry.collection_names())
def test_every_defined_version_has_a_valid_window_in_its_package(name):
    # Without a window, no one could start a record in a new version.
    package = registry.get(name)
    declared = {(w.record_type, w.version) for w in seed.read_windows(name)}
    defined = {(rt, v) for rt in package.record_types for v in package.versions(rt)}
    assert declared == defined


def test_a_mistake_in_a_windows_file_names_the_file_and_the_field(tmp_path, monkeypatch):
    path = tmp_path / "windows.yaml"
    monkeypatch.setattr(seed, "windows_file", lambda collection: path)
    good = "record_type: case\n    version: 2026\n    opens_on: 2026-04-01\n    submission_deadline: 2027-05-28\n"
    path.write_text(f"windows:\n  - {good}    new_logs_end: 2027-03-01\n    editing_end: 2028-03-31\n")
    with pytest.raises(seed.WindowFileError, match=r"windows.yaml: window 1: new_logs_end: The last day for new logs"):
        seed.read_windows("hclic")

    path.write_text(f"windows:\n  - {good}    editing_end: 2028-03-31\n")
    with pytest.raises(seed.WindowFileError, match="give exactly"):
        seed.read_windows("hclic")


# --- Seeding ---------------------------------------------------------------------


def test_a_launched_service_has_its_packages_windows(core_service, hclic_service):
    with schema_context("core"):
        rows = list(CollectionWindow.objects.values_list("collection", "record_type", "version"))
        assert rows == [("core", "lettings", 2026), ("core", "sales", 2026)]
        lettings = window("core", "lettings", 2026)
        assert (lettings.opens_on, lettings.submission_deadline, lettings.new_logs_end, lettings.editing_end) == (
            date(2026, 4, 1),
            date(2027, 6, 4),
            date(2027, 7, 2),
            date(2027, 11, 19),
        )
    with schema_context("hclic"):  # each service holds only its own collections' windows
        rows = list(CollectionWindow.objects.values_list("collection", "record_type", "version"))
        assert rows == [("hclic", "case", 2025), ("hclic", "case", 2026)]


def test_seeding_adds_what_is_missing_and_never_changes_what_support_set(core):
    lettings = window("core", "lettings", 2026)
    lettings.editing_end = date(2027, 12, 17)
    lettings.save()
    window("core", "sales", 2026).delete()

    created = seed.seed_windows(core)

    assert [(w.record_type, w.version) for w in created] == [("sales", 2026)]
    assert window("core", "lettings", 2026).editing_end == date(2027, 12, 17)
    assert window("core", "sales", 2026).editing_end == date(2027, 11, 19)
    assert seed.seed_windows(core) == []


def test_migrating_a_service_schema_seeds_it_and_the_public_schema_is_left_alone(core):
    window("core", "sales", 2026).delete()
    seed.seed_after_migration(schema_name="public")
    assert not CollectionWindow.objects.filter(record_type="sales").exists()
    seed.seed_after_migration(schema_name="core")
    assert CollectionWindow.objects.filter(record_type="sales", version=2026).exists()


# --- The API ---------------------------------------------------------------------


def test_a_date_in_an_open_year_gives_its_version(core):
    assert version_for_new_log("core", "lettings", date(2026, 5, 1), today=TODAY) == 2026
    assert version_for_new_log("core", "sales", date(2027, 3, 31), today=date(2026, 4, 1)) == 2026
    # New logs are taken up to and including the last day for them.
    assert version_for_new_log("core", "sales", date(2026, 5, 1), today=date(2027, 7, 2)) == 2026


def test_a_date_outside_every_version_names_the_open_year_and_its_dates(core):
    message = closed_message("core", "lettings", date(2025, 5, 1), today=TODAY)
    assert message == (
        "Enter a date within the 2026 to 2027 collection year, which is between 1 April 2026 and 31 March 2027."
    )


def test_when_two_years_are_open_the_message_names_both(hclic):
    # Between April and the end of new logs, last year and this year are both open.
    assert open_for_new_logs("hclic", "case", today=date(2026, 5, 1)) == [2025, 2026]
    message = closed_message("hclic", "case", date(2024, 5, 1), today=date(2026, 5, 1))
    assert message == (
        "Enter a date within the 2025 to 2026 or 2026 to 2027 collection years, "
        "which are between 1 April 2025 and 31 March 2027."
    )


def test_a_year_closed_for_new_logs_names_its_deadline(hclic):
    assert version_for_new_log("hclic", "case", date(2025, 6, 1), today=date(2026, 6, 30)) == 2025
    message = closed_message("hclic", "case", date(2025, 6, 1), today=date(2026, 7, 1))
    assert message == (
        "You can no longer create cases for the 2025 to 2026 collection year. The deadline was 29 May 2026."
    )
    assert open_for_new_logs("hclic", "case", today=date(2026, 7, 1)) == [2026]


def test_a_year_not_open_yet_says_when_it_opens(core):
    # Support moved the opening: the data decides, not the definition's dates.
    lettings = window("core", "lettings", 2026)
    lettings.opens_on = date(2026, 5, 1)
    lettings.save()
    message = closed_message("core", "lettings", date(2026, 4, 10), today=date(2026, 4, 30))
    assert message == "You can create logs for the 2026 to 2027 collection year from 1 May 2026."
    assert open_for_new_logs("core", "lettings", today=date(2026, 4, 30)) == []
    assert open_for_new_logs("core", "sales", today=date(2026, 4, 30)) == [2026]
    assert version_for_new_log("core", "lettings", date(2026, 4, 10), today=date(2026, 5, 1)) == 2026


def test_a_version_without_a_window_is_closed(core):
    window("core", "lettings", 2026).delete()
    message = closed_message("core", "lettings", date(2026, 5, 1), today=TODAY)
    assert message == "You cannot create logs for the 2026 to 2027 collection year yet."
    assert open_for_new_logs("core", "lettings", today=TODAY) == []
    assert deadline("core", "lettings", 2026) is None


def test_when_no_year_is_open_the_message_says_so(core):
    message = closed_message("core", "lettings", date(2030, 5, 1), today=date(2030, 5, 2))
    assert message == "You cannot create logs at the moment. No collection year is open for new logs."


def test_window_closed_is_a_value_error(core):
    with pytest.raises(ValueError):
        version_for_new_log("core", "lettings", date(2020, 1, 1), today=TODAY)


def test_a_record_may_change_until_its_last_day_for_changes(hclic):
    case_2025 = Record(pk=1, collection="hclic", record_type="case", version=2025)  # a stored record
    assert refusal(case_2025, today=date(2027, 3, 31)) is None
    assert refusal(case_2025, today=date(2027, 4, 1)) == (
        "You cannot change this case any more. "  # H-CLIC's noun: CORE's say "log"
        "Cases for the 2025 to 2026 collection year could be changed until 31 March 2027."
    )
    window("hclic", "case", 2025).delete()
    assert refusal(case_2025, today=date(2026, 5, 1)) == (
        "You cannot change this case. The 2025 to 2026 collection year is closed.")


def test_deadline_for_display(core):
    assert deadline("core", "lettings", 2026) == date(2027, 6, 4)
    assert deadline("core", "lettings", 2031) is None


# --- The model's checks -------------------------------------------------------------


def valid_window(**changes):
    fields = dict(
        collection="core",
        record_type="sales",
        version=2026,
        opens_on=date(2026, 4, 1),
        submission_deadline=date(2027, 6, 4),
        new_logs_end=date(2027, 7, 2),
        editing_end=date(2027, 11, 19),
    )
    return CollectionWindow(**{**fields, **changes})


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"submission_deadline": date(2026, 3, 31)}, "submission_deadline", "on or after the day the window opens"),
        ({"new_logs_end": date(2027, 6, 3)}, "new_logs_end", "on or after the submission deadline"),
        ({"editing_end": date(2027, 7, 1)}, "editing_end", "on or after the last day for new logs"),
        ({"collection": "nonesuch"}, "collection", "Choose a collection"),
        ({"record_type": "case"}, "record_type", "Choose a record type of core"),
        ({"version": 2062}, "version", "core has no sales definition for version 2062"),
    ],
)
def test_clean_puts_each_problem_on_its_field(changes, field, message):
    with pytest.raises(ValidationError) as error:
        valid_window(**changes).full_clean(validate_constraints=False)
    assert list(error.value.message_dict) == [field]
    assert message in error.value.message_dict[field][0]


def test_one_window_per_collection_record_type_and_version(core):
    with pytest.raises(ValidationError, match="There is already a window for this collection"):
        valid_window().full_clean()


# --- The admin screen ----------------------------------------------------------------


def form_data(item, **changes):
    fields = ["collection", "record_type", "version", "opens_on", "submission_deadline", "new_logs_end", "editing_end"]
    return {**{name: str(getattr(item, name)) for name in fields}, **changes}


def sidebar(page):
    return re.search(r'id="wagtail-sidebar-props"[^>]*>(.*?)</script>', page, re.S).group(1)


@pytest.fixture
def support_admin(client_for, make_person, core_service):
    return client_for("core", make_person("support@example.com", staff_role="support"))


def test_support_lists_and_changes_a_window(support_admin):
    assert "Collection windows" in sidebar(support_admin.get("/admin/").content.decode())
    page = support_admin.get("/admin/windows/").content.decode()
    assert "2026 to 2027" in page and "lettings" in page and "sales" in page
    assert "4 Jun 2027" in page and "19 Nov 2027" in page

    with schema_context("core"):
        lettings = window("core", "lettings", 2026)
    edit_url = f"/admin/windows/edit/{lettings.pk}/"
    assert support_admin.get(edit_url).status_code == 200
    response = support_admin.post(edit_url, form_data(lettings, submission_deadline="2027-06-11"))
    assert response.status_code == 302
    with schema_context("core"):
        assert window("core", "lettings", 2026).submission_deadline == date(2027, 6, 11)
        assert deadline("core", "lettings", 2026) == date(2027, 6, 11)


def test_dates_out_of_order_show_an_error_on_the_field(support_admin):
    with schema_context("core"):
        lettings = window("core", "lettings", 2026)
    response = support_admin.post(f"/admin/windows/edit/{lettings.pk}/", form_data(lettings, editing_end="2027-06-30"))
    assert response.status_code == 200
    page = response.content.decode()
    # Wagtail puts a field's errors inside that field's wrapper.
    field = re.search(r'data-field-wrapper[^>]*>(?:(?!data-field-wrapper).)*?name="editing_end"', page, re.S)
    assert field and "The last day for changes must be on or after the last day for new logs" in field.group(0)
    with schema_context("core"):
        assert window("core", "lettings", 2026).editing_end == date(2027, 11, 19)


def test_the_form_offers_only_this_services_collections(support_admin):
    page = support_admin.get("/admin/windows/new/").content.decode()
    assert 'value="core"' in page and 'value="hclic"' not in page
    assert 'value="case"' not in page


def test_a_second_window_for_the_same_version_is_refused(support_admin):
    with schema_context("core"):
        lettings = window("core", "lettings", 2026)
    response = support_admin.post("/admin/windows/new/", form_data(lettings))
    assert response.status_code == 200
    assert "There is already a window for this collection, record type and version" in response.content.decode()
    with schema_context("core"):
        assert CollectionWindow.objects.filter(record_type="lettings").count() == 1


def test_only_collection_administrators_delete_a_window(client_for, make_person, support_admin, core_service):
    with schema_context("core"):
        sales = window("core", "sales", 2026)
    delete_url = f"/admin/windows/delete/{sales.pk}/"
    response = support_admin.post(delete_url)
    assert response.status_code in (302, 403) and response.get("Location", "").split("?")[0] in ("", "/admin/")
    with schema_context("core"):
        assert CollectionWindow.objects.filter(pk=sales.pk).exists()

    collections_admin = client_for("core", make_person("collections@example.com", staff_role="collection_admin"))
    assert collections_admin.post(delete_url).status_code == 302
    with schema_context("core"):
        assert not CollectionWindow.objects.filter(pk=sales.pk).exists()


def test_a_content_designer_cannot_see_or_change_windows(client_for, make_person, core_service):
    designer = client_for("core", make_person("content@example.com", staff_role="content_designer"))
    with schema_context("core"):
        lettings = window("core", "lettings", 2026)
    assert "Collection windows" not in sidebar(designer.get("/admin/").content.decode())
    for url in ["/admin/windows/", "/admin/windows/new/", f"/admin/windows/edit/{lettings.pk}/"]:
        response = designer.get(url)
        assert response.status_code in (302, 403), url
        assert response.get("Location", "").split("?")[0] in ("", "/admin/"), url
    response = designer.post(f"/admin/windows/edit/{lettings.pk}/", form_data(lettings, editing_end="2028-01-01"))
    assert response.status_code in (302, 403)
    with schema_context("core"):
        assert window("core", "lettings", 2026).editing_end == date(2027, 11, 19)
