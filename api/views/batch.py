"""POST /records/batch/: many records in one call (cldc.api.batch)."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from cldc.api.batch import Batch, validate_only_limit
from cldc.api.calls import acting_for
from cldc.api.problems import Problem, issue
from cldc.api.references import find_organisation
from cldc.api.serializers import BatchResponseSerializer, BatchSerializer
from cldc.api.submission import Writer
from cldc.api.views.base import ApiView
from cldc.api.views.records import VALIDATE_ONLY, problems, validate_only


class BatchView(ApiView):
    @extend_schema(
        operation_id="records_batch", request=BatchSerializer, parameters=[VALIDATE_ONLY],
        responses={200: BatchResponseSerializer, **problems(400, 401, 413, 415, 429)},
        description=f"Create or update up to {settings.CLDC_API_BATCH_MAX:,} records, matched on the provider's "
                    "reference within the owning organisation. Each record has its own result; a rejected record "
                    "never stops the others. Sending the same batch again changes nothing. A collection may take fewer "
                    "records in a validate-only call (413 batch-too-large), as its suppliers' validation does.")
    def post(self, request):
        only_validate = validate_only(request)
        sent = request.data.get("records") if isinstance(request.data, dict) else None
        most = settings.CLDC_API_BATCH_MAX
        if isinstance(sent, list) and len(sent) > most:
            message = f"A batch may have at most {most:,} records; this one has {len(sent):,}. Split it."
            raise Problem(413, "batch-too-large", message, [issue("records", "max_length", message)])
        limit = validate_only_limit(self.service, sent) if only_validate and isinstance(sent, list) else None
        if limit and len(sent) > limit[0]:
            message = (f"A validate-only call may check at most {limit[0]:,} {limit[1]}; this one has {len(sent):,}. "
                       "Split it.")
            raise Problem(413, "batch-too-large", message, [issue("records", "max_length", message)])
        serializer = BatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        writer = Writer(self.client, self.service)
        items = serializer.validated_data["records"]
        owners = {str(item["organisation"]).strip().upper() for item in items}
        if len(owners) == 1:  # the call log names the organisation when there is one
            acting_for(request, find_organisation(owners.pop(), writer.acted_for))
        return Response(Batch(writer, only_validate).run(items))
