"""The stored reasons a file was not indexed are recognised (each template back from a
reason made with it) and shown in the window's language."""
from __future__ import annotations

import re

import pytest

from desktop_search import i18n
from desktop_search.core.extract.reasons import REASONS, reason_text


@pytest.mark.parametrize("template", REASONS)
def test_each_template_is_recognised_in_a_reason_made_with_it(template):
    fields = re.findall(r"\{(\w+)\}", template)
    values = {f: f"<{f} 12.5 MB>" for f in fields}
    found = i18n.template_of(template.format(**values), REASONS)
    assert found == (template, values)


def test_reasons_are_shown_translated_with_their_values():
    i18n.install("de")
    assert reason_text("damaged 7z archive: CRC error") == "beschädigtes 7z-Archiv: CRC error"
    assert reason_text("permission denied") == "Zugriff verweigert"
    assert reason_text("something a library said") == "something a library said"
