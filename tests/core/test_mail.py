"""Mail as documents: ``.eml`` files, mboxes (Thunderbird's too), Maildir. Each message is
a document with its sender, recipients and date; each attachment a document inside it,
read by the readers files have. A mailbox is read message by message: an appended
message is the only one read again, and a pass stopped midway resumes where it stopped.

Real messages made with the standard library's ``email`` package, real PDF and DOCX
attachments, a real index on disk; the hash embedder counts what is embedded.
"""
from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

import pytest

from desktop_search.core.engine import Engine
from desktop_search.core.extract import extract, mail
from desktop_search.core.indexing import containers
from desktop_search.core.search import Filters
from tests.core.test_extract import make_pdf

LEASE_PDF = ["Page one of the lease: the parties.", "Page two: the tenant waters the roses weekly."]


def message(subject: str, body: str, *, sender="Landlord <landlord@example.org>",
            to="me@example.org", date="Wed, 02 Oct 2024 10:00:00 +0000", html: str | None = None,
            attachments: list[tuple[str, bytes, str]] = ()) -> EmailMessage:
    m = EmailMessage()
    m["Subject"], m["From"], m["To"], m["Date"] = subject, sender, to, date
    m.set_content(body)
    if html:
        m.add_alternative(html, subtype="html")
    for name, data, ctype in attachments:
        main, sub = ctype.split("/")
        m.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return m


def docx_bytes(tmp_path: Path, text: str) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph(text)
    d.save(tmp_path / "x.docx")
    return (tmp_path / "x.docx").read_bytes()


