from django.urls import path

from cldc.platform.queries import views

urlpatterns = [
    path("queries/", views.query_list, name="query-list"),
    path("queries/new-many/", views.new_queries, name="query-new-many"),
    path("queries/<int:pk>/", views.query_detail, name="query-detail"),
    path("queries/<int:pk>/reply/", views.reply, name="query-reply"),
    path("queries/<int:pk>/resolve/", views.resolve, name="query-resolve"),
    path("queries/<int:pk>/reopen/", views.reopen, name="query-reopen"),
    path("logs/<int:pk>/queries/new/", views.new_query, name="query-new"),
]
