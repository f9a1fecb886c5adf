from django.urls import path, re_path

from jobs import account_views, api, ops_views, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("projects/new", views.project_create, name="project_create"),
    path("projects/<int:project_id>/", views.project_detail, name="project_detail"),
    path("projects/<int:project_id>/members", views.project_add_member, name="project_add_member"),
    path(
        "projects/<int:project_id>/invitations",
        account_views.invitations,
        name="invitation_create",
    ),
    path(
        "projects/<int:project_id>/invitations/<int:invitation_id>/revoke",
        account_views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/<slug:token>/", account_views.invitation_accept, name="invitation_accept"),
    path("projects/<int:project_id>/reviews", views.review_start, name="review_start"),
    path("projects/<int:project_id>/deep-dives", views.deep_dive_start, name="deep_dive_start"),
    path("projects/<int:project_id>/imports", views.import_start, name="import_start"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<uuid:job_id>/delete", views.job_delete, name="job_delete"),
    re_path(
        # The job id as strict as <uuid:…>, so a malformed one is a 404, not a failed lookup.
        r"^jobs/(?P<job_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
        r"/export\.(?P<fmt>md|json|bib|ris)$",
        views.job_export,
        name="job_export",
    ),
    path("jobs/<uuid:job_id>/partial", views.job_status_partial, name="job_status_partial"),
    path("account/", views.profile, name="profile"),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("account/tokens/<int:token_id>/revoke", views.api_token_revoke, name="api_token_revoke"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("ops/", ops_views.operations, name="operations"),
    path("metrics", ops_views.metrics, name="metrics"),
    # The JSON API (jobs/api.py): /generate-review-async, /deep-dive-async,
    # /library-import-async, /jobs/<id>/status, /jobs/<id>/cancel, /jobs/<id>/retry, and its
    # OpenAPI document at /api/openapi.json with a browsable page at /api/docs.
    *api.urlpatterns(),
]
