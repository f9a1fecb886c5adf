"""Every URL that takes a job id, tried by a stranger and by nobody. The list of URLs is read
from the URLconf, so a new job URL is swept as soon as it exists. Then who may delete a job."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import URLPattern, reverse

from jobs import urls
from jobs.models import Job, Membership, Role
from tests.conftest import make_job, make_project, make_user

pytestmark = pytest.mark.django_db

JOB_URL_NAMES = [
    p.name
    for p in urls.urlpatterns
    if isinstance(p, URLPattern) and "job_id" in p.pattern.converters
]
POST_ONLY = {"job_cancel", "job_retry", "job_delete"}


def call(client, name, job, **headers):
    url = reverse(name, args=[job.pk])
    method = client.post if name in POST_ONLY else client.get
    return method(url, **headers)


def test_the_sweep_covers_the_job_urls():
    assert set(JOB_URL_NAMES) >= {
        "job_detail",
        "job_status_partial",
        "job_status",
        "job_cancel",
        "job_retry",
    }


@pytest.mark.parametrize("name", JOB_URL_NAMES)
@pytest.mark.parametrize("status", ["processing", "failed"])
def test_a_stranger_gets_404_and_changes_nothing(client, name, status):
    job = make_job(status=status)
    client.force_login(make_user())
    assert call(client, name, job).status_code == 404
    assert call(client, name, job, HTTP_ACCEPT="application/json").status_code == 404
    assert Job.objects.count() == 1 and Job.objects.get().status == status


@pytest.mark.parametrize("name", JOB_URL_NAMES)
def test_nobody_is_sent_to_log_in_or_gets_401(client, name):
    job = make_job(status="processing")
    page = call(client, name, job)
    api = call(client, name, job, HTTP_ACCEPT="application/json")
    assert page.status_code in {302, 401}
    if page.status_code == 302:
        assert page.url.startswith("/accounts/login/")
    assert api.status_code in {302, 401}
    assert Job.objects.get().status == "processing"


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_a_viewer_sees_but_cannot_change(client, name):
    job = make_job(status="processing" if name == "job_cancel" else "failed")
    viewer = make_user()
    job.project.memberships.create(user=viewer, role=Role.VIEWER)
    client.force_login(viewer)
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == 200
    assert call(client, name, job).status_code == 403
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
