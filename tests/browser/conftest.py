"""Chromium driven by Playwright against the live server, with a real worker behind it."""

from pathlib import Path

import pytest
from django.core.management import call_command

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, expect, skip_reason

LIBRARY = Path(__file__).parent.parent / "fixtures" / "pubmed" / "sample_baseline.xml"
SKIP_REASON = skip_reason()


@pytest.fixture(scope="module", autouse=True)
def _browser_available():
    if SKIP_REASON:
        pytest.skip(SKIP_REASON)


@pytest.fixture(scope="module")
def chromium():
    """One browser per module; every test opens its own contexts in it."""
    from playwright.sync_api import sync_playwright

    expect.set_options(timeout=10_000)
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        # Playwright's sync API keeps an event loop running in this thread, which Django would
        # take for async code and so refuse the tests' ORM calls; only while the browser is up.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def open_page(chromium, live_server):
    """A new page in a fresh browser context (its own cookies, as another device would have)."""
    contexts = []

    def open_(device: dict):
        context = chromium.new_context(base_url=live_server.url, **device)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def _quick_polls(settings):
    settings.JOB_POLL_SECONDS = 1


@pytest.fixture
def library(settings, tmp_path, transactional_db):
    """The sample library, imported where both this process and the worker look for it."""
    settings.DATA_DIR = tmp_path
    call_command("import_pubmed", str(LIBRARY), verbosity=0)