def test_an_eml_is_a_message_with_its_attachments_inside(tmp_path):
    pdf = make_pdf(tmp_path / "lease.pdf", LEASE_PDF).read_bytes()
    m = message("Re: the lease", "Please find the lease attached.", html="<p>Please find the "
                "<b>lease</b> attached.</p>", to="me@example.org", attachments=[
                    ("lease.pdf", pdf, "application/pdf"),
                    ("plan.docx", docx_bytes(tmp_path, "The garden plan has three raised beds."),
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document")])
    (tmp_path / "lease.eml").write_bytes(bytes(m))
    doc = extract(tmp_path / "lease.eml")
    assert doc.kind == "mail" and doc.container and doc.title == "Re: the lease"
    assert doc.sender == "Landlord <landlord@example.org>" and doc.recipients == "me@example.org"
    assert doc.taken == 1727863200.0
    assert doc.text.count("Please find the lease attached.") == 1    # plain and HTML: once
    assert doc.text.startswith("Subject: Re: the lease\nFrom: Landlord")
    parts = {p.inside: p.doc for p in doc.parts}
    assert set(parts) == {("lease.pdf",), ("plan.docx",)}
    assert parts[("lease.pdf",)].kind == "pdf" and "roses" in parts[("lease.pdf",)].text
    assert parts[("plan.docx",)].kind == "docx" and "raised beds" in parts[("plan.docx",)].text


def test_a_wrong_charset_and_a_broken_mime_tree_still_give_the_text(tmp_path):
    raw = ("Subject: =?utf-8?q?Caf=C3=A9?=\nFrom: a@example.org\nContent-Type: text/plain; "
           "charset=no-such-charset\n\nCr\xe8me br\xfbl\xe9e for dessert.\n").encode("latin-1")
    (tmp_path / "a.eml").write_bytes(raw)
    doc = extract(tmp_path / "a.eml")
    assert doc.title == "Café" and "Crème brûlée for dessert." in doc.text
    broken = (b"Subject: broken\nFrom: b@example.org\nContent-Type: multipart/mixed; "
              b"boundary=XX\n\n--XX\nContent-Type: text/plain\n\nthe visible part about kites\n"
              b"--XX\nContent-Type: application/pdf; name=x.pdf\nContent-Transfer-Encoding: "
              b"base64\n\n!!!not base64!!!\n")          # no closing boundary either
    (tmp_path / "b.eml").write_bytes(broken)
    doc = extract(tmp_path / "b.eml")
    assert "the visible part about kites" in doc.text
    assert [p.inside for p in doc.parts] == [("x.pdf",)] and doc.parts[0].doc is None


def test_an_mbox_without_from_lines_is_refused_with_why(tmp_path):
    (tmp_path / "box.mbox").write_text("Subject: hi\n\nnot an mbox at all\n")
    with pytest.raises(Exception, match="does not begin with a 'From ' line"):
        mail.list_mbox(tmp_path / "box.mbox")


# --------------------------------------------------------------------------- the index


def index(engine):
    svc = engine.index_service()
    svc.run_until_idle()
    return svc.counters


def spy_jobs(monkeypatch) -> list[tuple[str, dict]]:
    """The reader jobs the indexer sends to its sandboxed child, by function name."""
    from desktop_search.core.indexing.ingest import Ingest

    jobs: list[tuple[str, dict]] = []
    real = Ingest._call

    def call(self, target, **kw):
        jobs.append((target.rsplit(":", 1)[1], kw))
        return real(self, target, **kw)

    monkeypatch.setattr(Ingest, "_call", call)
    return jobs


def write_mbox(path: Path, messages) -> None:
    box = mailbox.mbox(path)
    for m in messages:
        box.add(m)
    box.flush()
    box.close()


@pytest.fixture
def profile(tmp_path):
    """A Thunderbird profile's Local Folders: Inbox, and Inbox.sbd/Projects, each a file
    without an extension next to its ``.msf``."""
    mail_dir = tmp_path / "Local Folders"
    mail_dir.mkdir()
    pdf = make_pdf(tmp_path / "lease.pdf", LEASE_PDF).read_bytes()
    write_mbox(mail_dir / "Inbox", [
        message("Re: the lease", "The lease is attached; the deposit comes back in April.",
                attachments=[("lease.pdf", pdf, "application/pdf")]),
        message("Boat trip", "We sail to the island on Saturday with the new ropes.",
                sender="Ann <ann@example.org>", date="Mon, 06 Jan 2020 09:00:00 +0000"),
    ])
    (mail_dir / "Inbox.msf").write_text("// mork index")
    (mail_dir / "Inbox.sbd").mkdir()
    write_mbox(mail_dir / "Inbox.sbd" / "Projects", [
        message("Kite festival", "Bring the red kite and spare string to the beach festival."),
    ])
    (mail_dir / "Inbox.sbd" / "Projects.msf").write_text("")
    return mail_dir


@pytest.fixture
def engine(data_dir, hash_embedder, profile):
    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(profile)
    yield eng
    eng.close()


def test_every_message_and_attachment_is_found_at_its_place(engine, profile):
    c = index(engine)
    assert c.failed == 0 and c.indexed == 2          # Inbox and Projects; .msf not read
    roses = engine.search("tenant waters the roses", k=1, dense=False)[0]
    assert roses.path == str(profile / "Inbox")
    assert roses.inside == ["Re: the lease", "lease.pdf"] and roses.page is not None
    boat = engine.search("sail island ropes", k=1, dense=False)[0]
    assert boat.inside == ["Boat trip"] and boat.kind == "mail"
    j = boat.to_json()
    assert j["from"] == "Ann <ann@example.org>" and j["to"] == "me@example.org"
    assert j["date"] == 1578301200.0
    kite = engine.search("kite festival", k=1, dense=False)[0]
    assert kite.path == str(profile / "Inbox.sbd" / "Projects") and kite.inside == ["Kite festival"]
    assert "mail" in engine.kinds() and "mailbox" not in engine.kinds()


def test_the_type_and_date_filters_use_the_message(engine):
    index(engine)
    mails = engine.search("lease deposit", k=5, dense=False, filters=Filters(kinds=["mail"]))
    assert [h.inside for h in mails] == [["Re: the lease"]]
    old = engine.search("sail lease kite", k=5, dense=False,
                        filters=Filters(modified_before=1600000000.0))
    assert [h.inside for h in old] == [["Boat trip"]]       # sent in 2020; the file is new


def test_an_appended_message_is_the_only_one_read(engine, profile, hash_embedder, monkeypatch):
    index(engine)
    calls = hash_embedder.embed_calls
    jobs = spy_jobs(monkeypatch)
    box = mailbox.mbox(profile / "Inbox")
    box.add(message("Invoice", "The plumber's invoice for the heating repair is attached."))
    box.flush()
    box.close()
    index(engine)
    names = [name for name, _ in jobs]
    assert names == ["message_digest", "list_mbox", "read_messages"]
    assert [s["key"] for s in jobs[2][1]["spans"]] == [jobs[2][1]["spans"][0]["key"]]
    assert jobs[1][1]["start"] > 0                         # listed from the last known message
    new = hash_embedder.texts[calls:]
    assert len(new) == 1 and "plumber" in new[0]
    assert engine.search("plumber heating", k=1, dense=False)[0].inside == ["Invoice"]


def test_a_compacted_mailbox_re_embeds_nothing(engine, profile, hash_embedder):
    index(engine)
    calls = hash_embedder.embed_calls
    box = mailbox.mbox(profile / "Inbox")
    box.lock()
    box.remove(next(iter(box.keys())))          # the lease message deleted, the rest moved
    box.flush()
    box.unlock()
    box.close()
    index(engine)
    assert hash_embedder.embed_calls == calls
    assert engine.search("sail island ropes", k=1, dense=False)[0].inside == ["Boat trip"]
    assert not [h for h in engine.search("lease deposit roses", k=5, dense=False)
                if h.path.endswith("Inbox")]
    assert engine.doctor().ok


def test_a_pass_stopped_midway_resumes_without_reading_the_mailbox_again(
        engine, profile, hash_embedder, monkeypatch):
    write_mbox(profile / "Big.mbox", [message(f"Note {i}", f"Memo number {i} about topic{i}.")
                                      for i in range(6)])
    index(engine)                               # everything once
    (profile / "Big.mbox").unlink()
    index(engine)
    write_mbox(profile / "Big.mbox", [message(f"Note {i}", f"Memo number {i} about topic{i}.")
                                      for i in range(6)])
    reads = []
    real_put = containers.Containers._put

    def dies_on_the_fourth(self, path, root_id, cid, part, old, *, locator):
        if path.endswith("Big.mbox") and "|" not in part.member:
            reads.append(part.member)
            if len(reads) == 4:
                raise KeyboardInterrupt          # as a kill between two messages
        return real_put(self, path, root_id, cid, part, old, locator=locator)

    monkeypatch.setattr(containers, "MESSAGES_PER_JOB", 1)   # one commit a message here
    monkeypatch.setattr(containers.Containers, "_put", dies_on_the_fourth)
    with pytest.raises(KeyboardInterrupt):
        index(engine)
    monkeypatch.setattr(containers.Containers, "_put", real_put)
    row = engine.catalog.get_file(str(profile / "Big.mbox"))
    assert row.mtime_ns == containers.IN_PROGRESS and len(engine.library.members(row.id)) == 3
    jobs = spy_jobs(monkeypatch)
    index(engine)
    lists = [a for name, a in jobs if name == "list_mbox"]
    assert len(lists) == 1 and lists[0]["start"] > 0   # only what follows the third message
    assert sum(len(a["spans"]) for name, a in jobs if name == "read_messages") == 3
    assert len(engine.library.members(row.id)) == 6
    assert engine.search("topic5", k=1, dense=False)[0].inside == ["Note 5"]


def test_a_maildir_message_is_a_file_that_is_a_message(data_dir, hash_embedder, tmp_path):
    (tmp_path / "Mail").mkdir()
    box = mailbox.Maildir(tmp_path / "Mail" / "work", create=True)
    box.add(message("Quarterly budget", "The budget review moved to Thursday afternoon.",
                    sender="Boss <boss@example.org>"))
    eng = Engine(data_dir, embedder=hash_embedder)
    try:
        eng.add_root(tmp_path / "Mail")
        c = index(eng)
        assert c.indexed == 1 and c.failed == 0
        hit = eng.search("budget review Thursday", k=1, dense=False)[0]
        assert "/work/new/" in hit.path and hit.inside == [] and hit.kind == "mail"
        assert hit.to_json()["from"] == "Boss <boss@example.org>"
    finally:
        eng.close()


@pytest.mark.slow      # real OCR
def test_a_picture_attached_is_read_by_ocr(tmp_path):
    import io

    from tests.core.test_ocr_indexing import render

    buf = io.BytesIO()
    render(["Invoice 4417 for the roof repair"]).save(buf, format="PNG")
    m = message("Roof", "See the scan.", attachments=[("scan.png", buf.getvalue(), "image/png")])
    (tmp_path / "roof.eml").write_bytes(bytes(m))
    parts = extract(tmp_path / "roof.eml").parts
    assert [p.inside for p in parts] == [("scan.png",)]
    assert parts[0].doc.ocr and "roof repair" in parts[0].doc.text.lower()


def test_a_message_of_a_mailbox_is_copied_out_as_eml(engine, profile):
    index(engine)
    boat = engine.search("sail island ropes", k=1, dense=False)[0]
    out = engine.copy_out(boat)
    assert out.name == "Boat trip.eml"
    again = extract(out)
    assert again.title == "Boat trip" and "new ropes" in again.text
    roses = engine.search("tenant waters the roses", k=1, dense=False)[0]
    pdf = engine.copy_out(roses)
    assert pdf.name == "lease.pdf" and pdf.read_bytes().startswith(b"%PDF")


def test_a_message_that_kills_the_reader_costs_only_itself(engine, profile, monkeypatch):
    """A batch whose job fails is read again message by message: only the message that
    breaks the reader is lost, with the reader's reason."""
    from desktop_search.core.indexing.ingest import Ingest
    from desktop_search.errors import ExtractError

    real = Ingest._call

    def call(self, target, **kw):
        if target.endswith(":read_messages") and any(
                s["end"] - s["start"] > 0 and "Boat" in (profile / "Inbox").read_bytes()[
                    s["start"]:s["end"]].decode("utf-8", "replace") for s in kw["spans"]):
            raise ExtractError("the reader crashed on this file (out of memory?)")
        return real(self, target, **kw)

    monkeypatch.setattr(Ingest, "_call", call)
    c = index(engine)
    assert c.failed == 0
    failed = {tuple(f.chain): f.error for f in engine.status().failed}
    assert list(failed.values()) == ["the reader crashed on this file (out of memory?)"]
    assert engine.search("tenant waters the roses", k=1, dense=False)[0].inside == [
        "Re: the lease", "lease.pdf"]


# --------------------------------------------------------------------------- told by content


def qp_message(subject: str, body: str, **kw) -> EmailMessage:
    """A message whose body is quoted-printable (``Olá`` is ``Ol=C3=A1`` in the file)."""
    m = message(subject, body, **kw)
    body_part = next(m.iter_parts()) if m.is_multipart() else m
    body_part.set_content(body, cte="quoted-printable")
    return m


def test_an_mbox_without_an_extension_or_msf_is_told_by_its_first_lines(
        data_dir, hash_embedder, tmp_path):
    """mutt's, a Unix spool's or a renamed Google Takeout mailbox: a file named ``Inbox``
    with no ``.msf`` beside it gives one document per message, not one text with the
    quoted-printable codes in it; a note that begins with "From " is still a note."""
    mail_dir = tmp_path / "Mail"
    mail_dir.mkdir()
    write_mbox(mail_dir / "Inbox", [
        qp_message("Olá from Lisbon", "Olá! The tram to Belém leaves from the square.",
                   sender="Rita <rita@example.org>"),
        message("Boat trip", "We sail to the island on Saturday with the new ropes."),
    ])
    (mail_dir / "notes").write_text("From the desk of the editor: the margins are too wide.\n"
                                    "Remember the proofs.\n")
    assert b"Ol=C3=A1" in (mail_dir / "Inbox").read_bytes()
    assert mail.starts_like_mbox(mail_dir / "Inbox")
    assert not mail.starts_like_mbox(mail_dir / "notes")
    eng = Engine(data_dir, embedder=hash_embedder)
    try:
        eng.add_root(mail_dir)
        c = index(eng)
        assert c.failed == 0 and c.indexed == 2
        tram = eng.search("tram Belém square", k=1, dense=False)[0]
        assert tram.path == str(mail_dir / "Inbox") and tram.inside == ["Olá from Lisbon"]
        assert tram.kind == "mail" and tram.to_json()["from"] == "Rita <rita@example.org>"
        shown = eng.preview(tram).text
        assert "Olá! The tram" in shown and "=C3=A1" not in shown
        boat = eng.search("sail island ropes", k=1, dense=False)[0]
        assert boat.inside == ["Boat trip"]
        note = eng.search("margins proofs editor", k=1, dense=False)[0]
        assert note.path == str(mail_dir / "notes") and note.inside == [] and note.kind == "text"
    finally:
        eng.close()


def test_sniffing_reads_a_few_kb_and_never_blocks(tmp_path):
    """Long headers (a chain of Received lines past the part read) still say mbox; a
    From line followed by prose, an empty file or a FIFO do not (a FIFO would block a
    plain open)."""
    import os

    received = b"".join(b"Received: from relay%d.example.org by mx.example.org; "
                        b"Mon, 6 Jan 2020 09:00:00 +0000\n" % i for i in range(200))
    (tmp_path / "spool").write_bytes(b"From MAILER-DAEMON Mon Jan  6 09:00:00 2020\n"
                                     + received + b"Subject: hi\n\nbody\n")
    assert len(received) > mail.MBOX_SNIFF_BYTES and mail.starts_like_mbox(tmp_path / "spool")
    (tmp_path / "prose").write_bytes(b"From me to you: a poem\nRoses: red\nand violets blue\n")
    assert not mail.starts_like_mbox(tmp_path / "prose")
    (tmp_path / "empty").write_bytes(b"")
    assert not mail.starts_like_mbox(tmp_path / "empty")
    os.mkfifo(tmp_path / "pipe")
    assert not mail.starts_like_mbox(tmp_path / "pipe")
    assert not mail.starts_like_mbox(tmp_path / "missing")


def emlx_bytes(m: EmailMessage) -> bytes:
    """An Apple Mail ``.emlx``: the message's length, the message, a property list."""
    raw = bytes(m)
    plist = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD '
             b'PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist '
             b'version="1.0">\n<dict>\n\t<key>flags</key>\n\t<integer>8590195713</integer>\n'
             b'</dict>\n</plist>\n')
    return b"%d        \n" % len(raw) + raw + plist


def test_apple_mail_mbox_folders_are_read(data_dir, hash_embedder, tmp_path):
    """Apple Mail's ``Name.mbox/`` folders: an exported one holds an ``mbox`` file; the
    mail store holds ``Messages/*.emlx`` (length line, message, property list)."""
    library = tmp_path / "Mail"
    export = library / "Work.mbox"
    export.mkdir(parents=True)
    write_mbox(export / "mbox", [message("Kite festival", "Bring the red kite to the beach.")])
    (export / "Info.plist").write_text("<plist version='1.0'><dict/></plist>")
    messages = library / "V10" / "INBOX.mbox" / "0F3A" / "Data" / "Messages"
    messages.mkdir(parents=True)
    pdf = make_pdf(tmp_path / "lease.pdf", LEASE_PDF).read_bytes()
    (messages / "12.emlx").write_bytes(emlx_bytes(qp_message(
        "Olá, the lease", "Olá, the deposit comes back in April.", sender="Ann <ann@example.org>",
        attachments=[("lease.pdf", pdf, "application/pdf")])))
    (messages / "13.partial.emlx").write_bytes(emlx_bytes(message(
        "Quarterly budget", "The budget review moved to Thursday.")))
    eng = Engine(data_dir, embedder=hash_embedder)
    try:
        eng.add_root(library)
        c = index(eng)
        assert c.failed == 0
        kite = eng.search("red kite beach", k=1, dense=False)[0]
        assert kite.path == str(export / "mbox") and kite.inside == ["Kite festival"]
        deposit = eng.search("deposit comes back April", k=1, dense=False)[0]
        assert deposit.path == str(messages / "12.emlx") and deposit.inside == []
        assert deposit.kind == "mail" and deposit.to_json()["from"] == "Ann <ann@example.org>"
        assert "flags" not in eng.preview(deposit).text
        roses = eng.search("tenant waters the roses", k=1, dense=False)[0]
        assert roses.path == str(messages / "12.emlx") and roses.inside == ["lease.pdf"]
        assert eng.copy_out(roses).read_bytes().startswith(b"%PDF")
        budget = eng.search("budget review Thursday", k=1, dense=False)[0]
        assert budget.path == str(messages / "13.partial.emlx") and budget.kind == "mail"
    finally:
        eng.close()


def test_an_emlx_without_its_length_line_is_refused_with_why(tmp_path):
    (tmp_path / "1.emlx").write_bytes(b"Subject: hi\n\nno length line\n")
    with pytest.raises(Exception, match="does not begin with its length"):
        extract(tmp_path / "1.emlx")
