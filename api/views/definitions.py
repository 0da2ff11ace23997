"""What the service publishes about each version it collects, open without a key: the
rule pack (the same export as `cldc rules`) and the JSON Schema of a record."""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from cldc.api.views.base import PublicApiView
from cldc.api.views.records import path_number, problems
from cldc.platform import registry
from cldc.platform.cli.rules import export
from cldc.platform.definitions.json_schema import record_schema

VERSION = path_number("version", "The version: the collection year by its first year, e.g. 2026")


def definition_and_pack(view, collection, record_type, version):
    if collection not in view.service.collections:
        raise Http404("This service does not collect that")
    try:
        package = registry.get(collection)
        return package.definition(record_type, version), package.rule_pack(record_type, version)
    except LookupError:
        raise Http404("No such record type or version") from None


def published(service):
    """Every version of every record type the service collects."""
    found = []
    for name in service.collections:
        package = registry.get(name)
        for record_type in package.record_types:
            for version in package.versions(record_type):
                definition = package.definition(record_type, version)
                found.append({"collection": name, "record_type": record_type, "version": version,
                              "title": definition.title, "valid_from": definition.valid_from,
                              "valid_to": definition.valid_to})
    return found


def links(version):
    """The paths of a published version's rule pack and JSON Schema."""
    where = {key: version[key] for key in ("collection", "record_type", "version")}
    return {"rules_url": reverse("api-rules", kwargs=where), "schema_url": reverse("api-record-schema", kwargs=where)}


class DefinitionListView(PublicApiView):
    @extend_schema(operation_id="definitions_list", auth=[], responses={200: inline_serializer("Definition", {
        "collection": serializers.CharField(), "record_type": serializers.CharField(),
        "version": serializers.IntegerField(), "title": serializers.CharField(),
        "valid_from": serializers.DateField(), "valid_to": serializers.DateField(),
        "rules_url": serializers.URLField(), "schema_url": serializers.URLField()}, many=True)},
        description="Every version of every record type this service collects.")
    def get(self, request):
        found = []
        for version in published(self.service):
            urls = {name: request.build_absolute_uri(path) for name, path in links(version).items()}
            found.append({**version, **urls})
        return Response(found)


class RulesView(PublicApiView):
    @extend_schema(operation_id="definitions_rules", auth=[], parameters=[VERSION],
                   responses={200: OpenApiTypes.OBJECT, **problems(404)},
                   description="The rule pack of a version: every rule with its id, severity, fields, message and "
                               "expression. The same export as `cldc rules --format json`.")
    def get(self, request, collection, record_type, version):
        return Response(export(*definition_and_pack(self, collection, record_type, version)))


class RecordSchemaView(PublicApiView):
    @extend_schema(
        operation_id="definitions_schema", auth=[],
        parameters=[VERSION,
                    OpenApiParameter("partial", bool, description="The schema of a PATCH body: nothing required")],
        responses={200: OpenApiTypes.OBJECT, **problems(404)},
        description="The JSON Schema (2020-12) of a record's answers: fields, types, codes with labels, and which "
                    "are required and when.")
    def get(self, request, collection, record_type, version):
        definition, pack = definition_and_pack(self, collection, record_type, version)
        partial = request.query_params.get("partial", "false").lower() in ("true", "1")
        return Response(record_schema(definition, pack, partial=partial))
