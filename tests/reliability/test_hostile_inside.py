"""Hostile archives and mail: each is refused or skipped with a reason the user can read,
everything else in the folder (and in the same archive or mailbox) is indexed, and
nothing is ever written outside the index.

Real files built here, the real sandboxed reader, a real index on disk.
"""
from __future__ import annotations

import io
import mailbox
import os
import tarfile
import uuid
import zipfile

import pytest

from desktop_search.core.engine import Engine
from tests.core.test_inside import encrypt_flag, zip_bytes
from tests.core.test_mail import message

GOOD = "The lighthouse keeper logged every passing ship in a leather book."


def zeros_member(z: zipfile.ZipFile, name: str, mb: int) -> None:
    with z.open(name, "w", force_zip64=True) as f:
        for _ in range(mb):
            f.write(bytes(2**20))


@pytest.fixture
def hostile(tmp_path):
    d = tmp_path / "messy"
    d.mkdir()
    (d / "good.txt").write_text(GOOD)
    # a bomb: one member of 120 MB of zeros (about 120 KB packed)
    with zipfile.ZipFile(d / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("keep.txt", "The harbour pilot boards the freighter at dawn.")
        zeros_member(z, "zeros.bin.txt", 120)
    # a bomb of many members, each under the cap: the whole is over 200 times its size
    with zipfile.ZipFile(d / "many.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("first.txt", "Seagulls circle the fishing boats returning at noon.")
        for i in range(40):
            zeros_member(z, f"part{i:02}.txt", 8)
    # a zip nested 30 deep
    data = zip_bytes({"bottom.txt": "the bottom of the well"})
    for i in range(30):
        data = zip_bytes({f"level{i}.zip": data})
    (d / "deep.zip").write_bytes(data)
    # a tar with ../ and absolute member names (and one honest member)
    escape = f"escaped-{uuid.uuid4().hex}.txt"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, text in [(f"../../{escape}", "x"), (f"/tmp/{escape}", "y"),
                           ("honest/readme.txt", "Tide tables for the northern estuary.")]:
            raw = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            t.addfile(info, io.BytesIO(raw))
    (d / "evil.tar.gz").write_bytes(buf.getvalue())
    # a password-protected zip
    with zipfile.ZipFile(d / "locked.zip", "w") as z:
        z.writestr("secret.txt", "the combination of the safe")
        z.writestr("open.txt", "Notes on knots: the bowline and the clove hitch.")
    encrypt_flag(d / "locked.zip", "secret.txt")
    # a mailbox with a 51 MB attachment, next to a normal message
    box = mailbox.mbox(d / "big.mbox")
    box.add(message("Holiday photos", "The video of the regatta is attached.",
                    attachments=[("regatta.txt", os.urandom(51 * 2**20), "application/octet-stream")]))
    box.add(message("Anchor", "The anchor chain needs twenty more metres before winter."))
    box.flush()
    box.close()
    # a malformed MIME tree and a wrong charset
    (d / "malformed.eml").write_bytes(
        b"Subject: broken tree\nFrom: x@example.org\nContent-Type: multipart/mixed; boundary=B\n\n"
        b"--B\nContent-Type: multipart/alternative; boundary=C\n\n--C\nContent-Type: text/plain\n\n"
        b"Lanterns on the quay are lit at dusk.\n--B\nContent-Type: application/pdf; name=a.pdf\n"
        b"Content-Transfer-Encoding: base64\n\n%%%%\n")
    (d / "charset.eml").write_bytes(
        "Subject: menu\nFrom: y@example.org\nContent-Type: text/plain; charset=utf-8\n\n"
        "Cr\xe8me br\xfbl\xe9e on the ferry's dessert menu.\n".encode("latin-1"))
    # an mbox that has no 'From ' lines
    (d / "nofrom.mbox").write_text("Subject: hi\n\nJust text, no separator line.\n")
    return d, escape


@pytest.mark.slow      # unpacks about 200 MB, writes a 70 MB mailbox
def test_hostile_archives_and_mail(data_dir, hash_embedder, hostile, tmp_path):
    d, escape = hostile
    eng = Engine(data_dir, embedder=hash_embedder)
    try:
        eng.add_root(d)
        svc = eng.index_service()
        svc.run_until_idle()
        failed = {(os.path.basename(f.path), *f.chain): f.error for f in eng.status().failed}
        print("\n".join(f"{k}: {v}" for k, v in failed.items()))
        assert "size cap" in failed[("bomb.zip", "zeros.bin.txt")]
        assert any(k[0] == "many.zip" and "decompression bomb" in v for k, v in failed.items())
        deep = [v for k, v in failed.items() if k[0] == "deep.zip"]
        assert len(deep) == 1 and "nested more than" in deep[0]
        assert "'..'" in failed[("evil.tar.gz", f"../../{escape}")]
        assert "absolute" in failed[("evil.tar.gz", f"/tmp/{escape}")]
        assert "password-protected" in failed[("locked.zip", "secret.txt")]
        assert "size cap" in failed[("big.mbox", "Holiday photos", "regatta.txt")]
        assert "does not begin with a 'From ' line" in failed[("nofrom.mbox",)]
        assert "no text found" in failed[("malformed.eml", "a.pdf")]   # its base64 is broken
        # many.zip: its zero-filled parts are binary until the whole is refused as a bomb
        many = {k[1]: v for k, v in failed.items() if k[0] == "many.zip"}
        assert set(many) == {f"part{i:02}.txt" for i in range(40)}
        assert {v.split(":")[0] for v in many.values()} == {
            "binary content, not text", "the file unpacks to more than 200 times its size"}
        assert len(failed) - len(many) == 8, failed      # nothing else was lost
        # never written outside the index: not next to the archive, not at its absolute name
        assert not (tmp_path / escape).exists() and not os.path.exists(f"/tmp/{escape}")
        assert not any(p.name == escape for p in tmp_path.rglob("*"))
        # everything else is found
        for words, where in [("lighthouse keeper", ("good.txt",)),
                             ("harbour pilot freighter", ("bomb.zip", "keep.txt")),
                             ("seagulls fishing boats", ("many.zip", "first.txt")),
                             ("tide tables estuary", ("evil.tar.gz", "honest/readme.txt")),
                             ("bowline clove hitch", ("locked.zip", "open.txt")),
                             ("regatta video", ("big.mbox", "Holiday photos")),
                             ("anchor chain metres", ("big.mbox", "Anchor")),
                             ("lanterns quay dusk", ("malformed.eml",)),
                             ("crème brûlée ferry", ("charset.eml",))]:
            top = eng.search(words, k=1, dense=False)[0]
            assert (os.path.basename(top.path), *top.inside) == where, (words, top)
        assert eng.doctor().ok
    finally:
        eng.close()
