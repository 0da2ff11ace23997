"""Records: list (with filters for incremental sync), create, read, change part of,
delete, and validate without storing. Every lookup, to read or to change, goes through
cldc.api.acting.visible_records: a record the client may not see is a 404, and a client
changes what it sees (there are no read-only keys)."""

from http import HTTPStatus

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from cldc.api.acting import organisations_acted_for, visible_records
from cldc.api.calls import acting_for
from cldc.api.problems import Problem, issue
from cldc.api.references import find_organisation
from cldc.api.representation import RecordView
from cldc.api.serializers import (
    MoveSerializer,
    ProblemSerializer,
    RecordCreateSerializer,
    RecordMoveSerializer,
    RecordSerializer,
    RecordSummarySerializer,
    RecordUpdateSerializer,
    StrictSerializer,
)
from cldc.api.submission import SOURCE, Writer, refused_problem
from cldc.api.views.base import ApiView
from cldc.platform.audit.access import Action, Channel, personal_answers_shown, record_access
from cldc.platform.records.gateway import StaleRecord, WindowClosed, check_window
from cldc.platform.records.models import Record, Status
from cldc.platform.records.versions import MoveRefused, move_to_version


def problems(*statuses):
    """OpenAPI responses for problem details."""
    return {(code, "application/problem+json"): OpenApiResponse(ProblemSerializer, description=HTTPStatus(code).phrase)
            for code in statuses}


VALIDATE_ONLY = OpenApiParameter("validate_only", bool, description="Check with the gateway and store nothing")
IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER,
                            description='The ETag you read, e.g. "3": the change is refused with 412 if the record '
                                        "has changed since")


def path_number(name, description):
    """A number in the path: digits only, as the URL pattern (`<int:...>`) matches."""
    return OpenApiParameter(name, {"type": "integer", "minimum": 0}, OpenApiParameter.PATH, description=description)


RECORD_ID = path_number("id", "The record's id")


def etag_header(*statuses):
    return OpenApiParameter("ETag", str, OpenApiParameter.HEADER, description="The record's lock_version, quoted",
                            response=list(statuses))


