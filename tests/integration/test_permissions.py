"""Every URL that takes a job id, tried by a stranger and by nobody. The list of URLs is read
from the whole URLconf — path() and re_path() routes, included ones (the API) too — so a new job
URL is swept as soon as it exists. Then who may delete a job."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils.regex_helper import normalize

from jobs.models import Job, Membership, Role
from tests.conftest import make_job, make_project, make_user

pytestmark = pytest.mark.django_db

# A value for every other part of a job URL; a route with a part not listed here fails the sweep.
SAMPLES = {"fmt": "md"}


def job_routes(patterns=None, prefix: str = "") -> list[tuple[str, URLPattern]]:
    """(path template, route) for every route whose path takes a job id, e.g.
    ("jobs/%(job_id)s/export.%(fmt)s", <the export route>)."""
    routes = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        ((template, params),) = normalize(entry.pattern.regex.pattern)[:1]
        if isinstance(entry, URLResolver):
            routes += job_routes(entry.url_patterns, prefix + template)
        elif "job_id" in params:
            routes.append((prefix + template, entry))
    return routes


ROUTES = dict(job_routes())


def url_of(template: str, job: Job) -> str:
    url = "/" + template % {**SAMPLES, "job_id": job.pk}
    assert resolve(url).func == ROUTES[template].callback, f"{url} does not reach {template}"
    return url


def call(client, template: str, job: Job, **headers):
    """GET the URL, or POST it where the route takes only POST (a 405 to GET)."""
    url = url_of(template, job)
    response = client.get(url, **headers)
    return client.post(url, **headers) if response.status_code == 405 else response


@pytest.fixture
def job_in(review_result):
    """A review in a state; a completed one has a real result, so its export would serve."""

    def make(status: str) -> Job:
        return make_job(status=status, result=review_result if status == "completed" else None)

    return make


def test_the_sweep_covers_the_job_urls():
    assert set(ROUTES) >= {
        "jobs/%(job_id)s/",
        "jobs/%(job_id)s/partial",
        "jobs/%(job_id)s/status",
        "jobs/%(job_id)s/cancel",
        "jobs/%(job_id)s/retry",
        "jobs/%(job_id)s/delete",
        "jobs/%(job_id)s/export.%(fmt)s",  # a re_path route
    }


def test_every_part_of_a_job_url_has_a_sample():
    job = Job(pk="00000000-0000-0000-0000-000000000000")
    for template in ROUTES:
        url_of(template, job)


@pytest.mark.parametrize("template", sorted(ROUTES))
def test_the_owner_reaches_every_route(client, job_in, template):
    """So a stranger's 404 below comes from who they are, not from the job or the URL."""
    job = job_in("completed")
    client.force_login(job.project.owner)
    assert call(client, template, job).status_code not in {404, 405}


@pytest.mark.parametrize("template", sorted(ROUTES))
@pytest.mark.parametrize("status", ["processing", "failed", "completed"])
def test_a_stranger_gets_404_and_changes_nothing(client, job_in, template, status):
    job = job_in(status)
    client.force_login(make_user())
    assert call(client, template, job).status_code == 404
    assert call(client, template, job, HTTP_ACCEPT="application/json").status_code == 404
    assert Job.objects.count() == 1 and Job.objects.get().status == status


@pytest.mark.parametrize("template", sorted(ROUTES))
@pytest.mark.parametrize("status", ["processing", "completed"])
def test_nobody_is_sent_to_log_in_or_gets_401(client, job_in, template, status):
    job = job_in(status)
    page = call(client, template, job)
    api = call(client, template, job, HTTP_ACCEPT="application/json")
    assert page.status_code in {302, 401}
    if page.status_code == 302:
        assert page.url.startswith("/accounts/login/")
    assert api.status_code in {302, 401}
    assert Job.objects.count() == 1 and Job.objects.get().status == status


@pytest.mark.parametrize("action", ["cancel", "retry", "delete"])
def test_a_viewer_sees_but_cannot_change(client, action):
    job = make_job(status="processing" if action == "cancel" else "failed")
    viewer = make_user()
    job.project.memberships.create(user=viewer, role=Role.VIEWER)
    client.force_login(viewer)
    assert client.get(url_of("jobs/%(job_id)s/", job)).status_code == 200
    assert client.post(url_of(f"jobs/%(job_id)s/{action}", job)).status_code == 403
    assert Job.objects.count() == 1 and Job.objects.get().status == job.status


def test_an_unknown_job_id_is_404(client, user):
    client.force_login(user)
    assert client.get("/jobs/00000000-0000-0000-0000-000000000000/status").status_code == 404
    assert client.get("/jobs/not-a-uuid/status").status_code == 404


@pytest.fixture
def team():
    """A project with its owner and two editors, and a finished job each editor started."""
    owner, ann, bob = make_user(), make_user(), make_user()
    project = make_project(owner, members={ann: Role.EDITOR, bob: Role.EDITOR})
    return {
        "owner": owner,
        "ann": ann,
        "bob": bob,
        "anns_job": make_job(project=project, creator=ann, status="completed"),
        "bobs_job": make_job(project=project, creator=bob, status="failed"),
    }


def delete(client, who, job):
    client.force_login(who)
    return client.post(reverse("job_delete", args=[job.pk]))


def test_an_editor_cannot_delete_another_members_job(client, team):
    response = delete(client, team["bob"], team["anns_job"])
    assert response.status_code == 403
    assert "who started this job or an owner" in response.content.decode()
    assert Job.objects.filter(pk=team["anns_job"].pk).exists()


def test_the_creator_can_delete_their_own_job(client, team):
    assert delete(client, team["ann"], team["anns_job"]).status_code == 302
    assert not Job.objects.filter(pk=team["anns_job"].pk).exists()
    assert Job.objects.filter(pk=team["bobs_job"].pk).exists()


def test_a_project_owner_can_delete_any_job_of_the_project(client, team):
    assert delete(client, team["owner"], team["anns_job"]).status_code == 302
    assert delete(client, team["owner"], team["bobs_job"]).status_code == 302
    assert Job.objects.count() == 0


def test_a_creator_who_is_now_a_viewer_cannot_delete(client, team):
    Membership.objects.filter(user=team["ann"]).update(role=Role.VIEWER)
    assert delete(client, team["ann"], team["anns_job"]).status_code == 403
    assert Job.objects.filter(pk=team["anns_job"].pk).exists()


def test_delete_is_offered_only_to_those_who_may_delete(client, team):
    def offered(who) -> set[str]:
        client.force_login(who)
        html = client.get("/jobs/").content.decode()
        rows = html.split('class="job-row"')[1:]
        return {row.split('href="/jobs/')[1][:36] for row in rows if "Delete</button>" in row}

    anns, bobs = str(team["anns_job"].pk), str(team["bobs_job"].pk)
    assert offered(team["bob"]) == {bobs}
    assert offered(team["ann"]) == {anns}
    assert offered(team["owner"]) == {anns, bobs}


def test_deletable_by_decides_as_the_view_does(team):
    assert set(Job.objects.deletable_by(team["bob"])) == {team["bobs_job"]}
    assert set(Job.objects.deletable_by(team["owner"])) == {team["anns_job"], team["bobs_job"]}
    assert not Job.objects.deletable_by(AnonymousUser()).exists()
