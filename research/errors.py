"""The engine's one error contract: a deliberate refusal the user can act on is a
UserFacingError, whose message is shown to them as it is. Anything else the engine raises is a
bug: the worker apologises to the user and keeps the traceback for staff."""


class UserFacingError(Exception):
    """A refusal with a plain message for the user (a file that is not PubMed XML, a PMID that
    is not in the library, a source that does not answer)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
