"""After many records change at once (an XML import, an upload), the organisations' open
returns are judged in the background (platform/returns/tasks.py), so the first look at a
quarter's return reads kept rows instead of judging every case while the person waits."""

from django_tenants.utils import schema_context

from cldc.platform.returns.models import Return, ReturnMember
from cldc.platform.returns.tasks import refresh_after_bulk_change
from cldc.tests.xml.test_xml_files import import_visits, visit_xml


def test_an_xml_import_judges_the_organisations_open_returns_in_the_background(
        visits_service, make_organisation, make_person, eager_celery, django_capture_on_commit_callbacks):
    council = make_organisation("Background Council", type="local_authority")
    officer = make_person("background@council.example", council, role="data_coordinator")
    with django_capture_on_commit_callbacks(execute=True) as queued:
        result = import_visits(council, officer, main=visit_xml(council, ref="V-BG"))
    assert result.created == 1 and len(queued) == 1
    with schema_context("visits"):
        quarter_one = Return.objects.get(organisation=council, collection="visits", year=2026, number=1)
        (member,) = ReturnMember.objects.filter(return_made=quarter_one)  # visited 4 May 2026: in quarter 1
        assert member.included and member.reference == "V-BG"
        assert not ReturnMember.objects.filter(return_made__number=2, return_made__organisation=council,
                                               included=True).exists()


def test_a_collection_without_returns_queues_nothing(core_service, django_capture_on_commit_callbacks):
    with schema_context("core"), django_capture_on_commit_callbacks() as queued:
        refresh_after_bulk_change("core", "lettings")
    assert queued == []
