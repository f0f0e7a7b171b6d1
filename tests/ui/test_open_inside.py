"""Open from inside a file runs nothing (issue 23): only documents and media go to the
desktop's opener; a script inside an archive is offered as a copy to save, and a name with
a right-to-left override is shown with the control escaped, never obeyed.

Real window, real zip; a fast fake embedder (the words decide here, not the model)."""
from __future__ import annotations

import zipfile
from pathlib import Path

from tests.core.test_extract import make_pdf

RLO = "\u202e"


def _parcel(folder: Path) -> Path:
    folder.mkdir()
    pdf = make_pdf(folder.parent / "invoice.pdf", ["Invoice for the walnut harvest."])
    with zipfile.ZipFile(folder / "parcel.zip", "w") as z:
        z.writestr("invoice.pdf", pdf.read_bytes())
        z.writestr("run.js", "// quokka dispatcher script\nWScript.Echo('quokka');\n")
        z.writestr(f"Invoice{RLO}fdp.js", "// wombat payload script\nWScript.Echo(1);\n")
        z.writestr(f"../Bill{RLO}txt.exe", "x")
    return folder


def _row_of(w, hits, member: str) -> int:
    return next(i for i, h in enumerate(hits) if h.inside == [member])


def test_a_script_inside_an_archive_is_saved_not_run(harness, qtbot, tmp_path, hash_embedder):
    folder = _parcel(tmp_path / "docs")
    w = harness.open_window(embedder=hash_embedder)
    harness.add_folder_and_wait(w, folder)
    saved = tmp_path / "saved.js"
    asked: list[str] = []
    w.save_as = lambda name: (asked.append(name), str(saved))[1]
    # a script: not handed to the opener, offered as "Save a Copy…"
    hits = harness.search(w, "quokka dispatcher script")
    w.commands.result.open_hit(hits[_row_of(w, hits, "run.js")])
    qtbot.waitUntil(saved.exists, timeout=20_000)
    assert harness.opened == [] and asked == ["run.js"]
    # a document: opened, from its private copy
    hits = harness.search(w, "walnut harvest invoice")
    w.commands.result.open_hit(hits[_row_of(w, hits, "invoice.pdf")])
    qtbot.waitUntil(lambda: len(harness.opened) == 1, timeout=20_000)
    assert Path(harness.opened[0].path).name == "invoice.pdf"


def test_bidi_controls_in_names_are_shown_escaped(harness, qtbot, tmp_path, hash_embedder):
    folder = _parcel(tmp_path / "docs")
    w = harness.open_window(embedder=hash_embedder)
    harness.add_folder_and_wait(w, folder)
    hits = harness.search(w, "wombat payload script")
    row = _row_of(w, hits, f"Invoice{RLO}fdp.js")
    model = w.results_model
    shown = model.data(model.index(row, 0))
    assert shown == "parcel.zip › Invoice\\u202efdp.js" and RLO not in shown
    w.results_view.setCurrentIndex(model.index(row, 0))
    qtbot.waitUntil(lambda: w.preview.doc is not None
                    and w.preview.doc.hit.inside == [f"Invoice{RLO}fdp.js"], timeout=10_000)
    assert w.preview.title.text() == "parcel.zip › Invoice\\u202efdp.js"
    # and opening it (a script, whatever it looks like) saves a copy instead
    saved = tmp_path / "saved.js"
    w.save_as = lambda name: str(saved)
    w.commands.result.open_hit(hits[row])
    qtbot.waitUntil(saved.exists, timeout=20_000)
    assert harness.opened == []
    # the failed list: a refused member named with an override
    qtbot.waitUntil(lambda: len(w.failed) == 1, timeout=10_000)
    w.show_failed()
    dlg = w.dialogs.failed
    qtbot.waitUntil(lambda: dlg.tree.topLevelItemCount() == 1)
    assert dlg.tree.topLevelItem(0).text(0) == "parcel.zip › ../Bill\\u202etxt.exe"
    dlg.close()


def test_copies_carry_the_mark_of_a_download_where_the_platform_has_one(tmp_path):
    from desktop_search.core.extract.handout import can_open_inside, mark_as_downloaded

    copy = tmp_path / "invoice.pdf"
    copy.write_bytes(b"%PDF-1.4")
    assert mark_as_downloaded(copy, platform="linux") is False        # Linux has none
    # Windows: the Zone.Identifier stream (here a file of that name: no NTFS streams)
    assert mark_as_downloaded(copy, platform="win32") is True
    zone = Path(str(copy) + ":Zone.Identifier").read_bytes().decode()
    assert zone == "[ZoneTransfer]\r\nZoneId=3\r\n"
    for name in ("a.js", "a.vbs", "a.bat", "a.cmd", "a.hta", "a.url", "a.reg", "a.command",
                 "a.terminal", "a.exe", "a.html", "a.svg", "a.zip", "a.desktop", "a.lnk",
                 f"Invoice{RLO}fdp.pdf", "noextension"):
        assert not can_open_inside(name), name
    for name in ("a.pdf", "a.docx", "a.JPG", "a.eml", "a.mp3", "a.txt"):
        assert can_open_inside(name), name
