from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("jobs.urls")),
]

handler400 = "jobs.errors.bad_request"
handler403 = "jobs.errors.permission_denied"
handler404 = "jobs.errors.not_found"
handler500 = "jobs.errors.server_error"
