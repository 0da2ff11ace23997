"""File uploads through the API: post a CSV or XLSX (the official template layout, or
the supplier's own columns: one file, or a main file and its members' files), poll its
status, fetch its issues. The same Upload model, Celery task and pipeline as the web
bulk upload (cldc.platform.uploads); see cldc.api.uploads for what differs."""

from pathlib import Path

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from cldc.api.acting import organisations_acted_for
from cldc.api.calls import acting_for
from cldc.api.problems import Problem, issue
from cldc.api.references import find_organisation, not_permitted
from cldc.api.serializers import IssueSerializer, StrictSerializer
from cldc.api.submission import Writer
from cldc.api.uploads import ColumnsRefused, api_columns, refused_cells
from cldc.api.views.base import ApiView
from cldc.api.views.records import Pages, path_number, problems
from cldc.platform.uploads.importer import prepare, worded
from cldc.platform.uploads.member_parts import MAX_FILES, forget_files, keep_parts
from cldc.platform.uploads.models import Upload
from cldc.platform.uploads.refusals import UploadError
from cldc.platform.uploads.report import summary
from cldc.platform.uploads.tasks import send, send_if_waiting


UPLOAD_ID = path_number("id", "The upload's id")


class FilesField(serializers.ListField):
    """One file or several, under one name: an error is the field's, whichever file it is."""

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as error:
            detail = error.detail.values() if isinstance(error.detail, dict) else [error.detail]
            raise serializers.ValidationError([message for messages in detail for message in messages]) from None


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string", "nullable": True},
                      "example": {"Their heading": "a question id", "Notes": None}})
class ColumnsField(serializers.JSONField):
    """A JSON object of headings and question ids, sent as one form field."""


class UploadCreateSerializer(StrictSerializer):
    file = FilesField(
        child=serializers.FileField(), min_length=1, max_length=MAX_FILES,
        help_text="CSV or XLSX: the official bulk-upload template layout, or your own columns with one row of "
                  "headings. Members in files of their own (the people of a household, say: one row a member, "
                  "with the record's reference): send the main file and each member file, each as a `file` part; "
                  "a workbook may hold them as sheets")
    columns = ColumnsField(
        required=False,
        help_text='Your own columns: {"heading": "question id"} for the columns you match yourself (a question\'s id '
                  'as the JSON Schema lists it, "<id>:day" for the day of a date; null: not needed). A sheet of '
                  'members names its block\'s first member\'s question, for every member. Other columns are '
                  'matched as your organisation saved them, '
                  "else automatically when the match is confident; the rest are listed as unmatched")
    collection = serializers.CharField(required=False)
    record_type = serializers.CharField()
    version = serializers.IntegerField()
    organisation = serializers.CharField(help_text="The organisation uploading: ORG<id>, id, ONS code or regulator "
                                         "number. Rows with a blank owning organisation belong to it")
    dry_run = serializers.BooleanField(required=False, default=False, help_text="Check only: store nothing")
    create_valid_now = serializers.BooleanField(
        required=False, default=False,
        help_text="Store the valid rows even when other rows have errors (otherwise nothing is stored until the "
                  "file has no errors)")


class UploadColumnSerializer(serializers.Serializer):
    sheet = serializers.CharField(allow_null=True, help_text="The sheet or file, for an upload in parts")
    column = serializers.IntegerField(help_text="The column's number in its sheet or file, from 1")
    heading = serializers.CharField()
    question = serializers.CharField(allow_null=True, help_text="The question it answers; null: not read")
    matched = serializers.ChoiceField(["given", "saved", "automatic", "unmatched"],
                                      help_text="given in the request, saved by your organisation, automatic "
                                                "(a confident match), or unmatched (not read)")


class IgnoredColumnSerializer(serializers.Serializer):
    sheet = serializers.CharField(allow_null=True, help_text="The sheet or file, for an upload in parts")
    column = serializers.IntegerField(help_text="The column's number in its sheet or file, from 1")
    heading = serializers.CharField()
    reason = serializers.CharField(help_text="Why it is not read: not matched to a question")
    suggested = serializers.CharField(allow_null=True, help_text="The question a match we are not sure of proposes: "
                                                                 "name it in columns to read the column; else null")


class UploadPartSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The sheet's or file's name")
    members = serializers.CharField(allow_blank=True, help_text="The repeat block whose members it holds; '' for "
                                                                "the main part (one row a record)")


