from django.urls import path

from cldc.platform.notices import views

urlpatterns = [
    path("banners/", views.banner_list, name="banner-list"),
    path("banners/new/", views.banner_edit, name="banner-new"),
    path("banners/check/", views.banner_check, name="banner-check"),
    path("banners/<int:pk>/", views.banner_page, name="banner-page"),
    path("banners/<int:pk>/change/", views.banner_edit, name="banner-change"),
    path("banners/<int:pk>/remove/", views.banner_remove, name="banner-remove"),
    path("banners/<int:pk>/dismiss/", views.dismiss, name="banner-dismiss"),
]
