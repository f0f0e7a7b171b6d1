"""(a) No string a person reads in the window escapes translation."""
from __future__ import annotations

from pathlib import Path

import desktop_search.ui
from tests.i18n.untranslated import escapes, escapes_in

UI = Path(desktop_search.ui.__file__).resolve().parent


def test_every_visible_string_in_the_window_is_translated():
    found = escapes(UI)
    assert not found, "\n".join(map(str, found))


def test_the_check_catches_literals_fstrings_and_lists():
    source = '''
w.setText("Hello there")
w.setToolTip(f"{n} files left")
tree.setHeaderLabels(["File", _("Reason")])
QPushButton("Retry" if a else _("Stop"))
box.setInformativeText("Please report. " + where)
w.setText(_("Fine {x}").format(x=1))
w.setText(ngettext("{n} file", "{n} files", n).format(n=n))
log.warning("stays English: %s", x)
w.setText("")
w.setText(" · ")
'''
    texts = [e.text for e in escapes_in(source)]
    assert texts == ["Hello there", "f'{n} files left'", "File", "Retry", "Please report. "]
