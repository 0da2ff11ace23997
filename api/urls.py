"""The API under /api/v1/, and the pages where coordinators manage API clients."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from cldc.api import pages, reference
from cldc.api.views import batch, definitions, records, uploads

endpoints = [
    path("records/", records.RecordListView.as_view(), name="api-records"),
    path("records/batch/", batch.BatchView.as_view(), name="api-records-batch"),
    path("records/validate/", records.RecordValidateView.as_view(), name="api-records-validate"),
    path("records/<int:pk>/", records.RecordDetailView.as_view(), name="api-record"),
    path("records/<int:pk>/move/", records.RecordMoveView.as_view(), name="api-record-move"),
    path("definitions/", definitions.DefinitionListView.as_view(), name="api-definitions"),
    path("definitions/<str:collection>/<str:record_type>/<int:version>/rules/", definitions.RulesView.as_view(),
         name="api-rules"),
    path("definitions/<str:collection>/<str:record_type>/<int:version>/schema/", definitions.RecordSchemaView.as_view(),
         name="api-record-schema"),
    path("uploads/", uploads.UploadCreateView.as_view(), name="api-uploads"),
    path("uploads/<int:pk>/", uploads.UploadDetailView.as_view(), name="api-upload"),
    path("uploads/<int:pk>/errors/", uploads.UploadErrorsView.as_view(), name="api-upload-errors"),
    path("schema/", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]), name="api-schema"),
    # The readable reference (a web page, not part of the OpenAPI document) and its example files.
    path("docs/", reference.reference, name="api-reference"),
    path("docs/examples/<str:collection>/<str:record_type>/<int:version>.json", reference.example_file,
         name="api-example"),
    path("docs/examples/<str:collection>/<str:record_type>/<int:version>-change.json", reference.example_file,
         {"change": True}, name="api-example-change"),
]

management = [
    path("", pages.client_list, name="api-client-list"),
    path("new/", pages.new_client, name="api-client-new"),
    path("<int:pk>/revoke/", pages.revoke_client, name="api-client-revoke"),
    path("suppliers/new/", pages.new_supplier, name="api-supplier-new"),
    path("suppliers/authorise/", pages.authorise_supplier, name="api-supplier-authorise"),
    path("suppliers/authorisations/<int:pk>/withdraw/", pages.withdraw_authorisation,
         name="api-supplier-withdraw"),
]

urlpatterns = [
    path("api/v1/", include(endpoints)),
    path("api-clients/", include(management)),
]
