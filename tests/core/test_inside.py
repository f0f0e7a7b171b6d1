"""Documents inside files (archives): the ``inside`` contract, members as documents, their
limits, and a container that moves or changes without anything re-embedded needlessly.

Real archives made with the standard library, a real index on disk; the hash embedder
counts what is embedded.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import time
import tarfile
import zipfile
from pathlib import Path

import pytest

from desktop_search.core.engine import Engine
from desktop_search.core.extract import extract, inside
from desktop_search.core.search import Filters, SimilarTo

LEASE = "The lease of the flat on Elm Street ends in March; the deposit is returned in April."
GARDEN = "Tomatoes grow well in pots on a sunny balcony if they are watered every evening."
BOAT = "The sailing boat needs new ropes and a fresh coat of varnish before the summer."


def make_zip(path: Path, members: dict[str, bytes | str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def tar_bytes(members: dict[str, bytes | str], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as t:
        for name, data in members.items():
            raw = data.encode() if isinstance(data, str) else data
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            info.mtime = 1_700_000_000
            t.addfile(info, io.BytesIO(raw))
    return buf.getvalue()


def zip_bytes(members: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("name,mode", [("b.tar", "w"), ("b.tar.gz", "w:gz"), ("b.tgz", "w:gz"),
                                       ("b.tar.bz2", "w:bz2"), ("b.tar.xz", "w:xz")])
def test_every_tar_flavour_gives_its_members(tmp_path, name, mode):
    (tmp_path / name).write_bytes(tar_bytes({"notes/garden.txt": GARDEN, "boat.md": BOAT}, mode))
    doc = extract(tmp_path / name)
    assert doc.container and doc.kind == "archive" and doc.text == ""
    got = {p.inside: p.doc.text for p in doc.parts}
    assert got == {("notes/garden.txt",): GARDEN, ("boat.md",): BOAT}


def test_archives_inside_archives_and_mail_inside_a_zip(tmp_path):
    eml = ("Subject: Lunch\nFrom: Ann <ann@example.org>\nTo: bob@example.org\n"
           "Date: Tue, 1 Oct 2024 10:00:00 +0000\n\n" + BOAT + "\n")
    inner = tar_bytes({"deep/garden.txt": GARDEN}, "w:gz")
    make_zip(tmp_path / "a.zip", {"lease.txt": LEASE, "old/backup.tar.gz": inner,
                                   "mail/lunch.eml": eml, "song.mp3": b"\0" * 64})
    parts = {p.inside: p for p in extract(tmp_path / "a.zip").parts}
    assert set(parts) == {("lease.txt",), ("old/backup.tar.gz", "deep/garden.txt"),
                          ("mail/lunch.eml",)}          # media is not a document, as on disk
    mail = parts[("mail/lunch.eml",)].doc
    assert mail.kind == "mail" and mail.title == "Lunch" and mail.sender == "Ann <ann@example.org>"
    assert BOAT in mail.text and mail.taken == 1727776800.0


def encrypt_flag(path: Path, member: str) -> None:
    """Mark a member encrypted the way a password-protected zip does (flag bit 0, in its
    local and central headers): its bytes are then unreadable without the password."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        local = z.getinfo(member).header_offset
    data[local + 6] |= 1
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        n = int.from_bytes(data[pos + 28:pos + 30], "little")
        if data[pos + 46:pos + 46 + n] == member.encode():
            data[pos + 8] |= 1
        pos = data.find(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(data))


def test_unsafe_names_and_encrypted_members_are_listed_with_why(tmp_path):
    path = make_zip(tmp_path / "a.zip", {"ok.txt": LEASE, "../../evil.txt": "x",
                                         "/etc/passwd2": "y", "secret.txt": GARDEN})
    encrypt_flag(path, "secret.txt")
    parts = {p.inside[-1]: p for p in extract(path).parts}
    assert parts["ok.txt"].doc.text == LEASE
    assert "'..'" in parts["../../evil.txt"].error and parts["../../evil.txt"].doc is None
    assert "absolute" in parts["/etc/passwd2"].error
    assert parts["secret.txt"].doc is None and "password-protected" in parts["secret.txt"].error


