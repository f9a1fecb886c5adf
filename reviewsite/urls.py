from django.contrib import admin
from django.urls import include, path

from jobs import account_views

urlpatterns = [
    path("admin/", admin.site.urls),
    # The site's own login, reset request and sign-up; the rest of accounts/ is Django's.
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path(
        "accounts/password_reset/",
        account_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/signup/", account_views.signup, name="signup"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("jobs.urls")),
]

handler400 = "jobs.errors.bad_request"
handler403 = "jobs.errors.permission_denied"
handler404 = "jobs.errors.not_found"
handler500 = "jobs.errors.server_error"
