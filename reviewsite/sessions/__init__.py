"""Session engines: Django's database sessions (db) and database sessions cached in the shared
cache (cached_db), reading a session with one precompiled statement instead of an ORM query.

Every status poll loads the session, and building the ORM query cost more than running it; the
statement, the expiry check and what is stored are Django's own, so logging out, expiry and
session rotation work exactly as with the stock engines."""

from __future__ import annotations

from datetime import UTC
from functools import cache
from typing import Any

from django.db import connections, router
from django.utils import timezone


class PrecompiledLoad:
    """The read half of django.contrib.sessions.backends.db.SessionStore, precompiled."""

    model: Any
    session_key: str | None
    _session_key: str | None

    def _get_session_from_db(self) -> Any:
        key = self.session_key
        if not key:
            self._session_key = None
            return None
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        moment = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(_load_sql(alias), [key, moment])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        data, expires = row
        if timezone.is_naive(expires):  # SQLite's, in UTC
            expires = timezone.make_aware(expires, UTC)
        return self.model(session_key=key, session_data=data, expire_date=expires)


@cache
def _load_sql(alias: str) -> str:
    from django.contrib.sessions.models import Session

    quote = connections[alias].ops.quote_name
    table = quote(Session._meta.db_table)
    column = {f.name: quote(str(f.column)) for f in Session._meta.concrete_fields}
    return (
        f"SELECT {column['session_data']}, {column['expire_date']} FROM {table}"
        f" WHERE {column['session_key']} = %s AND {column['expire_date']} > %s"
    )