def test_a_bomb_is_refused_and_the_members_before_it_are_kept(tmp_path):
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("first.txt", LEASE)
        with z.open("zeros.txt", "w", force_zip64=True) as f:
            for _ in range(60):
                f.write(bytes(2**20))
    assert (tmp_path / "bomb.zip").stat().st_size < 200_000
    parts = {p.inside[-1]: p for p in extract(tmp_path / "bomb.zip", max_bytes=50 * 2**20).parts}
    assert parts["first.txt"].doc.text == LEASE
    assert parts["zeros.txt"].doc is None and "size cap" in parts["zeros.txt"].error


def test_nesting_deeper_than_the_limit_is_refused(tmp_path):
    data = zip_bytes({"bottom.txt": GARDEN})
    for i in range(30):
        data = zip_bytes({f"level{i}.zip": data, f"note{i}.txt": f"level {i} note about boats"})
    (tmp_path / "deep.zip").write_bytes(data)
    parts = extract(tmp_path / "deep.zip").parts
    refused = [p for p in parts if p.doc is None]
    assert len(refused) == 1 and f"more than {inside.MAX_DEPTH} deep" in refused[0].error
    assert len(refused[0].inside) == inside.MAX_DEPTH
    read = [p for p in parts if p.doc is not None]
    assert len(read) == inside.MAX_DEPTH and all("note about boats" in p.doc.text for p in read)


# --------------------------------------------------------------------------- the index


def index(engine):
    svc = engine.index_service()
    svc.run_until_idle()
    return svc.counters


@pytest.fixture
def engine(data_dir, hash_embedder, tmp_path):
    docs = tmp_path / "docs"
    make_zip(docs / "backup.zip", {"lease/contract.txt": LEASE, "garden.txt": GARDEN,
                                    "inner.tar.gz": tar_bytes({"boat.md": BOAT}, "w:gz")})
    (docs / "loose.txt").write_text("A loose note about the lease and the deposit.")
    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(docs)
    eng.docs = docs
    yield eng
    eng.close()


def test_a_hit_names_the_file_on_disk_and_the_chain_inside_it(engine):
    c = index(engine)
    assert c.failed == 0 and c.indexed == 2
    hits = engine.search("sailing boat ropes varnish", k=3, dense=False)
    top = hits[0]
    assert top.path == str(engine.docs / "backup.zip")
    assert top.inside == ["inner.tar.gz", "boat.md"] and top.kind == "markdown"
    loose = next(h for h in engine.search("loose note deposit", k=5, dense=False)
                 if h.path.endswith("loose.txt"))
    assert loose.inside == []
    j = top.to_json()
    assert j["inside"] == ["inner.tar.gz", "boat.md"] and "from" not in j
    assert engine.status().files == 2       # files on disk, not the documents inside


def test_more_like_this_and_filters_work_on_documents_inside(engine):
    index(engine)
    zip_path = str(engine.docs / "backup.zip")
    hits = engine.find(SimilarTo(zip_path, None, ("lease/contract.txt",)), k=5)
    assert hits and all(h.inside != ["lease/contract.txt"] for h in hits)
    assert hits[0].path.endswith("loose.txt")       # the loose note shares its words
    only_md = engine.search("boat", k=5, dense=False, filters=Filters(kinds=["markdown"]))
    assert [h.inside for h in only_md] == [["inner.tar.gz", "boat.md"]]
    with pytest.raises(Exception, match="not in the index"):
        engine.find(SimilarTo(zip_path, None, ("nope.txt",)), k=5)


def test_moving_or_copying_an_archive_re_embeds_nothing(engine, hash_embedder):
    index(engine)
    calls = hash_embedder.embed_calls
    src = engine.docs / "backup.zip"
    shutil.move(src, engine.docs / "moved.zip")
    shutil.copy(engine.docs / "moved.zip", engine.docs / "copy.zip")
    c = index(engine)
    assert c.moved + c.copied == 2 and hash_embedder.embed_calls == calls
    for name in ("moved.zip", "copy.zip"):
        hits = [h for h in engine.search("tomatoes balcony", k=5, dense=False)
                if h.path == str(engine.docs / name)]
        assert [h.inside for h in hits] == [["garden.txt"]]
    assert not engine.search("tomatoes", k=5, dense=False, filters=Filters(folders=[str(src)]))
    assert engine.doctor().ok


