"""Database sessions, read with one precompiled statement (see reviewsite.sessions)."""

from django.contrib.sessions.backends import db

from reviewsite.sessions import PrecompiledLoad


class SessionStore(PrecompiledLoad, db.SessionStore):
    pass
