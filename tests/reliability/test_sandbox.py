"""A reader that hangs, eats memory or crashes costs one file, never the indexer."""
from __future__ import annotations

import time

import pytest

from desktop_search.core.indexing.sandbox import ReaderCrashed, ReaderTimeout, SandboxedExtractor
from desktop_search.errors import ExtractError, TooLarge

pytestmark = pytest.mark.slow  # child processes cut off by time and memory limits


@pytest.fixture
def sample(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("hello sandbox")
    return p


def test_hanging_reader_is_cut_off_and_replaced(sample):
    sb = SandboxedExtractor(timeout_s=1.0, target="tests.reliability.readers:hang")
    try:
        sb(sample, max_bytes=10**6)  # warm start: the child imports
    except ReaderTimeout:
        pass
    t = time.monotonic()
    with pytest.raises(ReaderTimeout, match="longer than 1 s"):
        sb(sample, max_bytes=10**6)
    assert time.monotonic() - t < 5
    sb.close()


def test_memory_hog_is_stopped(sample):
    sb = SandboxedExtractor(timeout_s=30, memory_mb=512, target="tests.reliability.readers:hog")
    with pytest.raises((TooLarge, ReaderCrashed)):
        sb(sample, max_bytes=10**6)
    sb.close()


def test_crashing_reader_then_recovers(sample, tmp_path):
    sb = SandboxedExtractor(timeout_s=30, target="tests.reliability.readers:crash")
    with pytest.raises(ReaderCrashed):
        sb(sample, max_bytes=10**6)
    sb.target = "tests.reliability.readers:echo"
    assert sb(sample, max_bytes=10**6).text == "hello sandbox"
    sb.close()


def test_errors_keep_their_type(tmp_path):
    sb = SandboxedExtractor(timeout_s=30)
    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"not a pdf at all")
    with pytest.raises(ExtractError) as info:
        sb(bad, max_bytes=10**6)
    assert type(info.value).__name__ == "CorruptFile"
    sb.close()
