"""Presentation filters for reports."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

CITATION = re.compile(r"\[PMID (\w[\w.:/-]*)\]")


@register.filter
def link_citations(text: str) -> SafeString:
    """Turn "[PMID 123]" citations into links to that paper's entry in the report."""
    return mark_safe(
        CITATION.sub(
            lambda m: f'<a class="cite" href="#pmid-{m.group(1)}">PMID&nbsp;{m.group(1)}</a>',
            escape(text),
        )
    )


@register.filter
def duration(seconds: int | None) -> str:
    """12 → '12 s', 75 → '1 min 15 s', 0 → 'under a second'."""
    if seconds is None:
        return ""
    if seconds < 1:
        return "under a second"
    minutes, rest = divmod(int(seconds), 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"
