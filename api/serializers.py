"""The shapes of requests and responses. Requests are strict: a field the endpoint
does not know is a 400 naming it, never ignored. Answers are checked against the
definition by the gateway (cldc.api.submission), not here."""

from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from cldc.platform.records.models import Source, Status


class StrictSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise ValidationError({name: [ErrorDetail("This field is not part of the request.", code="unknown_field")]
                                       for name in unknown})
        return super().to_internal_value(data)


@extend_schema_field({"oneOf": [{"type": "string", "nullable": True}, {"type": "number"}, {"type": "boolean"}]})
class AnswerField(serializers.Field):
    """One answer: text, a number, true/false, or null to clear it. Lists and objects
    are never answers."""

    default_error_messages = {"wrong_type": "An answer must be text, a number, true, false or null."}

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)
        # As for DRF's CharField: text PostgreSQL cannot store is refused here, not by the database.
        self.validators += [ProhibitNullCharactersValidator(), ProhibitSurrogateCharactersValidator()]

    def to_internal_value(self, data):
        if isinstance(data, (list, dict)):
            self.fail("wrong_type")
        return data

    def run_validators(self, value):
        if isinstance(value, str):
            super().run_validators(value)

    def to_representation(self, value):
        return value


def answers_field(**kwargs):
    return serializers.DictField(child=AnswerField(), help_text=(
        "Answers by variable name, as the definition names them (see the JSON Schema of the version). "
        "Codes are sent as their code; dates as YYYY-MM-DD; organisations as ORG<id>, an ONS code or a "
        "regulator number; people as their email address. null clears an answer."), **kwargs)


def confirm_field():
    return serializers.ListField(
        child=serializers.CharField(), required=False, default=list,
        help_text="Ids of soft checks (warnings) you confirm for the answers as they will stand")


class RecordCreateSerializer(StrictSerializer):
    collection = serializers.CharField(required=False, help_text="Needed only when the service runs several "
                                       "collections with this record type")
    record_type = serializers.CharField(help_text="The record type, as the definition names it")
    version = serializers.IntegerField(help_text="The collection year, by its first year: 2026 for 2026 to 2027")
    organisation = serializers.CharField(help_text="The owning organisation: ORG<id>, its id, ONS code or regulator number")
    answers = answers_field()
    confirm = confirm_field()


class RecordUpdateSerializer(StrictSerializer):
    answers = answers_field(required=False, default=dict)
    confirm = confirm_field()


class RecordMoveSerializer(StrictSerializer):
    version = serializers.IntegerField(help_text="The later collection year to move the record to, by its first year: "
                                                 "2026 for 2026 to 2027")


class BatchSerializer(StrictSerializer):
    records = serializers.ListField(
        child=RecordCreateSerializer(), allow_empty=False, max_length=settings.CLDC_API_BATCH_MAX,
        help_text=f"Up to {settings.CLDC_API_BATCH_MAX:,} records, each as for creating one. A record whose "
                  "provider's reference (and owning organisation) matches an existing record updates it.")


# --- Responses ------------------------------------------------------------------------


class IssueSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="The variable or request field it is about")
    rule = serializers.CharField(help_text="The rule id, as in the rule pack")
    severity = serializers.ChoiceField(
        choices=["hard", "soft", "warning"],
        help_text="hard: not stored; soft: a check to confirm (`confirm`); warning: told only, nothing to confirm")
    message = serializers.CharField()


class NeedsAnswerSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The variable")
    rule = serializers.CharField(help_text="Why: retired_option or another refusal of the value, the rule that finds "
                                           "it wrong in the new version, not_in_version or not_applicable")
    message = serializers.CharField()
    value = serializers.JSONField(allow_null=True, help_text="The answer the record held")


class MoveSerializer(serializers.Serializer):
    """What a move to a later version did (records.versions)."""

    id = serializers.IntegerField()
    from_version = serializers.IntegerField()
    to_version = serializers.IntegerField()
    status = serializers.CharField(help_text="The record's status in the new version")
    kept = serializers.ListField(child=serializers.CharField(), help_text="Answers carried over as they were")
    needs_answer = NeedsAnswerSerializer(
        many=True, help_text="Answers to give again: a code the new version does not take (its message naming the "
                             "codes that replaced it), or an answer kept that a rule of the new version finds wrong")
    no_longer_asked = NeedsAnswerSerializer(
        many=True, help_text="Answers dropped because the new version has no such question (not_in_version) or does "
                             "not ask it given the other answers (not_applicable)")
    new_questions = serializers.ListField(child=serializers.CharField(),
                                          help_text="Questions the new version adds that need an answer")
    saved = serializers.BooleanField(help_text="False with validate_only=true")


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField(help_text="urn:cldc:problem:<slug>; see docs/api.md")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(help_text="The path called")
    errors = IssueSerializer(many=True)


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.SerializerMethodField()
    name = serializers.CharField()

    def get_reference(self, organisation) -> str:
        return f"ORG{organisation.pk}"


class RecordSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="null when only validated")
    url = serializers.SerializerMethodField()
    collection = serializers.CharField()
    record_type = serializers.CharField()
    version = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    owning_organisation = OrganisationRefSerializer(allow_null=True)
    managing_organisation = OrganisationRefSerializer(allow_null=True)
    provider_reference = serializers.CharField(
        help_text="The definition's reference answers, lower case, joined by |: blank until all are given")
    source = serializers.ChoiceField(choices=Source.choices, allow_blank=True, help_text="The channel that created it")
    lock_version = serializers.IntegerField(help_text="Send it back in If-Match to change the record safely")
    created_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)

    def get_url(self, record) -> str | None:
        request = self.context.get("request")
        if record.pk is None or request is None:
            return None
        return request.build_absolute_uri(reverse("api-record", kwargs={"pk": record.pk}))


class RecordSerializer(RecordSummarySerializer):
    """A record with its answers, their labels, its derived values and what is outstanding."""

    # It reads a cldc.api.representation.RecordView.

    answers = serializers.DictField(child=AnswerField())
    labels = serializers.DictField(
        child=serializers.CharField(),
        help_text="The label of each coded answer or derived value, and the name of each organisation, by variable")
    derived = serializers.DictField(child=AnswerField(), help_text="Values computed from the answers; never sent")
    errors = IssueSerializer(many=True, help_text="Hard problems outstanding")
    warnings = IssueSerializer(many=True, help_text="Soft checks waiting for a confirmation")
    missing = serializers.ListField(child=serializers.CharField(),
                                    help_text="Questions that apply and are not answered yet")


class BatchResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The record's position in the request, from 0")
    outcome = serializers.ChoiceField(choices=["created", "updated", "unchanged", "rejected"])
    id = serializers.IntegerField(allow_null=True)
    provider_reference = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=Status.choices, allow_null=True)
    errors = IssueSerializer(many=True)
    warnings = IssueSerializer(many=True)


class BatchResponseSerializer(serializers.Serializer):
    validate_only = serializers.BooleanField()
    counts = serializers.DictField(child=serializers.IntegerField(),
                                   help_text="created, updated, unchanged and rejected")
    results = BatchResultSerializer(many=True)

