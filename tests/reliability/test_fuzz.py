"""Property-based tests: any bytes, any markup, any text never break a reader or the chunker."""
from __future__ import annotations

import os
import tempfile

from hypothesis import HealthCheck, given, settings, strategies as st

from desktop_search.core.indexing.chunk import chunk_text
from desktop_search.core.extract import extract, line_of
from desktop_search.errors import ExtractError

SUFFIXES = [".txt", ".md", ".html", ".pdf", ".docx", ".epub", ".odt", ".pptx", ".csv", "", ".py"]
_dir = tempfile.mkdtemp(prefix="ds-fuzz-")

markup = st.recursive(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    lambda inner: st.builds(lambda tag, body, attr: f"<{tag} {attr}>{body}</{tag}>",
                            st.sampled_from(["p", "div", "script", "style", "b", "h1", "li", "td", "svg"]),
                            inner, st.sampled_from(["", "class=x", 'onerror="a()"', "src=<"])),
    max_leaves=30)


def _write(name: str, data: bytes) -> str:
    p = os.path.join(_dir, name)
    with open(p, "wb") as f:
        f.write(data)
    return p


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096), st.sampled_from(SUFFIXES))
def test_any_bytes_any_format(data, suffix):
    path = _write("fuzz" + suffix, data)
    try:
        doc = extract(path, max_bytes=10**6)
    except ExtractError as exc:
        assert str(exc)
        return
    assert isinstance(doc.text, str)
    for c in chunk_text(doc.text):
        assert doc.text[c.start:c.end] == c.text


@settings(max_examples=150, deadline=None)
@given(st.lists(markup, max_size=8))
def test_any_html_gives_text_without_scripts(parts):
    # the script comes first: markup after it must never bring it back. (After a fuzzed
    # prefix such as "<?", a browser too would show the script's body as text: "<?<script>"
    # is a bogus comment that swallows the tag.)
    html = "<html><body><script>var secret_js = 1;</script>" + "".join(parts) + "</body></html>"
    path = _write("fuzz.html", html.encode("utf-8", "surrogatepass"))
    try:
        doc = extract(path, max_bytes=10**6)
    except ExtractError:
        return
    assert "secret_js" not in doc.text


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=2000),
       st.sampled_from(["utf-8", "utf-16", "utf-8-sig"]))
def test_text_roundtrip_and_lines(text, encoding):
    path = _write("fuzz.txt", text.encode(encoding))
    try:
        doc = extract(path, max_bytes=10**6)
    except ExtractError:
        return
    if doc.has_lines and "\x00" not in text and doc.text == text:
        for c in chunk_text(doc.text):
            assert line_of(doc.text, c.start) == doc.text.count("\n", 0, c.start) + 1
