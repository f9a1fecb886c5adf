"""A token bucket kept in the database, so every worker process on every machine shares it."""

import time

from django.db import transaction
from django.utils.timezone import now

from jobs.models import RateBucket


class DatabaseRateLimiter:
    """acquire() blocks until one request may go, at most `rate` a second across processes."""

    def __init__(self, name: str, rate: float, *, burst: float = 1.0, sleep=time.sleep) -> None:
        self.name, self.rate, self.burst, self.sleep = name, rate, burst, sleep

    def _take(self) -> float:
        """Take a token if there is one; otherwise the seconds to wait before trying again."""
        with transaction.atomic():
            bucket, _ = RateBucket.objects.select_for_update().get_or_create(
                name=self.name, defaults={"tokens": self.burst, "updated_at": now()}
            )
            moment = now()
            elapsed = max(0.0, (moment - bucket.updated_at).total_seconds())
            tokens = min(self.burst, bucket.tokens + elapsed * self.rate)
            if tokens >= 1:
                RateBucket.objects.filter(pk=self.name).update(tokens=tokens - 1, updated_at=moment)
                return 0.0
            RateBucket.objects.filter(pk=self.name).update(tokens=tokens, updated_at=moment)
            return (1 - tokens) / self.rate

    def acquire(self) -> None:
        while wait := self._take():
            self.sleep(wait)