def validate_only(request):
    value = request.query_params.get("validate_only", "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise Problem(400, "invalid-request", "validate_only must be true or false")
    return value in ("true", "1")


def etag(record):
    return f'"{record.lock_version}"'


def expected_version(request, record):
    """The lock_version If-Match allows (the record's own when the header is absent or
    `*`), or a 412 when the record has changed since that ETag."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return record.lock_version
    tags = [tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")]
    if str(record.lock_version) not in tags:
        raise Problem(412, "stale-record", f"Record {record.pk} is at version {record.lock_version}, not {header}. "
                      "Read it again, then send your change with its new ETag.")
    return record.lock_version


class RecordFilters(StrictSerializer):
    collection = serializers.CharField(required=False)
    record_type = serializers.CharField(required=False)
    version = serializers.IntegerField(required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    organisation = serializers.CharField(required=False, help_text="Owning or managing: ORG<id>, id, ONS code or "
                                         "regulator number")
    reference = serializers.CharField(required=False, help_text="The provider's reference, as in provider_reference")
    updated_since = serializers.DateTimeField(
        required=False, help_text="Changed at or after this time. ISO 8601; without an offset, UK time")
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000)


class Pages(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class RecordQueryset:
    """The records a view may touch: the client's visible ones, with their organisations."""

    def get_queryset(self):
        return visible_records(self.client, self.service).select_related("owning_organisation", "managing_organisation")


class RecordListView(RecordQueryset, ApiView):
    pagination_class = Pages

    @extend_schema(
        operation_id="records_list", parameters=[RecordFilters], responses={200: RecordSummarySerializer(many=True),
                                                                            **problems(400, 401, 404, 429)},
        description="Records of the organisations this client acts for, least recently changed first. For an "
                    "incremental sync, ask for `updated_since` the latest `updated_at` you hold.")
    def get(self, request):
        filters = RecordFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        records = self.get_queryset()
        for name in ("collection", "record_type", "version", "status"):
            if name in wanted:
                records = records.filter(**{name: wanted[name]})
        if "organisation" in wanted:  # one the client does not act for matches nothing
            organisation = find_organisation(wanted["organisation"], {o.pk: o for o in organisations_acted_for(self.client)})
            records = records.filter(Q(owning_organisation=organisation) | Q(managing_organisation=organisation)
                                     ) if organisation else records.none()
            acting_for(request, organisation)
        if "reference" in wanted:
            records = records.filter(provider_reference=wanted["reference"].strip().lower())
        if "updated_since" in wanted:
            records = records.filter(updated_at__gte=wanted["updated_since"])  # at or after: never miss one
        page = self.paginate_queryset(records.order_by("updated_at", "pk"))
        return self.get_paginated_response(RecordSummarySerializer(page, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="records_create", request=RecordCreateSerializer, parameters=[VALIDATE_ONLY, etag_header(201)],
        responses={201: RecordSerializer, 200: RecordSerializer,
                   **problems(400, 401, 413, 415, 422, 429)},
        description="Create a record. With validate_only=true nothing is stored and the answer is 200. Any answer "
                    "refused by a hard rule refuses the whole record (422).")
    def post(self, request):
        return create(self, request, validate_only(request))


def create(view, request, only_validate):
    data = _valid(RecordCreateSerializer, request)
    writer = Writer(view.client, view.service)
    record, answers = writer.new_record(data)
    acting_for(request, record.owning_organisation)
    outcome = writer.write(record, answers, data["confirm"], validate_only=only_validate)
    if outcome.refused:
        raise refused_problem(outcome)
    body = RecordSerializer(RecordView.of_outcome(outcome), context={"request": request}).data
    if only_validate:
        return Response(body)
    return Response(body, status=status.HTTP_201_CREATED, headers={
        "ETag": etag(record), "Location": request.build_absolute_uri(reverse("api-record", kwargs={"pk": record.pk}))})


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class RecordValidateView(ApiView):
    @extend_schema(
        operation_id="records_validate", request=RecordCreateSerializer,
        responses={200: RecordSerializer, **problems(400, 401, 413, 415, 422, 429)},
        description="The same as creating a record with validate_only=true: the same checks, nothing stored.")
    def post(self, request):
        return create(self, request, True)


class OneRecord(RecordQueryset):
    """The record the path names, among the client's visible ones: else a 404."""

    def get_object(self):
        record = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        acting_for(self.request, record.owning_organisation)
        return record


class RecordDetailView(OneRecord, ApiView):
    @extend_schema(operation_id="records_read", parameters=[RECORD_ID, etag_header(200)],
                   responses={200: RecordSerializer, **problems(401, 404, 429)},
                   description="A record with its answers, the labels of coded answers, derived values, and the "
                               "errors, soft checks and missing answers outstanding. The ETag is its lock_version.")
    def get(self, request, pk):
        record = self.get_object()
        body = RecordSerializer(RecordView.checked(record), context={"request": request}).data
        if personal_answers_shown(record, record.answers):
            record_access(self.service, Channel.API, Action.API_READ, "GET a record", api_client=self.client,
                          organisation=record.owning_organisation, collection=record.collection,
                          record_type=record.record_type, version=record.version, records=[record.pk])
        return Response(body, headers={"ETag": etag(record)})

    @extend_schema(
        operation_id="records_change", request=RecordUpdateSerializer,
        parameters=[RECORD_ID, IF_MATCH, VALIDATE_ONLY, etag_header(200)],
        responses={200: RecordSerializer,
                   **problems(400, 401, 404, 409, 412, 413, 415, 422, 429)},
        description="Change only the answers sent; the others stay. Several systems may each send their part of "
                    "one record. Send If-Match with the ETag you read to be sure nobody changed it since.")
    def patch(self, request, pk):
        record = self.get_object()
        data = _valid(RecordUpdateSerializer, request)
        version = expected_version(request, record)
        writer = Writer(self.client, self.service)
        answers = writer.prepare_change(record, data)
        only_validate = validate_only(request)
        outcome = writer.write(record, answers, data["confirm"], expected_version=version, validate_only=only_validate)
        if outcome.refused:
            raise refused_problem(outcome)
        body = RecordSerializer(RecordView.of_outcome(outcome), context={"request": request}).data
        return Response(body, headers={} if only_validate else {"ETag": etag(record)})

    @extend_schema(operation_id="records_delete", parameters=[RECORD_ID, IF_MATCH],
                   responses={204: None, **problems(401, 404, 409, 412, 429)},
                   description="Delete a record, while its collection year still allows changes.")
    def delete(self, request, pk):
        record = self.get_object()
        version = expected_version(request, record)
        try:
            check_window(record)  # the gateway's own check: a deletion is a change
        except WindowClosed as closed:
            raise Problem(409, "window-closed", str(closed)) from None
        deleted, _ = Record.objects.filter(pk=record.pk, lock_version=version).delete()
        if not deleted:  # changed between reading and deleting
            raise Problem(412, "stale-record", f"Record {record.pk} has changed since version {version}.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class RecordMoveView(OneRecord, ApiView):
    @extend_schema(
        operation_id="records_move", request=RecordMoveSerializer,
        parameters=[RECORD_ID, IF_MATCH, VALIDATE_ONLY, etag_header(200)],
        responses={200: MoveSerializer, **problems(400, 401, 404, 409, 412, 413, 415, 422, 429)},
        description="Move a record into a later collection year (a case still open when the year changes): the "
                    "answers the new version takes are kept, the others are listed in `needs_answer` by field, with "
                    "why. One revision records the move. An earlier or unknown year is a 422 on `version`; a year "
                    "not open for changes, 409 window-closed.")
    def post(self, request, pk):
        record = self.get_object()
        data = _valid(RecordMoveSerializer, request)
        version = expected_version(request, record)
        only_validate = validate_only(request)
        try:
            move = move_to_version(record, data["version"], None, SOURCE, expected_version=version,
                                   validate_only=only_validate, api_client=self.client)
        except MoveRefused as refused:
            raise Problem(422, "validation-failed", str(refused), [issue("version", "move_refused", str(refused))]) from None
        except WindowClosed as closed:
            raise Problem(409, "window-closed", str(closed)) from None
        except StaleRecord:
            raise Problem(412, "stale-record", f"Record {record.pk} has changed since version {version}. "
                          "Read it again, then send your move with its new ETag.") from None
        return Response(MoveSerializer(move.as_dict()).data, headers={} if only_validate else {"ETag": etag(record)})
