"""The window on mail and archives: a hit shows where it is inside its file, the preview
shows a message with its headers, and Open copies the one document out first.

Real window, real packaged model, a real Thunderbird-style mailbox and zip in tmp_path.
"""
from __future__ import annotations

import mailbox
import zipfile
from pathlib import Path

from PySide6.QtCore import Qt

from tests.core.test_extract import make_pdf
from tests.core.test_mail import message


def mail_folder(root: Path) -> Path:
    """Local Folders/Inbox (+ Inbox.msf) with a message and its PDF, and a zip."""
    folder = root / "Local Folders"
    folder.mkdir(parents=True)
    pdf = make_pdf(root / "lease.pdf", ["The parties to the lease.",
                                         "The tenant must water the roses in the back garden."])
    box = mailbox.mbox(folder / "Inbox")
    box.add(message("Re: the lease", "Here is the signed lease for the flat.",
                    attachments=[("lease.pdf", pdf.read_bytes(), "application/pdf")]))
    box.add(message("Sailing on Saturday", "The boat leaves the harbour at nine; bring a "
                    "warm jacket for the wind on the water.", sender="Ann <ann@example.org>"))
    box.flush()
    box.close()
    (folder / "Inbox.msf").write_text("")
    with zipfile.ZipFile(folder / "recipes.zip", "w") as z:
        z.writestr("bread/sourdough.txt", "Knead the dough, let it rise overnight, bake hot.")
        z.writestr("../escape.txt", "a member that points outside the archive")
    return folder


def test_a_mail_hit_shows_its_chain_its_headers_and_opens_alone(harness, qtbot, tmp_path):
    folder = mail_folder(tmp_path / "mail")
    w = harness.open_window()
    harness.add_folder_and_wait(w, folder)
    hits = harness.search(w, "who waters the flowers in the garden")
    top = hits[0]
    assert top.path == str(folder / "Inbox") and top.inside == ["Re: the lease", "lease.pdf"]
    model = w.results_model
    assert model.data(model.index(0, 0)) == "Inbox › Re: the lease › lease.pdf"
    # a message: the chain, the sender, and the preview starts with its headers
    hits = harness.search(w, "boat trip harbour jacket")
    row = next(i for i, h in enumerate(hits) if h.inside == ["Sailing on Saturday"])
    w.results_view.setCurrentIndex(model.index(row, 0))
    qtbot.waitUntil(lambda: w.preview.doc is not None
                    and w.preview.doc.hit.inside == ["Sailing on Saturday"], timeout=10_000)
    assert w.preview.title.text() == "Inbox › Sailing on Saturday"
    assert "from Ann <ann@example.org>" in w.preview.where.text()
    shown = w.preview.text.toPlainText()
    assert shown.startswith("Subject: Sailing on Saturday\nFrom: Ann <ann@example.org>\nTo: ")
    # Open: the message alone, as .eml in a private folder, handed to the mail program
    qtbot.keyClick(w.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(harness.opened) == 1, timeout=10_000)
    opened = Path(harness.opened[0].path)
    assert opened.name == "Sailing on Saturday.eml" and harness.opened[0].inside == []
    assert opened.parent != folder and b"harbour at nine" in opened.read_bytes()
    # Save a Copy: the message, as .eml, where the user says
    assert w.commands.result.save_copy.isEnabled()
    target = tmp_path / "saved" / "boat.eml"
    target.parent.mkdir()
    asked = []
    w.save_as = lambda name: (asked.append(name), str(target))[1]
    w.commands.result.save_copy.trigger()
    qtbot.waitUntil(target.exists, timeout=10_000)
    assert asked == ["Sailing on Saturday.eml"] and b"harbour at nine" in target.read_bytes()
    # a member refused is listed with its reason, named by where it is
    qtbot.waitUntil(lambda: len(w.failed) == 1, timeout=10_000)
    w.show_failed()
    dlg = w.dialogs.failed
    qtbot.waitUntil(lambda: dlg.tree.topLevelItemCount() == 1)
    assert dlg.tree.topLevelItem(0).text(0) == "recipes.zip › ../escape.txt"
    assert "'..'" in dlg.reasons()[f"{folder / 'recipes.zip'} › ../escape.txt"]
    dlg.close()
    # a message appended to the watched mailbox is found without a rescan
    box = mailbox.mbox(folder / "Inbox")
    box.add(message("Plumber", "The plumber fixes the leaking boiler on Thursday."))
    box.flush()
    box.close()
    qtbot.waitUntil(lambda: any(h.inside == ["Plumber"] for h in
                                harness.search(w, "leaking boiler plumber")), timeout=30_000)
    # the type filter offers Mail, not the mailbox itself
    labels = [w.search_bar.type_combo.itemText(i) for i in range(w.search_bar.type_combo.count())]
    assert "Mail" in labels and "Mailbox" not in labels and "Archive" not in labels


if __name__ == "__main__":      # a screenshot for the README: a mail hit in the window
    import os
    import sys
    import tempfile

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from desktop_search.config import Settings
    from desktop_search.core.embed import embedder_for
    from desktop_search.ui.app import engine_factory
    from desktop_search.ui.controller import SearchController
    from desktop_search.ui.window import SearchWindow

    app = QApplication(sys.argv)
    tmp = Path(tempfile.mkdtemp())
    folder = mail_folder(tmp / "mail")
    data = tmp / "data"
    data.mkdir()
    emb = embedder_for(Settings())
    c = SearchController(settings=Settings.load(data / "settings.json"), watch=False,
                         make_engine=engine_factory(data, embedder=emb))
    w = SearchWindow(c, opener=lambda h: None, revealer=lambda h: None,
                     window_state_path=data / "w.ini", choose_folder=lambda: None,
                     confirm_remove=lambda p: True, use_tray=False)
    w.resize(1100, 640)
    w.show()
    c.start()
    deadline = __import__("time").monotonic() + 120
    while __import__("time").monotonic() < deadline and not (c.engine and c.model_ready):
        app.processEvents()
    w.add_folders([str(folder)])
    while __import__("time").monotonic() < deadline and not (
            c.service is not None and c.service.wait_idle(0) and c.progress.state == "idle"
            and w.roots and w.roots[0].files > 0):
        app.processEvents()
    w.search_edit.setText("who waters the flowers in the garden")
    while __import__("time").monotonic() < deadline and not (
            w.results_model.hits and w.preview.doc is not None):
        app.processEvents()
        if w.results_model.hits and w.current_hit() is None:
            w.results_view.setCurrentIndex(w.results_model.index(0, 0))
    for _ in range(50):
        app.processEvents()
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/mail-hit.png"
    w.grab().save(out)
    print("saved", out)
    c.shutdown()
