"""Word tokens: the light part of text handling, shared by the file readers and the engine."""

from __future__ import annotations

import re

WORD_RE = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters and digits), punctuation dropped."""
    return WORD_RE.findall(text.lower())
