"""Compressed text and manual pages: read inside the size and ratio caps."""
from __future__ import annotations

import bz2
import gzip
import lzma
from pathlib import Path

import pytest

from desktop_search.core.extract import compressed
from desktop_search.core.extract import extract, is_supported
from desktop_search.core.indexing.sandbox import SandboxedExtractor
from desktop_search.errors import CorruptFile, TooLarge

MAN = r""".\" a comment that must not be indexed
.TH FROB 1 "2024-01-01" "frob 2.1" "User Commands"
.SH NAME
frob \- frobnicate the \fBwidget\fR cache
.SH SYNOPSIS
.B frob
[\fB\-v\fR] \fIfile\fP
.SH DESCRIPTION
.PP
The \fBfrob\fP tool rebuilds the widget cache from \fIfile\fR\(emquickly.
.TP
.B \-v
print every widget as it is rebuilt
"""


def write(path: Path, data: bytes) -> Path:
    opener = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}[path.suffix]
    path.write_bytes(opener(data))
    return path


@pytest.mark.parametrize("name,content,kind,title", [
    ("notes.txt.gz", b"Quarterly harvest notes: the apricots ripened early.\n", "text", None),
    ("guide.md.bz2", b"# Pruning guide\n\nCut the apricot branches in late winter.\n", "markdown",
     "Pruning guide"),
    ("page.html.xz", b"<html><head><title>Orchard</title></head><body><p>Apricot trees "
     b"need sun.</p></body></html>", "html", "Orchard"),
    ("README.gz", b"Apricot tools: a README without an extension.\n", "text", None),
])
def test_compressed_files_are_read_by_their_inner_format(tmp_path, name, content, kind, title):
    doc = extract(write(tmp_path / name, content))
    assert "pricot" in doc.text and doc.kind == kind and doc.title == title
    assert "<p>" not in doc.text


def test_man_page_is_rendered_without_macros(tmp_path):
    doc = extract(write(tmp_path / "frob.1.gz", MAN.encode()))
    assert doc.kind == "man"
    assert doc.title is not None and doc.title.startswith("frob - frobnicate the widget cache")
    assert "rebuilds the widget cache" in doc.text and "print every widget" in doc.text
    for macro in (".TH", ".SH", r"\fB", ".TP", "a comment"):
        assert macro not in doc.text


def test_troff_is_stripped_without_groff():
    text = compressed._tidy(compressed.strip_troff(MAN))
    assert "frob - frobnicate the widget cache" in text
    assert "The frob tool rebuilds the widget cache from file\u2014quickly." in text
    assert "DESCRIPTION" in text and "\\f" not in text and ".TP" not in text
    assert "a comment" not in text


def test_rotated_log_is_not_taken_for_a_man_page(tmp_path):
    doc = extract(write(tmp_path / "syslog.2.gz", b"Jan 1 00:00 host cron[1]: .SH started\n"))
    assert doc.kind == "text" and ".SH started" in doc.text


def test_media_behind_a_compressor_are_not_documents_and_archives_are_folders():
    for name in ("song.mp3.gz", "twice.txt.gz.gz", "photo.jpg.gz"):
        assert not is_supported(name), name
    for name in ("backup.tar.gz", "x.tgz", "a.tar.xz", "b.tar.bz2", "c.tar", "d.zip"):
        assert is_supported(name), name     # their members are read (test_inside.py)
    for name in ("notes.txt.gz", "ls.1.gz", "changelog.Debian.gz", "README.bz2", "a.html.xz"):
        assert is_supported(name), name


def test_decompression_bomb_is_refused_with_a_reason(tmp_path):
    bomb = write(tmp_path / "bomb.txt.gz", b"\0" * (12 * 2**20))   # 12 MB from ~12 KB
    assert bomb.stat().st_size < 100_000
    with pytest.raises(TooLarge, match="decompression bomb"):
        extract(bomb)
    big = write(tmp_path / "big.txt.xz", b"apricot " * 40_000)       # 320 KB, small ratio cap
    with pytest.raises(TooLarge, match="size cap"):
        extract(big, max_bytes=100_000)


def test_damaged_compressed_file_is_a_clear_failure(tmp_path):
    bad = tmp_path / "notes.txt.gz"
    bad.write_bytes(gzip.compress(b"hello apricots " * 100)[:40])
    with pytest.raises(CorruptFile, match="damaged gz file"):
        extract(bad)
    (tmp_path / "notes.txt.bz2").write_bytes(b"BZh9 not really")
    with pytest.raises(CorruptFile, match="damaged bz2"):
        extract(tmp_path / "notes.txt.bz2")


def test_bomb_and_man_page_through_the_sandbox(tmp_path):
    """The indexer's real path: the child process unpacks, within its memory limit."""
    bomb = write(tmp_path / "bomb.log.bz2", b"a" * (30 * 2**20))
    page = write(tmp_path / "frob.1.xz", MAN.encode())
    sandbox = SandboxedExtractor(timeout_s=30)
    try:
        with pytest.raises(TooLarge, match="decompression bomb"):
            sandbox(str(bomb), max_bytes=50 * 2**20)
        doc = sandbox(str(page), max_bytes=50 * 2**20)
        assert doc.kind == "man" and "widget cache" in doc.text
    finally:
        sandbox.close()


@pytest.mark.parametrize("name", ["manual.ps", "manual.ps.gz", "manual"])
def test_postscript_is_skipped_with_a_reason(tmp_path, name):
    """/usr/share/doc/valgrind/valgrind_manual.ps.gz read as text made 23,625 passages of
    PostScript operators, 7.5% of that folder's embedding time, all noise."""
    from desktop_search.errors import UnsupportedFile

    ps = (b"%!PS-Adobe-3.0\n%%Title: valgrind manual\n/Times-Roman findfont 12 scalefont "
          b"setfont\n72 720 moveto (Memcheck: a memory error detector) show\nshowpage\n")
    p = tmp_path / name
    p.write_bytes(gzip.compress(ps) if name.endswith(".gz") else ps)
    with pytest.raises(UnsupportedFile, match="PostScript"):
        extract(p, max_bytes=2**20)
    # text that merely mentions it is still text
    q = tmp_path / "notes"
    q.write_text("how to print: %!PS starts a PostScript file\n")
    assert "PostScript" in extract(q, max_bytes=2**20).text
