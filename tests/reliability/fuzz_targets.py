"""Fuzz targets for every reader, run through the real sandboxed reader path.

One registry (``TARGETS``) serves the suite (``test_fuzz.py``: a bounded number of
hypothesis examples per target) and the long campaign (``benchmarks/fuzz.py --minutes N``).
A target is a file suffix, the seeds (real files made by the libraries that write the
format, in a scratch folder) and a mutator; a new format adds one ``register(FuzzTarget(
...))`` with its seeds.

Every input is read by ``SandboxedExtractor`` exactly as the indexer reads a file. What
counts (``Outcome``):
- READ: a document (for an archive or a mailbox: every part is a document or a refusal
  with its reason);
- REFUSED: an ``ExtractError`` with a listed reason (damaged, too large, encrypted, ...);
- HANG: the reader overran its time and was replaced (a listed reason too, counted apart);
- CRASH: anything else: the worker died, an exception escaped the reader (the child's
  catch-all says "reader error: ..."), an answer that is not a document, or a part of a
  container with neither a document nor a reason (a lost file).
Mutators draw from a ``random.Random``: hypothesis hands one in (``st.randoms``), so its
shrinking and example database work; the campaign seeds its own.
"""
from __future__ import annotations

import hashlib
import io
import mailbox
import random
import tarfile
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from email.message import EmailMessage
from enum import Enum
from pathlib import Path
from typing import Callable

from desktop_search.core.extract.common import Extracted
from desktop_search.errors import ExtractError

#: found crashers, kept as regression files (named ``<target>-<sha1 prefix><suffix>``)
CRASHERS = Path(__file__).resolve().parent / "fuzz_crashers"
#: the size cap the fuzzed reader runs with (inputs stay far below it)
MAX_BYTES = 4 * 2**20

Seeds = Callable[[Path], list[bytes]]
Mutator = Callable[[random.Random, bytes, list[bytes]], bytes]


class Outcome(Enum):
    READ = "read"
    REFUSED = "refused"
    HANG = "hang"
    CRASH = "crash"


# --------------------------------------------------------------------------- mutators

_INTERESTING = (0x00, 0xFF, 0x7F, 0x80, 0x0A, 0x3C, 0x25, 0x22)