def test_a_changed_archive_re_embeds_only_its_changed_members(engine, hash_embedder):
    index(engine)
    calls = hash_embedder.embed_calls
    make_zip(engine.docs / "backup.zip", {"lease/contract.txt": LEASE,
                                          "garden.txt": GARDEN + " Basil likes the sun too.",
                                          "inner.tar.gz": tar_bytes({"boat.md": BOAT}, "w:gz")})
    c = index(engine)
    assert c.indexed == 1
    new = hash_embedder.texts[-(hash_embedder.embed_calls - calls):]
    assert len(new) == 1 and "Basil" in new[0]
    # a member taken out of the archive leaves the index
    make_zip(engine.docs / "backup.zip", {"garden.txt": GARDEN})
    index(engine)
    assert [h.path for h in engine.search("lease Elm Street", k=5, dense=False)] == [
        str(engine.docs / "loose.txt")]
    assert engine.doctor().ok


def test_refused_members_are_listed_and_the_rest_indexed(engine):
    make_zip(engine.docs / "odd.zip", {"../escape.txt": "x", "fine.txt": BOAT})
    index(engine)
    failed = {tuple(f.chain): f.error for f in engine.status().failed}
    assert "'..'" in failed[("../escape.txt",)]
    assert [h.inside for h in engine.search("varnish ropes", k=5, dense=False)
            if h.path.endswith("odd.zip")] == [["fine.txt"]]


def test_an_archive_killed_half_stored_is_finished_by_the_next_pass(engine, hash_embedder,
                                                                     monkeypatch):
    """The file's row gets its date last: a pass that dies between two members leaves it
    looking changed, and the next pass stores what is missing."""
    from desktop_search.core.indexing import containers

    real = containers.Containers._put
    seen = []

    def dies_after_one(self, *a, **kw):
        if seen:
            raise KeyboardInterrupt
        seen.append(1)
        return real(self, *a, **kw)

    monkeypatch.setattr(containers.Containers, "_put", dies_after_one)
    with pytest.raises(KeyboardInterrupt):
        engine.index_service().ingest.index_file(str(engine.docs / "backup.zip"))
    monkeypatch.setattr(containers.Containers, "_put", real)
    row = engine.catalog.get_file(str(engine.docs / "backup.zip"))
    assert row.mtime_ns == containers.IN_PROGRESS and len(engine.library.members(row.id)) == 1
    index(engine)
    assert len(engine.library.members(row.id)) == 3
    assert json.loads(json.dumps(engine.search("tomatoes", k=1, dense=False)[0].inside)) == [
        "garden.txt"]


def test_a_member_is_copied_out_alone_to_a_private_folder(engine, tmp_path):
    index(engine)
    make_zip(engine.docs / "tricky.zip", {"../../outside.txt": "x", "sub/fine.txt": BOAT})
    index(engine)
    hit = engine.search("sailing boat ropes", k=5, dense=False)
    nested = next(h for h in hit if h.inside == ["inner.tar.gz", "boat.md"])
    out = engine.copy_out(nested)
    assert out.name == "boat.md" and out.read_text() == BOAT
    assert out.parent.name.startswith("desktop-search-open-") and oct(out.parent.stat().st_mode)[-3:] == "700"
    assert [p.name for p in out.parent.iterdir()] == ["boat.md"]
    fine = next(h for h in hit if h.inside == ["sub/fine.txt"])
    # a copy handed out more than a day ago is removed when the next one is made
    two_days_ago = time.time() - 2 * 86_400
    os.utime(out.parent, (two_days_ago, two_days_ago))
    again = engine.copy_out(fine)
    assert again.name == "fine.txt" and again.parent.exists()
    assert not out.parent.exists()
    assert not (tmp_path / "outside.txt").exists() and not (engine.docs.parent / "outside.txt").exists()
