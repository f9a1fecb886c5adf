"""Database sessions cached in the shared cache, read from the database (on a cache miss) with
one precompiled statement (see reviewsite.sessions)."""

from django.contrib.sessions.backends import cached_db

from reviewsite.sessions import PrecompiledLoad


class SessionStore(PrecompiledLoad, cached_db.SessionStore):
    pass
