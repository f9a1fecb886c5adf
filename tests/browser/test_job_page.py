"""The job page in a real browser: a review's progress, its report, and how the page polls."""

import re

import pytest

from tests.browser.support import (
    DESKTOP,
    JOB_TIMEOUT_MS,
    OBJECTIVE,
    expect,
    expect_report,
    is_status_poll,
    log_in,
    start_review,
)
from tests.conftest import make_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Keeps, in the page itself, every value the progress bar showed (null once it is gone), so a
# reload would lose the record and the test can tell.
RECORD_PROGRESS = """() => {
  window.progressSeen = [];
  const record = () => {
    const bar = document.querySelector('#job-status progress');
    const value = bar ? Number(bar.value) : null;
    if (window.progressSeen.at(-1) !== value) window.progressSeen.push(value);
  };
  record();
  new MutationObserver(record).observe(document.querySelector('main'),
    {childList: true, subtree: true, attributes: true});
}"""
SET_VISIBILITY = """(state) => {
  Object.defineProperty(document, 'visibilityState', {value: state, configurable: true});
  Object.defineProperty(document, 'hidden', {value: state === 'hidden', configurable: true});
  document.dispatchEvent(new Event('visibilitychange'));
}"""
STALE = re.compile(r"\bstale\b")


def queued_job_on_a_paused_clock(user, project, open_page):
    """A queued job's page (no worker, so it polls for as long as the test needs) whose timers
    run on a clock the test moves by hand: "a few poll intervals" is then exact, and a poll seen
    while the clock stands still cannot have come from the timer. Also the polls it sends."""
    job = make_job(project=project)
    page = open_page(DESKTOP)
    log_in(page, user)
    polls = []
    page.on("request", lambda request: is_status_poll(request.url) and polls.append(request))
    page.clock.install()
    page.clock.pause_at(page.evaluate("Date.now()") + 1_000)
    page.goto(job.get_absolute_url())
    return page, page.locator("#job-status"), polls


@pytest.mark.worker
def test_a_review_started_from_the_project_page_rises_to_its_report_without_a_reload(
    user, project, library, open_page, start_worker
):
    start_worker(JOB_STAGE_DELAY_SECONDS="0.4")
    page = open_page(DESKTOP)
    refused = []  # anything the Content Security Policy blocks shows up as a console error
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and refused.append(message.text),
    )
    log_in(page, user)

    start_review(page, project)
    expect(page.get_by_role("heading", name=OBJECTIVE)).to_be_visible()
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.evaluate(RECORD_PROGRESS)

    expect_report(page)
    assert navigations == []
    seen = page.evaluate("window.progressSeen")
    bar_values = [value for value in seen if value is not None]
    assert bar_values == sorted(bar_values), seen
    assert len({value for value in bar_values if 0 < value < 100}) >= 2, seen
    assert seen[-1] is None, seen
    assert refused == []


def test_a_hidden_tab_makes_no_status_requests_and_asks_at_once_when_shown(
    user, project, open_page
):
    page, status, polls = queued_job_on_a_paused_clock(user, project, open_page)
    expect(status).to_have_attribute("data-poll-seconds", "1")

    page.evaluate("document.getElementById('job-status').dataset.answered = 'no'")
    with page.expect_request(lambda request: is_status_poll(request.url)):
        page.clock.run_for(1_000)  # visible: the timer polls
    expect(status).not_to_have_attribute("data-answered", "no")  # the answer is swapped in
    page.clock.run_for(100)  # and settles, which starts its own timer
    polls.clear()

    page.evaluate(SET_VISIBILITY, "hidden")
    page.clock.run_for(3_500)
    page.wait_for_timeout(500)  # a window for any request those timers started to show up
    assert polls == []

    with page.expect_request(lambda request: is_status_poll(request.url), timeout=2_000):
        page.evaluate(SET_VISIBILITY, "visible")
    assert len(polls) == 1
    expect(status.locator(".badge")).to_have_text("Queued")


def test_a_tab_that_lost_the_server_while_hidden_waits_and_reconnects_at_once_when_shown(
    user, project, open_page
):
    page, status, polls = queued_job_on_a_paused_clock(user, project, open_page)
    page.route("**/partial**", lambda route: route.abort("connectionrefused"))
    with page.expect_event("requestfailed", lambda request: is_status_poll(request.url)):
        page.clock.run_for(1_000)
    expect(status).to_have_class(STALE)

    page.evaluate(SET_VISIBILITY, "hidden")
    polls.clear()
    page.clock.run_for(120_000)  # two minutes in the background, the server still away
    page.wait_for_timeout(500)  # a window for any request those timers started to show up
    assert polls == []

    page.unroute("**/partial**")
    with page.expect_request(lambda request: is_status_poll(request.url), timeout=2_000):
        page.evaluate(SET_VISIBILITY, "visible")
    page.clock.resume()  # lets the answer settle in
    expect(status).not_to_have_class(STALE)
    expect(page.get_by_text("Reconnecting…")).to_be_hidden()
    expect(status.locator(".badge")).to_have_text("Queued")


