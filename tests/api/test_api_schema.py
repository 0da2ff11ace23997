"""The OpenAPI document: generated without a warning, valid OpenAPI 3, served on each
service's domain, and about the API's own paths only. The definitions it points to
(rules and JSON Schema) are served without a key."""

import yaml
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from api_helpers import Api, problem_of
from cldc.platform import registry
from cldc.platform.cli.rules import export

PATHS = {
    "/api/v1/records/": {"get", "post"},
    "/api/v1/records/{id}/": {"get", "patch", "delete"},
    "/api/v1/records/{id}/move/": {"post"},
    "/api/v1/records/batch/": {"post"},
    "/api/v1/records/validate/": {"post"},
    "/api/v1/definitions/": {"get"},
    "/api/v1/definitions/{collection}/{record_type}/{version}/rules/": {"get"},
    "/api/v1/definitions/{collection}/{record_type}/{version}/schema/": {"get"},
    "/api/v1/uploads/": {"post"},
    "/api/v1/uploads/{id}/": {"get"},
    "/api/v1/uploads/{id}/errors/": {"get"},
}


def test_the_schema_generates_without_warnings_and_validates():
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS, "drf-spectacular warned: run `manage.py spectacular --fail-on-warn` to see why"
    validate_schema(schema)
    assert {path: set(operations) - {"parameters"} for path, operations in schema["paths"].items()} == PATHS
    # Every error an operation documents is a problem detail.
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (path, method, status)
    assert schema["components"]["securitySchemes"]["apiKey"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "cldc_<prefix>_<secret>",
        "description": "An API key made by your organisation's data coordinator"}


def test_the_schema_is_served_without_a_key(visits_service):
    response = Api(service="visits").get("schema/")
    assert response.status_code == 200
    served = yaml.safe_load(response.content)
    assert served["info"]["title"] == "CLDC submission API" and set(served["paths"]) == set(PATHS)
    assert Api(service="visits").get("schema/", HTTP_ACCEPT="application/json").json()["openapi"].startswith("3.")


def test_the_rules_and_json_schema_of_a_version_are_public(visits_service):
    anonymous = Api(service="visits")
    rules = anonymous.get("definitions/visits/visit/2026/rules/")
    assert rules.status_code == 200
    package = registry.get("visits")
    assert rules.json() == export(package.definition("visit", 2026), package.rule_pack("visit", 2026))
    schema = anonymous.get("definitions/visits/visit/2026/schema/").json()
    assert schema["$id"] == "urn:cldc:visits:visit:2026" and "visitmode" in schema["properties"] and schema["required"]
    assert anonymous.get("definitions/visits/visit/2026/schema/?partial=true").json().get("required", []) == []
    listed = anonymous.get("definitions/").json()
    assert {(d["collection"], d["record_type"], d["version"]) for d in listed} == {("visits", "visit", 2026)}
    assert listed[0]["rules_url"].startswith("http://visits.localhost/api/v1/definitions/")
    for path in ("definitions/core/lettings/2026/rules/", "definitions/visits/visit/1999/schema/",
                 "definitions/visits/nothing/2026/rules/"):
        problem_of(anonymous.get(path), 404)  # core is another service's collection