class UploadSerializer(serializers.ModelSerializer):
    organisation = serializers.SerializerMethodField()
    parts = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField(help_text="Percentage of rows processed")
    url = serializers.SerializerMethodField()
    errors_url = serializers.SerializerMethodField()

    class Meta:
        model = Upload
        fields = ["id", "url", "errors_url", "collection", "record_type", "version", "organisation", "filename",
                  "layout", "parts", "dry_run", "create_valid_now", "status", "message", "progress", "total_rows",
                  "processed_rows", "created", "updated", "unchanged", "rejected", "created_at", "finished_at"]

    @extend_schema_field(UploadPartSerializer(many=True))
    def get_parts(self, upload):
        return [{"name": part["name"], "members": part["block"]} for part in upload.parts]

    def get_progress(self, upload) -> int:
        return int(100 * upload.processed_rows / upload.total_rows) if upload.total_rows else 0

    def get_organisation(self, upload) -> str:
        return f"ORG{upload.organisation_id}"

    def get_url(self, upload) -> str:
        return self.context["request"].build_absolute_uri(reverse("api-upload", kwargs={"pk": upload.pk}))

    def get_errors_url(self, upload) -> str:
        return self.context["request"].build_absolute_uri(reverse("api-upload-errors", kwargs={"pk": upload.pk}))


class UploadReportSerializer(UploadSerializer):
    issues_by_rule = serializers.SerializerMethodField(help_text="Once finished: issues grouped by rule and column")

    class Meta(UploadSerializer.Meta):
        fields = UploadSerializer.Meta.fields + ["issues_by_rule"]

    def get_issues_by_rule(self, upload) -> list[dict]:
        if upload.status not in (Upload.Status.CHECKED, Upload.Status.DONE, Upload.Status.FAILED):
            return []
        return [{key: group[key] for key in ("severity", "rule", "sheet", "column", "field", "count", "message", "rows")}
                for group in summary(upload)["issues_by_rule"]]


class UploadCreatedSerializer(UploadSerializer):
    columns = UploadColumnSerializer(many=True, help_text="Your own columns: how each was matched")
    ignored_columns = IgnoredColumnSerializer(many=True, help_text="Your own columns that are not read, and why")

    class Meta(UploadSerializer.Meta):
        fields = UploadSerializer.Meta.fields + ["columns", "ignored_columns"]


class UploadIssueSerializer(IssueSerializer):
    sheet = serializers.CharField(help_text="The sheet or file the row is in, for an upload in parts; '' otherwise")
    row = serializers.IntegerField(help_text="The row number in the file (or its sheet), as a spreadsheet shows it")
    column = serializers.CharField(help_text="Field <number>, or the heading")


class ClientUploads:
    """The uploads a client sees: those of the organisations it acts for."""

    def get_queryset(self):
        return Upload.objects.filter(organisation__in=organisations_acted_for(self.client),
                                     collection__in=self.service.collections)


