"""Chromium driven by Playwright against the live server, with a real worker behind it."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, expect, skip_reason
from tests.conftest import make_project, make_user

LIBRARY = Path(__file__).parent.parent / "fixtures" / "pubmed" / "sample_baseline.xml"
SKIP_REASON = skip_reason()


@pytest.fixture(autouse=True)
def _browser_available():
    if SKIP_REASON:
        pytest.skip(SKIP_REASON)


@pytest.fixture(scope="package")
def chromium():
    """One browser for the folder; every test opens its own contexts in it."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, which Django would
    # otherwise take for async code and refuse the ORM calls the tests make. Only for this folder.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    expect.set_options(timeout=10_000)
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()
    playwright.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


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


@pytest.fixture
def library(settings, tmp_path, transactional_db):
    """The sample library, imported where both this process and the worker look for it."""
    settings.DATA_DIR = tmp_path
    settings.JOB_POLL_SECONDS = 1
    call_command("import_pubmed", str(LIBRARY), verbosity=0)


@pytest.fixture
def researcher(library):
    """A user with a project of their own, and the sample library to search."""
    user = make_user()
    user.project = make_project(user, name="COVID-19 therapies")
    return user
