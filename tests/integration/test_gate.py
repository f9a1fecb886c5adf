"""The honest gate: with REQUIRE_FULL_SUITE=1 a test that must run fails instead of skipping."""

import os
import subprocess
import sys

from django.conf import settings

SLOW_TEST = "tests/unit/research/test_research_baseline.py::test_efetch_reply_parses"


def run_pytest(tmp_path, **env: str) -> subprocess.CompletedProcess:
    """The slow test in a fresh pytest, its baseline files missing (an empty directory)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", SLOW_TEST],
        cwd=settings.BASE_DIR,
        env={**os.environ, "PUBMED_BASELINE_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_slow_test_without_its_files_skips_in_an_ordinary_run(tmp_path):
    result = run_pytest(tmp_path, REQUIRE_FULL_SUITE="0")
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout


def test_a_slow_test_without_its_files_fails_the_full_suite(tmp_path):
    result = run_pytest(tmp_path, REQUIRE_FULL_SUITE="1")
    assert result.returncode == 1, result.stdout
    assert "REQUIRE_FULL_SUITE=1: this slow test may not skip" in result.stdout
    assert "pubmed-29768149.xml is missing" in result.stdout