def mutate_bytes(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    """One to four byte-level edits: flips, interesting bytes, cuts, copies, inserts,
    truncation, a splice with another seed."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        n = len(buf)
        if op == 0 and n:
            i = rng.randrange(n)
            buf[i] ^= 1 << rng.randrange(8)
        elif op == 1 and n:
            buf[rng.randrange(n)] = rng.choice(_INTERESTING)
        elif op == 2 and n > 1:
            i = rng.randrange(n)
            del buf[i:i + rng.randint(1, min(256, n - i))]
        elif op == 3 and n:
            i = rng.randrange(n)
            chunk = buf[i:i + rng.randint(1, 64)]
            j = rng.randrange(n + 1)
            buf[j:j] = chunk * rng.randint(1, 8)
        elif op == 4:
            j = rng.randrange(n + 1)
            buf[j:j] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif op == 5 and n:
            del buf[rng.randrange(n):]
        elif op == 6 and pool:
            other = rng.choice(pool)
            if other:
                i, j = rng.randrange(len(other)), rng.randrange(n + 1)
                buf[j:] = other[i:i + rng.randint(1, 512)] + buf[j:]
    return bytes(buf)


def mutate_zip_members(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    """Structure-aware: a valid zip again, with one member's bytes (often an XML part)
    mutated, renamed, dropped or doubled; now and then the zip's own bytes instead."""
    if rng.random() < 0.3:
        return mutate_bytes(rng, data, pool)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = [(i.filename, z.read(i)) for i in z.infolist()]
    except Exception:  # noqa: BLE001 - an earlier mutation broke it (zlib, CRC, ...): bytes then
        return mutate_bytes(rng, data, pool)
    if not members:
        return mutate_bytes(rng, data, pool)
    k = rng.randrange(len(members))
    name, body = members[k]
    op = rng.randrange(5)
    if op <= 1:
        members[k] = (name, mutate_bytes(rng, body, pool))
    elif op == 2:
        members[k] = (rng.choice(["../" + name, name.upper(), name + "/x", "/" + name]), body)
    elif op == 3:
        del members[k]
    else:
        members.append((name, body[: rng.randrange(len(body) + 1)]))
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        warnings.simplefilter("ignore")          # a doubled member name is the point
        for name, body in members:
            z.writestr(name, body)
    return out.getvalue()


def mutate_lines(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    """Line-aware (mail, mboxes): lines dropped, doubled, swapped, or a line that looks
    like a header, a boundary or an mbox separator inserted; else byte edits."""
    if rng.random() < 0.35:
        return mutate_bytes(rng, data, pool)
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(lines) + 1)
        op = rng.randrange(4)
        if op == 0 and lines:
            del lines[min(i, len(lines) - 1)]
        elif op == 1 and lines:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op == 2:
            lines.insert(i, rng.choice([
                b"From someone@example.org Mon Jan  1 00:00:00 2024", b"--BOUNDARY",
                b"Content-Type: multipart/mixed; boundary=BOUNDARY",
                b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: quoted-printable",
                b"Subject: =?utf-8?b?" + bytes(rng.randrange(33, 127) for _ in range(9)) + b"?=",
                b"Content-Disposition: attachment; filename*=utf-8''%E2%80%AEfdp.js", b"",
                b"Content-Type: message/rfc822"]))
        elif op == 3 and len(lines) > 1:
            j = rng.randrange(len(lines))
            lines[i % len(lines)], lines[j] = lines[j], lines[i % len(lines)]
    return b"\n".join(lines)


# --------------------------------------------------------------------------- seeds


def _text_seeds(tmp: Path) -> list[bytes]:
    text = "Ferry timetable: the boat to Inishmore leaves at nine.\nCafé, naïve, 東京, Ωμέγα.\n"
    return [text.encode("utf-8"), text.encode("utf-16"), text.encode("utf-8-sig"),
            "Prix: 12 € à payer.\r\n".encode("cp1252"), b"plain ascii\n" * 20,
            "\u202eevil\n".encode()]


def _html_seeds(tmp: Path) -> list[bytes]:
    return [b'<html><head><meta charset="iso-8859-1"><title>Caf\xe9</title></head><body>'
            b"<h1>Menu</h1><p>Soup of the day</p><script>var secret=1</script></body></html>",
            b"<!doctype html><table><tr><td>a<td>b</table><style>p{}</style><svg><p>x</svg>",
            ("<div>" * 300 + "deep" + "</div>" * 300).encode(),
            b"<html><body><pre>\x00\x01 binary-ish</pre><a href='&#x0;'>&amp;&bogus;</a>"]


def _pdf_seeds(tmp: Path) -> list[bytes]:
    from fpdf import FPDF

    out = []
    for i, pages in enumerate((["One page about lighthouses."],
                               ["First page.", "Second page with more words " * 20],
                               [])):
        pdf = FPDF()
        pdf.set_title(f"Seed {i}")
        pdf.set_font("helvetica", size=12)
        for text in pages or [""]:
            pdf.add_page()
            pdf.multi_cell(0, 10, text)
        out.append(bytes(pdf.output()))
    return out


def _docx_seeds(tmp: Path) -> list[bytes]:
    import docx

    doc = docx.Document()
    doc.core_properties.title = "Budget"
    doc.add_heading("Budget 2024", 1)
    doc.add_paragraph("The roof repair costs 4,000 euros.")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(1, 1).text = "item", "cost"
    path = tmp / "seed.docx"
    doc.save(path)
    return [path.read_bytes()]


def _pptx_seeds(tmp: Path) -> list[bytes]:
    import pptx

    prs = pptx.Presentation()
    for title in ("Quarterly review", "Harbour plans"):
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = f"Notes about {title.lower()}"
    path = tmp / "seed.pptx"
    prs.save(path)
    return [path.read_bytes()]


def _odt_seeds(tmp: Path) -> list[bytes]:
    from odf import text
    from odf.opendocument import OpenDocumentText

    doc = OpenDocumentText()
    doc.text.addElement(text.H(outlinelevel=1, text="Garden log"))
    doc.text.addElement(text.P(text="The tomatoes ripened in August."))
    path = tmp / "seed.odt"
    doc.save(str(path))
    return [path.read_bytes()]


def _epub_seeds(tmp: Path) -> list[bytes]:
    from tests.core.test_extract import make_epub

    path = make_epub(tmp / "seed.epub", [("Chapter one", "The whale surfaced."),
                                         ("Chapter two", "The crew cheered.")], title="Sea")
    return [path.read_bytes()]


def _message(subject: str, body: str, attachments=()) -> EmailMessage:
    m = EmailMessage()
    m["Subject"], m["From"], m["To"] = subject, "Ann <ann@example.org>", "me@example.org"
    m["Date"] = "Wed, 02 Oct 2024 10:00:00 +0000"
    m.set_content(body)
    for name, data, ctype in attachments:
        main, sub = ctype.split("/")
        m.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return m


def _zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def _mail_seeds(tmp: Path) -> list[bytes]:
    inner = _message("Fwd: minutes", "Minutes of the meeting: budget approved.")
    html = _message("Newsletter", "plain part")
    html.add_alternative("<p>The <b>harbour</b> festival is on Sunday.</p>", subtype="html")
    return [bytes(_message("Lease", "Here is the lease.", [
                ("lease.txt", b"The tenant waters the roses.", "text/plain"),
                ("notes.zip", _zip_of({"a.txt": b"zip member text"}), "application/zip")])),
            bytes(_message("Forward", "See below.", [("minutes.eml", bytes(inner),
                                                      "message/rfc822")])),
            bytes(html),
            "Subject: =?utf-8?q?Caf=C3=A9?=\nContent-Type: text/plain; charset=latin-1\n\n"
            "caf\xe9\n".encode("latin-1")]


def _mbox_seeds(tmp: Path) -> list[bytes]:
    path = tmp / "seed.mbox"
    box = mailbox.mbox(path)
    for i in range(4):
        box.add(_message(f"Report {i}", f"From the start of line {i}: shipment {i} cleared.\n"
                         "From here on, a line that starts with From.\n"))
    box.flush()
    box.close()
    return [path.read_bytes()]


def _zip_seeds(tmp: Path) -> list[bytes]:
    return [_zip_of({"docs/readme.txt": b"Archive readme: the key is under the mat.",
                     "docs/page.html": b"<p>inside html</p>",
                     "inner.zip": _zip_of({"deep.txt": b"a zip inside a zip"}),
                     "mail.eml": bytes(_message("In a zip", "a message inside an archive"))})]


def _tar_seeds(tmp: Path) -> list[bytes]:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as t:
        for name, data in (("notes/a.txt", b"tar member about the orchard"),
                           ("notes/b.md", b"# Heading\n\nmarkdown in a tar"),
                           ("inner.zip", _zip_of({"z.txt": b"zip in tar"}))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return [out.getvalue()]


def _man_seeds(tmp: Path) -> list[bytes]:
    return [b'.TH FROB 1 "2024" "frob" "User Commands"\n.SH NAME\nfrob \\- frobnicate\n'
            b".SH DESCRIPTION\n.B frob\nrebuilds the \\fBwidget\\fR cache.\n.de XX\n..\n"
            b".so /etc/hostname\n"]


# --------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class FuzzTarget:
    """One reader under fuzzing: inputs are written as ``fuzz<suffix>``."""

    name: str
    suffix: str
    seeds: Seeds
    mutate: Mutator = mutate_bytes
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def seed_inputs(self) -> list[bytes]:
        """The real files this target starts from (made once per process)."""
        if "seeds" not in self._cache:
            with tempfile.TemporaryDirectory(prefix="ds-fuzz-seeds-") as tmp:
                self._cache["seeds"] = self.seeds(Path(tmp))
        return self._cache["seeds"]

    def make_input(self, rng: random.Random) -> bytes:
        pool = self.seed_inputs()
        data = rng.choice(pool)
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            data = self.mutate(rng, data, pool)
        return data


TARGETS: dict[str, FuzzTarget] = {}


def register(target: FuzzTarget) -> FuzzTarget:
    TARGETS[target.name] = target
    return target


for _t in (
    FuzzTarget("text", ".txt", _text_seeds),
    FuzzTarget("html", ".html", _html_seeds),
    FuzzTarget("pdf", ".pdf", _pdf_seeds),
    FuzzTarget("docx", ".docx", _docx_seeds, mutate_zip_members),
    FuzzTarget("odt", ".odt", _odt_seeds, mutate_zip_members),
    FuzzTarget("pptx", ".pptx", _pptx_seeds, mutate_zip_members),
    FuzzTarget("epub", ".epub", _epub_seeds, mutate_zip_members),
    FuzzTarget("mail", ".eml", _mail_seeds, mutate_lines),
    FuzzTarget("mbox", ".mbox", _mbox_seeds, mutate_lines),
    FuzzTarget("zip", ".zip", _zip_seeds, mutate_zip_members),
    FuzzTarget("tar", ".tar.gz", _tar_seeds),
    FuzzTarget("man", ".1", _man_seeds, mutate_lines),
):
    register(_t)


# --------------------------------------------------------------------------- running one


def classify(result: object) -> tuple[Outcome, str]:
    """What a reader's answer (or the ``ExtractError`` it raised) counts as."""
    from desktop_search.core.indexing.sandbox import ReaderCrashed, ReaderTimeout

    if isinstance(result, ReaderTimeout):
        return Outcome.HANG, str(result)
    if isinstance(result, ReaderCrashed):
        return Outcome.CRASH, f"dead worker: {result}"
    if isinstance(result, ExtractError):
        msg = str(result)
        if msg.startswith("reader error:") or not msg.strip():
            return Outcome.CRASH, f"exception escaped: {msg}"
        return Outcome.REFUSED, msg
    if not isinstance(result, Extracted) or not isinstance(result.text, str):
        return Outcome.CRASH, f"not a document: {type(result).__name__}"
    for part in result.parts:
        if part.doc is None and not part.error:
            return Outcome.CRASH, f"lost file: {' › '.join(part.inside)}"
    return Outcome.READ, ""


def run_one(sandbox, target: FuzzTarget, data: bytes, folder: Path) -> tuple[Outcome, str]:
    """``data`` read by ``sandbox`` as a file ``fuzz<suffix>`` in ``folder``."""
    path = folder / f"fuzz{target.suffix}"
    path.write_bytes(data)
    try:
        result: object = sandbox(str(path), max_bytes=MAX_BYTES)
    except ExtractError as exc:
        result = exc
    except Exception as exc:  # noqa: BLE001 - anything else escaping is a crash
        return Outcome.CRASH, f"exception in the parent: {type(exc).__name__}: {exc}"
    return classify(result)


def keep_crasher(target: FuzzTarget, data: bytes) -> Path:
    """A crasher saved as a regression file (the suite reads every one of them)."""
    CRASHERS.mkdir(exist_ok=True)
    path = CRASHERS / f"{target.name}-{hashlib.sha1(data).hexdigest()[:12]}{target.suffix}"
    path.write_bytes(data)
    return path
