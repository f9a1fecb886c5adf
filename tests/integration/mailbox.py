"""Email read back from the real SMTP server on loopback that the notification tests run."""

import email
import re
from email import policy
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest

from tests.conftest import wait_for
from tests.integration import test_notifications

smtp_server = test_notifications.smtp_server


class Mailbox:
    """What reached the SMTP server, as parsed messages."""

    def __init__(self, handler) -> None:
        self.handler = handler

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(envelope.content, policy=policy.default)
            for envelope in self.handler.messages
        ]

    def recipients(self) -> list[list[str]]:
        return [envelope.rcpt_tos for envelope in self.handler.messages]

    def wait_for_message(self, to: str, *, count: int = 1) -> EmailMessage:
        """The count-th message to the address, once it has arrived (10 s at most)."""
        wait_for(
            lambda: sum(to in rcpt for rcpt in self.recipients()) >= count,
            timeout=10,
            message=f"no message to {to} reached the SMTP server",
        )
        sent = [m for m, rcpt in zip(self.messages(), self.recipients(), strict=True) if to in rcpt]
        return sent[count - 1]


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the email has no plain-text body"
    return part.get_content()


def link_in(body: str, path_pattern: str) -> str:
    """The path (and query) of the one link in the body whose path matches the pattern."""
    links = [urlsplit(url) for url in re.findall(r"https?://\S+", body)]
    paths = [link.path for link in links if re.fullmatch(path_pattern, link.path)]
    assert len(paths) == 1, f"expected one link like {path_pattern} in:\n{body}"
    return paths[0]


@pytest.fixture
def smtp_mailbox(settings, smtp_server) -> Mailbox:
    """Send this test's email through the SMTP server on loopback, and read it back."""
    handler, port = smtp_server
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 5},
        }
    }
    return Mailbox(handler)
