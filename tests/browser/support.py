"""What the browser tests share: Debian's Chromium, the screen sizes, and a person's steps."""

import re
import time
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

try:
    from playwright.sync_api import expect
except ImportError:  # the tests are skipped; see skip_reason()
    expect = None

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
OBJECTIVE = "remdesivir treatment outcomes in COVID-19"
# Generous: the worker must start, and a slowed job takes several seconds.
JOB_TIMEOUT_MS = 45_000
JOB_URL = re.compile(r"/jobs/[0-9a-f-]{36}/$")


def skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM}: browser tests skipped (apt-get install chromium)"
    if expect is None:
        return "Playwright not installed: browser tests skipped (pip install playwright==1.65.2)"
    return None


def is_status_poll(url: str) -> bool:
    return "/partial" in url


def log_in(page, user) -> None:
    """Log in through the login form, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your research jobs")).to_be_visible()


def start_review(page, project, objective: str = OBJECTIVE) -> str:
    """Start a review from the project page's form; the path of the job page it lands on."""
    page.goto(project.get_absolute_url())
    form = page.locator("form", has=page.get_by_role("button", name="Generate review"))
    form.get_by_label("Objective").fill(objective)
    form.get_by_role("button", name="Generate review").click()
    page.wait_for_url(JOB_URL)
    return JOB_URL.search(page.url).group(0)


def card(page, heading: str):
    """A dashboard card, found by its heading."""
    return page.locator("section.card", has=page.get_by_role("heading", name=heading))


def expect_report(page) -> None:
    """The finished review is on the page: its summary and its ranked papers."""
    expect(page.get_by_role("heading", name="Executive summary")).to_be_visible(
        timeout=JOB_TIMEOUT_MS
    )
    expect(page.locator("#job-status .badge")).to_have_text("Completed")
    expect(page.locator(".result .summary")).not_to_be_empty()
    expect(page.get_by_role("heading", name="Papers, ranked")).to_be_visible()
    expect(page.locator(".result .paper").first.locator(".rank")).to_have_text("1.")
    expect(page.locator("#job-status progress")).to_have_count(0)


def reload_until(page, locator, *, timeout: float, message: str) -> None:
    """Reload, as a person checking back would, until locator shows; fail after timeout s."""
    deadline = time.monotonic() + timeout
    while not locator.is_visible():
        if time.monotonic() > deadline:
            pytest.fail(message)
        page.wait_for_timeout(500)
        page.reload()