@pytest.mark.worker
def test_an_unreachable_server_shows_reconnecting_and_the_page_recovers_by_itself(
    user, project, library, open_page, start_worker
):
    start_worker(JOB_STAGE_DELAY_SECONDS="0.8")
    page = open_page(DESKTOP)
    log_in(page, user)
    start_review(page, project)
    status = page.locator("#job-status")
    expect(status).to_have_attribute("data-status", "processing", timeout=JOB_TIMEOUT_MS)
    page.evaluate(RECORD_PROGRESS)
    reconnecting = page.get_by_text("Reconnecting…")
    expect(reconnecting).to_be_hidden()

    page.route("**/partial**", lambda route: route.abort("connectionrefused"))
    expect(status).to_have_class(STALE)
    expect(reconnecting).to_be_visible()
    # The one live region says so once; the figures that tick are never announced.
    announcer = page.locator("#job-announcer")
    expect(announcer).to_have_text("Connection lost: trying again.")
    # Still away at the next attempt: the page keeps trying and keeps saying so.
    page.wait_for_event("requestfailed", lambda request: is_status_poll(request.url))
    expect(status).to_have_class(STALE)
    expect(reconnecting).to_be_visible()

    page.unroute("**/partial**")
    expect(status).not_to_have_class(STALE)
    expect(reconnecting).to_be_hidden()
    expect(announcer).not_to_have_text("Connection lost: trying again.")
    expect(status.locator("progress")).to_be_visible()  # back while the job still runs
    expect_report(page)
    bar_values = [value for value in page.evaluate("window.progressSeen") if value is not None]
    assert bar_values == sorted(bar_values)


@pytest.mark.worker
def test_polling_stops_once_the_job_is_finished(user, project, library, open_page, start_worker):
    start_worker(JOB_STAGE_DELAY_SECONDS="0.2")
    page = open_page(DESKTOP)
    log_in(page, user)
    polls = []
    page.on("request", lambda request: is_status_poll(request.url) and polls.append(request))

    start_review(page, project)
    expect_report(page)
    assert polls, "the report should have arrived through a poll"
    expect(page.locator("#job-status")).not_to_have_attribute("hx-get", re.compile(".*"))

    polls_when_finished = len(polls)
    page.wait_for_timeout(4_000)  # four poll intervals, watching for requests that should not come
    assert len(polls) == polls_when_finished


# The operating system's notification centre is the world outside the browser: a stand-in
# records what would reach it, and says the person has (or has not yet) answered the prompt.
NOTIFICATIONS = """(() => {
  window.shown = [];
  window.asked = 0;
  let permission = '%s';
  window.Notification = class {
    constructor(title, options) { window.shown.push({title: title, tag: options.tag}); }
    static get permission() { return permission; }
    static requestPermission() {
      window.asked += 1;
      permission = 'granted';
      return Promise.resolve('granted');
    }
  };
  document.hasFocus = () => false;  // the person is working in another window
})();"""


@pytest.mark.worker
def test_a_finished_job_notifies_a_tab_that_is_open_but_not_in_focus(
    user, project, library, open_page, start_worker
):
    start_worker(JOB_STAGE_DELAY_SECONDS="0.4")
    page = open_page(DESKTOP)
    page.add_init_script(NOTIFICATIONS % "default")
    log_in(page, user)
    start_review(page, project)
    offer = page.get_by_role("button", name="Notify me in this browser when it's done")
    offer.click()
    expect(offer).to_have_count(0)
    expect_report(page)
    assert page.evaluate("window.asked") == 1
    shown = page.evaluate("window.shown")
    assert [n["title"] for n in shown] == ["Your literature review is ready"]


# Records, in the page, every text the live region is given.
RECORD_ANNOUNCEMENTS = """() => {
  window.announced = [];
  const region = document.getElementById('job-announcer');
  new MutationObserver(() => window.announced.push(region.textContent))
    .observe(region, {childList: true, characterData: true, subtree: true});
}"""


@pytest.mark.worker
def test_focus_survives_polls_and_the_live_region_hears_only_status_and_stage(
    user, project, library, open_page, start_worker
):
    start_worker(JOB_STAGE_DELAY_SECONDS="0.8")
    page = open_page(DESKTOP)
    page.add_init_script(NOTIFICATIONS % "default")
    log_in(page, user)
    start_review(page, project)
    page.evaluate(RECORD_ANNOUNCEMENTS)
    offer = page.get_by_role("button", name="Notify me in this browser when it's done")
    offer.focus()
    for _ in range(2):  # two polls swap the status block while the button has the focus
        page.wait_for_event("requestfinished", lambda request: is_status_poll(request.url))
    expect(offer).to_be_focused()
    expect_report(page)
    expect(page.locator("#job-controls")).to_have_count(0)  # no Cancel or Notify once done
    announced = page.evaluate("window.announced")
    assert announced and announced[-1] == "Completed"
    assert all(not re.search(r"\d+ s\b", text) for text in announced)  # no ticking seconds
    assert all(a != b for a, b in zip(announced, announced[1:], strict=False))  # changes only
