"""Hostile files: each is skipped or indexed with a recorded reason, the rest of the folder
is indexed, and the worker never gets stuck."""
from __future__ import annotations

import io
import os
import socket
import time
import zipfile

import pytest

from desktop_search.config import Settings
from desktop_search.core.engine import Engine
from tests.conftest import catalog_files

GOOD = "The lighthouse keeper logged every passing ship in a leather book."


def make_pdf(pages: int, text: str = "page") -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for i in range(pages):
        pdf.add_page()
        pdf.cell(0, 10, f"{text} {i}")
    return bytes(pdf.output())


def make_encrypted_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="o", user_password="u")
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.cell(0, 10, "secret text")
    return bytes(pdf.output())


def zip_bomb(name: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w") as f:
            block = b"\0" * (1 << 20)
            for _ in range(120):
                f.write(block)
    return buf.getvalue()


@pytest.fixture
def hostile(tmp_path):
    d = tmp_path / "messy"
    d.mkdir()
    (d / "good.txt").write_text(GOOD)
    good_pdf = make_pdf(2, "harbour pilot boarding instructions")
    (d / "good.pdf").write_bytes(good_pdf)
    (d / "truncated.pdf").write_bytes(good_pdf[: len(good_pdf) // 2])
    (d / "corrupt.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(4000))
    (d / "encrypted.pdf").write_bytes(make_encrypted_pdf())
    (d / "thousands.pdf").write_bytes(make_pdf(2000))
    (d / "bomb.docx").write_bytes(zip_bomb("docx"))
    (d / "bomb.epub").write_bytes(zip_bomb("epub"))
    (d / "zero.txt").write_bytes(b"")
    (d / "huge.txt").write_bytes(b"a " * (3 * 2**20))
    (d / "binary.txt").write_bytes(os.urandom(20000))
    (d / "invalid-utf8.txt").write_bytes(b"caf\xe9 au lait, cr\xe8me br\xfbl\xe9e et " * 20 + b"\xff\xfe\xfa")
    (d / "utf16-nobom.txt").write_bytes(
        "Lighthouse keeper in UTF-16 without a BOM. ".encode("utf-16-le") * 10)
    (d / "one-long-line.txt").write_bytes(b"word " * (2 * 2**20 // 5))
    (d / "nested.html").write_text("<div>" * 20000 + "deep inside the nest" + "</div>" * 20000)
    (d / "nul.txt").write_bytes(b"text with \0 NUL bytes \0 inside" * 10)
    (d / "line\nbreak.txt").write_text("a name with a newline in it")
    (d / "emoji 🚢.txt").write_text("a name with an emoji: ship")
    (d / os.fsdecode(b"bad-\xff\xfe-name.txt")).write_text("undecodable name bytes")
    (d / "locked.txt").write_text("no permission")
    os.chmod(d / "locked.txt", 0)
    loop = d / "loop"
    loop.mkdir()
    os.symlink(loop, loop / "again")
    outside = tmp_path / "outside.txt"
    outside.write_text("secret outside the root")
    os.symlink(outside, d / "link-out.txt")
    os.mkfifo(d / "fifo.txt")
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(d / "sock.txt"))
    yield d
    s.close()
    os.chmod(d / "locked.txt", 0o600)


@pytest.mark.slow  # a whole hostile folder through the sandbox
def test_hostile_folder(data_dir, hash_embedder, hostile):
    settings = Settings(max_file_mb=5.0, extract_timeout_s=30)
    eng = Engine(data_dir, settings=settings, embedder=hash_embedder)
    eng.add_root(hostile)
    t = time.monotonic()
    svc = eng.index_service()
    svc.run_until_idle()
    elapsed = time.monotonic() - t
    assert elapsed < 240, "the worker must never get stuck"
    rows = {os.path.basename(p): (r.state, r.error)
            for p, r in catalog_files(eng, state=None).items()}
    state = {k: v[0] for k, v in rows.items()}
    reason = {k: v[1] for k, v in rows.items()}
    # indexed
    for name in ("good.txt", "good.pdf", "thousands.pdf", "invalid-utf8.txt", "utf16-nobom.txt",
                 "one-long-line.txt", "nested.html", "line\nbreak.txt", "emoji 🚢.txt"):
        assert state.get(name) == "indexed", (name, rows.get(name))
    # skipped or failed, each with a reason a person can read
    expected = {
        "corrupt.pdf": "damaged", "encrypted.pdf": "password", "bomb.docx": "unpacks",
        "bomb.epub": "unpacks", "zero.txt": "no text", "huge.txt": "size cap",
        "binary.txt": "binary", "bad-\\xff\\xfe-name.txt": "not valid text",
    }
    for name, needle in expected.items():
        assert state.get(name) in ("failed", "skipped"), (name, rows.get(name))
        assert needle in (reason[name] or "").lower(), (name, reason[name])
    assert state.get("truncated.pdf") in ("indexed", "failed")
    if os.geteuid() != 0:  # root reads anything
        assert "permission" in reason["locked.txt"]
    # never opened: FIFOs, sockets, links out of the root, link loops
    for name in ("fifo.txt", "sock.txt", "link-out.txt", "again"):
        assert name not in rows
    assert "secret" not in " ".join(h.snippet for h in eng.search("secret outside", dense=False))
    assert eng.search("lighthouse keeper ship", k=1)[0].path == str(hostile / "good.txt")
    assert eng.search("harbour pilot", dense=False)[0].page == 1
    # every reason is visible to the user in status
    st = eng.status()
    assert {os.path.basename(f.path) for f in st.failed} >= set(expected)
    assert eng.doctor().ok
    # nothing is retried forever: a second pass does no work
    svc = eng.index_service()
    svc.run_until_idle()
    c = svc.counters
    assert (c.indexed, c.failed, c.skipped) == (0, 0, 0)
    eng.close()


def test_file_vanishing_or_changing_between_scan_and_read(data_dir, hash_embedder, tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    for i in range(20):
        (d / f"f{i}.txt").write_text(f"file number {i} about oceans")
    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(d)
    svc = eng.index_service()
    svc.scan(str(d))
    svc._run(svc._commands.popleft())   # the scan plans 20 upserts
    for i in range(0, 20, 2):
        (d / f"f{i}.txt").unlink()                        # vanished after the scan
    (d / "f1.txt").write_text("rewritten about deserts")  # rewritten after the scan
    svc.run_until_idle()
    names = sorted(os.path.basename(p) for p in catalog_files(eng, state=None))
    assert names == sorted(f"f{i}.txt" for i in range(1, 20, 2))
    assert eng.search("deserts", dense=False)[0].path == str(d / "f1.txt")
    assert eng.doctor().ok
    eng.close()
