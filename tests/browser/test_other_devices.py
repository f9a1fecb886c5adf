"""Leaving a job and coming back on another device, and how the report looks on each screen."""

import re

import pytest

from tests.browser.support import (
    ARTIFACTS,
    DESKTOP,
    JOB_TIMEOUT_MS,
    OBJECTIVE,
    PHONE,
    card,
    expect,
    expect_report,
    log_in,
    reload_until,
    start_review,
)

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

JOB_LINK = f"Literature review: {OBJECTIVE}"


def test_a_job_keeps_running_after_the_browser_closes_and_is_found_from_a_phone(
    user, project, library, open_page, start_worker
):
    start_worker(JOB_STAGE_DELAY_SECONDS="0.6")
    desktop = open_page(DESKTOP)
    log_in(desktop, user)
    job_path = start_review(desktop, project)
    expect(desktop.locator("#job-status")).to_have_attribute(
        "data-status", "processing", timeout=JOB_TIMEOUT_MS
    )
    desktop.context.close()

    phone = open_page(PHONE)
    log_in(phone, user)
    running = card(phone, "Running now")
    expect(running.get_by_role("link", name=JOB_LINK)).to_be_visible()
    expect(running.locator(".job-row .badge")).to_have_text("Processing")
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=ARTIFACTS / "dashboard-phone.png", full_page=True)

    finished = card(phone, "Recently finished")
    reload_until(
        phone,
        finished.get_by_role("link", name=JOB_LINK),
        timeout=JOB_TIMEOUT_MS / 1000,
        message="the job never showed under Recently finished",
    )
    expect(running).to_contain_text("Nothing is running")
    expect(finished.locator(".job-row .badge")).to_have_text("Completed")
    finished.get_by_role("link", name=JOB_LINK).click()
    expect(phone).to_have_url(re.compile(re.escape(job_path) + "$"))
    expect_report(phone)


def test_the_finished_report_on_a_desktop_and_on_a_phone(
    user, project, library, open_page, start_worker
):
    start_worker()
    ARTIFACTS.mkdir(exist_ok=True)
    desktop = open_page(DESKTOP)
    log_in(desktop, user)
    job_path = start_review(desktop, project)
    expect_report(desktop)
    desktop.screenshot(path=ARTIFACTS / "report-desktop.png", full_page=True)

    phone = open_page(PHONE)
    log_in(phone, user)
    phone.goto(job_path)
    expect_report(phone)
    phone.screenshot(path=ARTIFACTS / "report-phone.png", full_page=True)
    # Nothing is wider than the phone's screen, so the report never scrolls sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
