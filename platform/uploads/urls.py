from django.urls import path

from cldc.platform.uploads import matches, views

urlpatterns = [
    path("uploads/", views.upload_list, name="upload-list"),
    path("uploads/new/", views.new_upload, name="upload-new"),
    path("uploads/<int:pk>/", views.upload_detail, name="upload-detail"),
    path("uploads/<int:pk>/status.json", views.upload_status, name="upload-status"),
    path("uploads/<int:pk>/annotated", views.annotated_download, name="upload-annotated"),
    path("uploads/<int:pk>/columns/", views.match_columns, name="upload-columns"),
    path("uploads/<int:pk>/values/", views.match_values, name="upload-values"),
    path("uploads/<int:pk>/rows/<int:row>/", views.edit_row, name="upload-row"),
    path("uploads/<int:pk>/every-row/<str:variable>/", views.answer_every_row, name="upload-every-row"),
    path("uploads/<int:pk>/check-again/", views.check_again, name="upload-check-again"),
    path("uploads/<int:pk>/create-valid/", views.create_valid_now, name="upload-create-valid"),
    path("uploads/<int:pk>/confirm/", views.confirm_warnings, name="upload-confirm"),
    path("uploads/matches/", matches.saved_matches_index, name="upload-matches-index"),
    path("uploads/matches/<int:organisation>/<str:collection>/<str:record_type>/", matches.saved_matches,
         name="upload-matches"),
    path("uploads/matches/change/<int:pk>/", matches.change_match, name="upload-match-change"),
    path("uploads/matches/remove/<int:pk>/", matches.remove_match, name="upload-match-remove"),
    path("uploads/templates/<str:collection>/<str:record_type>/<int:version>/<str:name>", views.template_download,
         name="upload-template"),
]