class UploadCreateView(ApiView):
    parser_classes = [MultiPartParser]

    @extend_schema(operation_id="uploads_create", request={"multipart/form-data": UploadCreateSerializer},
                   responses={202: UploadCreatedSerializer, **problems(400, 401, 403, 413, 415, 422, 429)},
                   description="Send a file (or a main file and its members' files) to be checked and imported in "
                               "the background; poll the upload's url.")
    def post(self, request):
        data = UploadCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        data = data.validated_data
        given = self.given_columns(data.get("columns"))
        writer = Writer(self.client, self.service)
        collection, definition = writer.definition(data["record_type"], data["version"], data.get("collection"))
        organisation = self.organisation(data, writer)
        upload = Upload.objects.create(
            collection=collection, record_type=definition.record_type, version=definition.version,
            organisation=organisation, user=self.on_behalf_of(), filename=Path(data["file"][0].name).name[:200],
            path="", dry_run=data["dry_run"], create_valid_now=data["create_valid_now"],
        )
        columns, ignored = self.check_file(upload, definition, data["file"], given, writer.acted_for, organisation)
        send(self.service.schema_name, upload)  # Redis down: kept, and said to be waiting
        body = {**UploadSerializer(upload, context={"request": request}).data,
                "columns": UploadColumnSerializer(columns, many=True).data,
                "ignored_columns": IgnoredColumnSerializer(ignored, many=True).data}
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})

    @staticmethod
    def given_columns(given):
        """The client's own column matches: {heading: question id or null}."""
        if given is None:
            return {}
        if not isinstance(given, dict) or not all(
                isinstance(heading, str) and (question is None or isinstance(question, str))
                for heading, question in given.items()):
            message = 'columns must be a JSON object of headings and question ids: {"Their heading": "a question id"}'
            raise Problem(422, "validation-failed", message, [issue("columns", "columns_format", message)])
        return given

    def organisation(self, data, writer):
        """The organisation uploading, once the request may go ahead. Rows outside the
        collection window are refused one by one, by the gateway, as in every channel."""
        organisation = find_organisation(data["organisation"], writer.acted_for)
        if organisation is None:
            message = not_permitted(data["organisation"])
            raise Problem(422, "validation-failed", message, [issue("organisation", "organisation_permitted", message)])
        acting_for(self.request, organisation)
        if sum(file.size for file in data["file"]) > settings.CLDC_UPLOAD_MAX_BYTES:
            together = " together" if len(data["file"]) > 1 else ""
            message = f"The file must be smaller than {settings.CLDC_UPLOAD_MAX_BYTES // (1024 * 1024)} MB{together}"
            raise Problem(413, "too-large", message, [issue("file", "file_size", message)])
        return organisation

    def on_behalf_of(self):
        """The person the pipeline runs for: the one who made the key (cldc.api.uploads)."""
        person = self.client.created_by
        if person is None or not person.is_active:
            raise Problem(403, "forbidden", "Uploads run on behalf of the person who made this API key, who is no "
                          "longer active. Ask your data coordinator for a new key.")
        return person

    def check_file(self, upload, definition, files, given, acted_for, organisation):
        """Keep the files and match their columns; refuse, keeping nothing, files that
        cannot be read or joined, a column mapping that names what the files or the
        version lack, or rows naming organisations or people the client may not name.
        Returns how each of the supplier's own columns was matched, and those not read
        ([] and [] for the template)."""
        problem, columns, ignored = None, [], []
        try:
            keep_parts(upload, files, self.service.schema_name, definition)
            prepare(upload)  # the layout, and the rows counted: over the limit, refused here
            if upload.layout == "template":
                if given:
                    raise ColumnsRefused([("columns", "template_columns", "The file is in the official template "
                                           "layout: its columns are its field numbers. Send it without columns.")])
            else:
                columns, ignored = api_columns(upload, given)
            refused = refused_cells(upload, definition, acted_for, organisation)
        except UploadError as error:
            error = worded(error, definition)  # a blank template: the pack's rule (CORE's bu_file_blank)
            problem = Problem(422, "validation-failed", str(error),
                              [issue("file", error.rule or "file_unreadable", str(error))])
        except ColumnsRefused as refusal:
            problem = Problem(422, "validation-failed", "The column mapping cannot be used. Nothing was imported.",
                              [issue(field, rule, message) for field, rule, message in refusal.errors])
        else:
            if not refused:
                upload.status = Upload.Status.RECEIVED
                upload.save(update_fields=["status"])
                return columns, ignored
            errors = [issue(refusal["field"], refusal["rule"], f"Row {row}: {refusal['message']}")
                      for row, refusal in refused]
            problem = Problem(422, "validation-failed", "The file names organisations or people this client "
                              "cannot submit logs for. Nothing was imported.", errors)
        forget_files(upload)
        upload.delete()
        raise problem


class UploadDetailView(ClientUploads, ApiView):
    @extend_schema(operation_id="uploads_read", parameters=[UPLOAD_ID],
                   responses={200: UploadReportSerializer, **problems(401, 404, 429)},
                   description="An upload's status, progress and counts; once finished, its issues grouped by rule.")
    def get(self, request, pk):
        upload = get_object_or_404(self.get_queryset(), pk=pk)
        acting_for(request, upload.organisation)
        send_if_waiting(self.service.schema_name, upload)  # a client polling sends it once Redis is back
        return Response(UploadReportSerializer(upload, context={"request": request}).data)


class UploadErrorsView(ClientUploads, ApiView):
    pagination_class = Pages

    @extend_schema(operation_id="uploads_errors", parameters=[UPLOAD_ID],
                   responses={200: UploadIssueSerializer(many=True), **problems(401, 404, 429)},
                   description="Every error and warning of the upload, by row.")
    def get(self, request, pk):
        upload = get_object_or_404(self.get_queryset(), pk=pk)
        acting_for(request, upload.organisation)
        issues = self.paginate_queryset(upload.issues.order_by("row", "id"))
        rows = [{"sheet": i.sheet, "row": i.row, "column": i.column, "field": i.field or None, "rule": i.rule, "severity": i.severity,
                 "message": i.message} for i in issues]
        return self.get_paginated_response(UploadIssueSerializer(rows, many=True).data)
