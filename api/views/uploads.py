"""File uploads through the API: post a CSV or XLSX in the official template layout,
poll its status, fetch its issues. The same Upload model, Celery task and pipeline as
the web bulk upload (cldc.platform.uploads); see cldc.api.uploads for what differs."""

from pathlib import Path

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from cldc.api.acting import organisations_acted_for
from cldc.api.calls import acting_for
from cldc.api.problems import Problem, issue
from cldc.api.references import find_organisation, not_permitted
from cldc.api.serializers import IssueSerializer, StrictSerializer
from cldc.api.submission import Writer
from cldc.api.uploads import refused_cells
from cldc.api.views.base import ApiView
from cldc.api.views.records import Pages, path_number, problems
from cldc.platform.uploads.importer import worded
from cldc.platform.uploads.models import Upload
from cldc.platform.uploads.refusals import UploadError
from cldc.platform.uploads.report import summary
from cldc.platform.uploads.tasks import process_upload


UPLOAD_ID = path_number("id", "The upload's id")


class UploadCreateSerializer(StrictSerializer):
    file = serializers.FileField(help_text="CSV or XLSX, in the official bulk-upload template layout")
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


class UploadSerializer(serializers.ModelSerializer):
    organisation = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField(help_text="Percentage of rows processed")
    url = serializers.SerializerMethodField()
    errors_url = serializers.SerializerMethodField()

    class Meta:
        model = Upload
        fields = ["id", "url", "errors_url", "collection", "record_type", "version", "organisation", "filename",
                  "dry_run", "create_valid_now", "status", "message", "progress", "total_rows", "processed_rows",
                  "created", "updated", "unchanged", "rejected", "created_at", "finished_at"]

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
        return [{key: group[key] for key in ("severity", "rule", "column", "field", "count", "message", "rows")}
                for group in summary(upload)["issues_by_rule"]]


class UploadIssueSerializer(IssueSerializer):
    row = serializers.IntegerField(help_text="The row number in the file, as a spreadsheet shows it")
    column = serializers.CharField(help_text="Field <number>, or the heading")


class ClientUploads:
    """The uploads a client sees: those of the organisations it acts for."""

    def get_queryset(self):
        return Upload.objects.filter(organisation__in=organisations_acted_for(self.client),
                                     collection__in=self.service.collections)


class UploadCreateView(ApiView):
    parser_classes = [MultiPartParser]

    @extend_schema(operation_id="uploads_create", request={"multipart/form-data": UploadCreateSerializer},
                   responses={202: UploadSerializer, **problems(400, 401, 403, 413, 415, 422, 429)},
                   description="Send a file to be checked and imported in the background; poll the upload's url.")
    def post(self, request):
        data = UploadCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        data = data.validated_data
        writer = Writer(self.client, self.service)
        collection, definition = writer.definition(data["record_type"], data["version"], data.get("collection"))
        organisation = self.organisation(data, writer)
        upload = Upload.objects.create(
            collection=collection, record_type=definition.record_type, version=definition.version,
            organisation=organisation, user=self.on_behalf_of(), filename=Path(data["file"].name).name[:200],
            path="", dry_run=data["dry_run"], create_valid_now=data["create_valid_now"],
        )
        upload.keep(data["file"], self.service.schema_name)
        self.check_file(upload, definition, writer.acted_for, organisation)
        upload.layout = "template"
        upload.save(update_fields=["layout"])
        process_upload.delay(self.service.schema_name, upload.pk)
        body = UploadSerializer(upload, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})

    def organisation(self, data, writer):
        """The organisation uploading, once the request may go ahead. Rows outside the
        collection window are refused one by one, by the gateway, as in every channel."""
        organisation = find_organisation(data["organisation"], writer.acted_for)
        if organisation is None:
            message = not_permitted(data["organisation"])
            raise Problem(422, "validation-failed", message, [issue("organisation", "organisation_permitted", message)])
        acting_for(self.request, organisation)
        if data["file"].size > settings.CLDC_UPLOAD_MAX_BYTES:
            message = f"The file must be smaller than {settings.CLDC_UPLOAD_MAX_BYTES // (1024 * 1024)} MB"
            raise Problem(413, "too-large", message, [issue("file", "file_size", message)])
        return organisation

    def on_behalf_of(self):
        """The person the pipeline runs for: the one who made the key (cldc.api.uploads)."""
        person = self.client.created_by
        if person is None or not person.is_active:
            raise Problem(403, "forbidden", "Uploads run on behalf of the person who made this API key, who is no "
                          "longer active. Ask your data coordinator for a new key.")
        return person

    @staticmethod
    def check_file(upload, definition, acted_for, organisation):
        """Refuse, keeping nothing, a file that cannot be read, is not in the template
        layout, or names organisations or people the client may not name."""
        try:
            layout, refused = refused_cells(upload.path, upload.filename, definition, acted_for, organisation)
        except UploadError as error:
            error = worded(error, definition)  # a blank template: the pack's rule (CORE's bu_file_blank)
            problem = Problem(422, "validation-failed", str(error),
                              [issue("file", error.rule or "file_unreadable", str(error))])
        else:
            if layout == "template" and not refused:
                return
            if layout != "template":
                message = ("The API takes files in the official template layout (a row of field numbers). Files "
                           "with your own column headings can be uploaded in the web service, where a person matches "
                           "the columns.")
                problem = Problem(422, "validation-failed", message, [issue("file", "template_layout", message)])
            else:
                errors = [issue(refusal["field"], refusal["rule"], f"Row {row}: {refusal['message']}")
                          for row, refusal in refused]
                problem = Problem(422, "validation-failed", "The file names organisations or people this client "
                                  "cannot submit logs for. Nothing was imported.", errors)
        Path(upload.path).unlink(missing_ok=True)
        upload.delete()
        raise problem


class UploadDetailView(ClientUploads, ApiView):
    @extend_schema(operation_id="uploads_read", parameters=[UPLOAD_ID],
                   responses={200: UploadReportSerializer, **problems(401, 404, 429)},
                   description="An upload's status, progress and counts; once finished, its issues grouped by rule.")
    def get(self, request, pk):
        upload = get_object_or_404(self.get_queryset(), pk=pk)
        acting_for(request, upload.organisation)
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
        rows = [{"row": i.row, "column": i.column, "field": i.field or None, "rule": i.rule, "severity": i.severity,
                 "message": i.message} for i in issues]
        return self.get_paginated_response(UploadIssueSerializer(rows, many=True).data)
