"""While the first folder indexes, the empty page counts the files as they land
(it said "Search 0 files by meaning" until indexing ended)."""
from __future__ import annotations

import re


def test_the_first_folder_s_count_grows_while_it_indexes(harness, qtbot, tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    total = 300
    for i in range(total):
        (folder / f"note{i:03}.txt").write_text(f"Note {i}: the harbour crane lifted crate {i}.",
                                                encoding="utf-8")
    w = harness.open_window()
    w.controller.count_every_s = 0.0       # every growth of the index (1 s in the app)
    seen: list[tuple[str, bool]] = []
    w.controller.roots_loaded.connect(
        lambda _roots: seen.append((w.empty_state.title.text(), w.controller.progress.busy)))
    w.add_folders([str(folder)])
    harness.wait_idle(w)
    qtbot.waitUntil(lambda: w.empty_state.title.text() == f"Search {total} files by meaning")
    counts = [int(m.group(1).replace(",", "")) for title, busy in seen if busy
              for m in [re.match(r"Search ([\d,]+) files? by meaning", title)] if m]
    assert any(0 < n < total for n in counts), seen      # it grew on screen while indexing
    assert counts == sorted(counts)
    assert ("Search 0 files by meaning", True) not in seen


def test_before_the_first_file_lands_the_page_says_it_is_reading():
    from desktop_search.core.store.rows import Root
    from desktop_search.ui.results import empty_state_text

    roots = [Root(id=1, path="/d", paused=False, added_at=0.0, last_scan=None, files=0)]
    title, message, _ = empty_state_text(opening=False, roots=roots, request=None,
                                         answered=False, filtered=False, busy=True)
    assert title == "Reading your files…" and "count grows" in message
