"""Small text helpers the widgets share (no widgets here, so any widget may import it)."""
from __future__ import annotations

import html


def plain_tooltip(text: str) -> str:
    """A tooltip that shows text literally (Qt guesses rich text otherwise)."""
    return "<p style='white-space:pre'>" + html.escape(text) + "</p>"
