"""Pages everyone can use: axe-core finds nothing serious on any page, and a keyboard suffices."""

import pytest
from django.utils.timezone import now

from jobs.models import ApiToken, Job
from tests.browser.support import (
    DESKTOP,
    JOB_URL,
    OBJECTIVE,
    PHONE,
    expect,
    expect_report,
    log_in,
)
from tests.conftest import make_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERIOUS = {"serious", "critical"}


# axe-core asks a name only of elements with role="progressbar"; a <progress> needs one just as
# much, from aria-label, aria-labelledby or a <label>.
NAMELESS_PROGRESS_BARS = """() => [...document.querySelectorAll('progress, [role=progressbar]')]
  .filter(el => !(el.getAttribute('aria-label') || '').trim()
    && !el.getAttribute('aria-labelledby') && !(el.labels && el.labels.length))
  .map(el => ({target: [el.outerHTML.slice(0, 120)]}))"""


def serious_violations(page) -> list[dict]:
    """What axe-core (bundled with axe-playwright-python) finds serious or critical here, and
    any progress bar without a name."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = [v for v in results.response["violations"] if v["impact"] in SERIOUS]
    if nameless := page.evaluate(NAMELESS_PROGRESS_BARS):
        found.append(
            {
                "id": "progress-name",
                "impact": "serious",
                "help": "Progress bars must have an accessible name",
                "nodes": nameless,
            }
        )
    return found


def describe(found: dict[str, list[dict]]) -> str:
    """One line per violation and element: the page, rule, impact, target and what would help."""
    lines = []
    for where, violations in found.items():
        for violation in violations:
            for node in violation["nodes"]:
                target = " ".join(str(part) for part in node["target"])
                lines.append(
                    f"{where}: {violation['id']} ({violation['impact']}) at {target}: "
                    f"{violation['help']}"
                )
    return "\n".join(lines)


@pytest.fixture
def pages_to_check(user, project, review_result, deep_dive_result, settings):
    """Every page a member sees, with something on each: the path of each, by name."""
    # The running job's block must hold still while axe reads it.
    settings.JOB_POLL_SECONDS = 60
    user.is_staff = True  # the fullest navigation bar
    user.email = "someone@example.org"
    user.save()
    running = make_job(
        project=project,
        status=Job.Status.PROCESSING,
        stage="Ranking papers",
        progress=40,
        started_at=now(),
        heartbeat_at=now(),
    )
    review = make_job(
        project=project,
        status=Job.Status.COMPLETED,
        progress=100,
        result=review_result,
        started_at=now(),
        finished_at=now(),
    )
    dive = make_job(
        project=project,
        kind=Job.Kind.DEEP_DIVE,
        status=Job.Status.COMPLETED,
        progress=100,
        result=deep_dive_result,
        started_at=now(),
        finished_at=now(),
    )
    queued = make_job(project=project, status=Job.Status.QUEUED)
    failed = make_job(project=project, status=Job.Status.FAILED, error="The library is empty.")
    make_job(project=project, status=Job.Status.CANCELLED)  # every status badge on the lists
    ApiToken.issue(user=user, name="laptop")
    return {
        "dashboard": "/",
        "project": project.get_absolute_url(),
        "queued job": queued.get_absolute_url(),
        "running job": running.get_absolute_url(),
        "failed job": failed.get_absolute_url(),
        "finished review": review.get_absolute_url(),
        "finished deep dive": dive.get_absolute_url(),
        "jobs list": "/jobs/",
        "profile": "/account/",
        "password change": "/accounts/password_change/",
        "operations": "/ops/",
        "tokens": "/account/tokens/",  # last: the test goes on from its forms
    }


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_no_page_has_a_serious_or_critical_accessibility_violation(
    size, user, pages_to_check, open_page
):
    page = open_page(PHONE if size == "phone" else DESKTOP)
    found = {}
    page.goto("/accounts/password_reset/")
    found["password reset"] = serious_violations(page)
    page.goto("/accounts/login/")
    found["login"] = serious_violations(page)
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".error")).to_be_visible()
    found["login, refused"] = serious_violations(page)
    log_in(page, user)
    for name, path in pages_to_check.items():
        page.goto(path)
        found[name] = serious_violations(page)
    # The pages that answer a form: a new token shown once, and a message after a revoke.
    page.get_by_label("Name").fill("phone")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-token")).to_be_visible()
    found["new token"] = serious_violations(page)
    page.get_by_role("button", name="Revoke").first.click()
    expect(page.locator(".messages")).to_be_visible()
    found["token revoked"] = serious_violations(page)
    found = {f"{name} ({size})": v for name, v in found.items() if v}
    if found:
        pytest.fail("Serious or critical accessibility violations:\n" + describe(found))


def test_staff_reach_operations_and_admin_from_a_phone(user, open_page):
    user.is_staff = True
    user.save()
    page = open_page(PHONE)
    log_in(page, user)
    site = page.get_by_role("navigation", name="Site")
    for name in ("Dashboard", "Jobs", "Profile", "Operations", "Admin"):
        expect(site.get_by_role("link", name=name)).to_be_in_viewport()
    expect(site.get_by_role("button", name="Log out")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    site.get_by_role("link", name="Operations").click()
    expect(page.get_by_role("heading", name="Operations")).to_be_visible()


def test_the_job_filters_are_named_by_their_labels(user, project, open_page):
    page = open_page(DESKTOP)
    log_in(page, user)
    page.goto("/jobs/")
    page.get_by_label("Status").select_option("queued")
    page.get_by_label("Kind").select_option("review")
    page.get_by_label("Project").select_option(label=project.name)
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(f"/jobs/?status=queued&kind=review&project={project.pk}")


def tab_to(page, target, *, within: str, most: int) -> None:
    """Press Tab until target has the focus, at most `most` times; each element the focus passes
    on the way is inside `within` and shows that it has the focus."""
    for _ in range(most):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS, within)
        assert focus["inside"], f"the focus left {within} for {focus['html']}"
        assert focus["outlined"], f"no visible focus on {focus['html']}"
        if target.evaluate("el => el === document.activeElement"):
            return
    pytest.fail(f"{most} presses of Tab did not reach {target}")


# Where the focus is: inside the given part of the page or not, and drawn with an outline.
FOCUS = """(within) => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    html: el.outerHTML.slice(0, 120),
    inside: Boolean(el.closest(within)),
    outlined: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
  };
}"""


@pytest.mark.worker
def test_a_review_started_and_read_with_the_keyboard_alone(
    user, project, library, open_page, start_worker
):
    start_worker(JOB_STAGE_DELAY_SECONDS="0.2")
    page = open_page(DESKTOP)
    log_in(page, user)
    page.goto(project.get_absolute_url())
    skip = page.get_by_role("link", name="Skip to main content")
    review_form = page.locator("form", has=page.get_by_role("button", name="Generate review"))

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")  # the first field of the page is the review's objective
    expect(review_form.get_by_label("Objective")).to_be_focused()
    page.keyboard.type(OBJECTIVE)
    tab_to(
        page,
        review_form.get_by_role("button", name="Generate review"),
        within="form[action$='/reviews']",
        most=8,
    )
    page.keyboard.press("Enter")

    page.wait_for_url(JOB_URL)
    expect(page.get_by_role("heading", name=OBJECTIVE)).to_be_visible()
    page.keyboard.press("Tab")  # a new page: the focus starts from its top again
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    expect_report(page)
    result = page.locator(".result")
    tab_to(page, result.get_by_role("link", name="Markdown"), within="main", most=8)
    page.keyboard.press("Tab")
    expect(result.get_by_role("link", name="JSON")).to_be_focused()


def test_a_double_click_on_generate_review_sends_one_request_and_makes_one_job(
    user, project, open_page
):
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    page = open_page(DESKTOP)
    log_in(page, user)
    page.goto(project.get_absolute_url())
    held = []
    page.route("**/reviews", lambda route: held.append(route))  # held: the page stays put
    form = page.locator("form", has=page.get_by_role("button", name="Generate review"))
    button = form.get_by_role("button", name="Generate review")
    form.get_by_label("Objective").fill(OBJECTIVE)
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    with page.expect_request("**/reviews"):
        page.mouse.click(x, y)
    page.mouse.click(x, y)  # the second click of a slow double click, once the first has gone
    with pytest.raises(PlaywrightTimeoutError):  # a window for a second request to show up
        page.wait_for_event("request", lambda request: request.method == "POST", timeout=1_000)
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_url(JOB_URL)
    expect(page.get_by_role("heading", name=OBJECTIVE)).to_be_visible()
    assert Job.objects.filter(project=project).count() == 1


def test_a_sent_form_waits_and_gets_its_button_back_when_the_page_is_shown_again(
    user, project, open_page
):
    page = open_page(DESKTOP)
    log_in(page, user)
    page.goto(project.get_absolute_url())
    # An answer with no content leaves the browser on this page, the form sent.
    page.route("**/reviews", lambda route: route.fulfill(status=204))
    form = page.locator("form", has=page.get_by_role("button", name="Generate review"))
    button = form.get_by_role("button", name="Generate review")
    form.get_by_label("Objective").fill(OBJECTIVE)
    button.click()
    expect(button).to_be_disabled()
    expect(form).to_have_attribute("aria-busy", "true")
    # Back from the back/forward cache, the page is as it was left: the form may be sent again.
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    expect(button).to_be_enabled()
    expect(form).not_to_have_attribute("aria-busy", "true")
    with page.expect_request("**/reviews"):
        button.click()


# A form that htmx sends, as a page might have one; the answer changes nothing on the page.
HTMX_FORM = """() => {
  const form = document.createElement('form');
  form.method = 'post';
  form.setAttribute('hx-post', '/htmx-form');
  form.setAttribute('hx-swap', 'none');
  form.innerHTML = '<button type="submit">Send with htmx</button>';
  document.querySelector('main').prepend(form);
  htmx.process(form);
}"""


def test_forms_sent_by_htmx_are_left_to_htmx(user, open_page):
    page = open_page(DESKTOP)
    log_in(page, user)
    sent = []

    def answer(route):
        sent.append(route.request.headers.get("hx-request"))
        route.fulfill(status=204)

    page.route("**/htmx-form", answer)
    page.evaluate(HTMX_FORM)
    button = page.get_by_role("button", name="Send with htmx")
    for _ in range(2):
        with page.expect_response("**/htmx-form"):
            button.click()
        expect(button).to_be_enabled()
        expect(page.locator("main > form")).not_to_have_attribute("aria-busy", "true")
    assert sent == ["true", "true"]
    expect(page.get_by_role("heading", name="Your research jobs")).to_be_visible()
