"""The shared token bucket: limiters in different processes draw from one bucket."""

import time

import pytest

from jobs.ratelimit import DatabaseRateLimiter

pytestmark = pytest.mark.django_db


def test_two_limiters_share_one_budget():
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    # Two "processes" of one deployment, asking NCBI for 7 requests at 10 a second in all.
    first = DatabaseRateLimiter("ncbi-test", 10, sleep=sleep)
    second = DatabaseRateLimiter("ncbi-test", 10, sleep=sleep)
    for _ in range(3):
        first.acquire()
        second.acquire()
    first.acquire()
    # The first request goes at once; the other six each wait for a tenth of a second's token.
    assert sum(waits) >= 0.5


def test_separate_buckets_do_not_wait_for_each_other():
    waits: list[float] = []
    DatabaseRateLimiter("a", 1, sleep=waits.append).acquire()
    DatabaseRateLimiter("b", 1, sleep=waits.append).acquire()
    assert waits == []
