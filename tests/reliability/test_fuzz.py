"""Property-based tests: any bytes, any markup, any text never break a reader or the chunker."""
from __future__ import annotations

import os
import re
import tempfile

from hypothesis import HealthCheck, given, settings, strategies as st

from desktop_search.core.indexing.chunk import chunk_text
from desktop_search.core.extract import extract, line_of
from desktop_search.errors import BinaryFile, ExtractError

SUFFIXES = [".txt", ".md", ".html", ".pdf", ".docx", ".epub", ".odt", ".pptx", ".csv", "", ".py"]
_dir = tempfile.mkdtemp(prefix="ds-fuzz-")
#: what the text reader counts against a file being text (C0/C1 controls, U+FFFD)
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f\ufffd]")

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


#: several lines of text (no control characters), with each kind of line end
lines = st.builds(lambda parts, end: end.join(parts),
                  st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")),
                                   max_size=80), max_size=30),
                  st.sampled_from(["\n", "\r\n", "\r"]))


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=2000) | lines,
       st.sampled_from(["utf-8", "utf-16", "utf-8-sig"]))
def test_text_roundtrip_and_lines(text, encoding):
    path = _write("fuzz.txt", text.encode(encoding))
    try:
        doc = extract(path, max_bytes=10**6)
    except ExtractError as exc:
        # only ever refused as binary, and only for control characters real text lacks
        assert isinstance(exc, BinaryFile), exc
        assert _CONTROLS.search(text), f"text refused as binary: {text[:80]!r}"
        return
    assert doc.has_lines
    # the bytes are ambiguous only where a NUL or a BOM-like start can be read another way:
    # NULs without a BOM (UTF-16/32 sniffing), UTF-16 of a text that starts with NUL (its BOM
    # then reads as UTF-32's), and UTF-8 that starts with U+FEFF (which is UTF-8's BOM)
    if not (("\x00" in text and encoding == "utf-8")
            or (encoding == "utf-16" and text.startswith("\x00"))):
        expected = text[1:] if encoding == "utf-8" and text.startswith("\ufeff") else text
        assert doc.text == expected
    for c in chunk_text(doc.text):
        assert line_of(doc.text, c.start) == doc.text.count("\n", 0, c.start) + 1


# --------------------------------------------------------------------------- every reader,
# through the sandbox (the registry in fuzz_targets.py; the long campaign: benchmarks/fuzz.py)

import random  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tests.reliability.fuzz_targets import CRASHERS, TARGETS, Outcome, run_one  # noqa: E402

#: examples per reader in the normal suite (the campaign runs thousands)
SUITE_EXAMPLES = 12


@pytest.fixture(scope="module")
def fuzz_sandbox():
    from desktop_search.core.indexing.sandbox import SandboxedExtractor

    sandbox = SandboxedExtractor(timeout_s=20)
    yield sandbox
    sandbox.close()


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_reader_fails_only_with_a_listed_reason(name, fuzz_sandbox, tmp_path_factory):
    target = TARGETS[name]
    folder = tmp_path_factory.mktemp(f"fuzz-{name}")
    target.seed_inputs()          # made once, outside hypothesis' clock

    @settings(max_examples=SUITE_EXAMPLES, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.randoms(use_true_random=False))
    def one(rng: random.Random) -> None:
        outcome, why = run_one(fuzz_sandbox, target, target.make_input(rng), folder)
        assert outcome is not Outcome.CRASH, why

    one()


@pytest.mark.parametrize("path", sorted(CRASHERS.glob("*")) if CRASHERS.is_dir() else [],
                         ids=lambda p: p.name)
def test_found_crashers_stay_fixed(path: Path, fuzz_sandbox, tmp_path):
    target = TARGETS[path.name.split("-", 1)[0]]
    outcome, why = run_one(fuzz_sandbox, target, path.read_bytes(), tmp_path)
    assert outcome is not Outcome.CRASH, why
