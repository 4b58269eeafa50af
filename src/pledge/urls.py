"""URLs: the public site, and the operator admin on its own path."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "pledge operator"
admin.site.site_title = "pledge operator"

urlpatterns = [
    path("operator/", admin.site.urls),
    path("", include("pledge.web.urls")),
]
