"""Opening the catalog is instant after a clean shutdown; a killed process leads to a check."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from desktop_search.core.store.catalog import Catalog
from desktop_search.core.store.tables import RootRows

_HOLD = textwrap.dedent("""
    import sys, time
    from desktop_search.core.store.catalog import Catalog
    from desktop_search.core.store.tables import RootRows
    cat = Catalog(sys.argv[1])
    RootRows(cat).add("/somewhere")
    print("open", flush=True)
    if sys.argv[2] == "close":
        cat.close()
        print("closed", flush=True)
    sys.stdin.readline()
""")


def _holder(db: Path, mode: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", _HOLD, str(db), mode], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    assert proc.stdout.readline().strip() == "open"
    return proc


def test_killed_process_leads_to_a_check_and_a_clean_one_does_not(tmp_path: Path) -> None:
    db = tmp_path / "catalog.sqlite3"
    Catalog(db).close()
    cat = Catalog(db)
    assert not cat.checked, "a clean close must not cost a check"
    cat.close()

    proc = _holder(db, "keep")
    try:
        live = Catalog(db)     # another process has it open and is alive: no check
        assert not live.checked
        live.close()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    cat = Catalog(db)
    assert cat.checked, "the process was killed with the catalog open"
    assert [r.path for r in RootRows(cat).all()] == ["/somewhere"]
    cat.close()
    again = Catalog(db)
    assert not again.checked, "one check per unclean shutdown"
    again.close()

    proc = _holder(db, "close")
    assert proc.stdout.readline().strip() == "closed"
    proc.send_signal(signal.SIGKILL)     # killed after closing: nothing to check
    proc.wait(10)
    cat = Catalog(db)
    assert not cat.checked
    assert not list(tmp_path.glob("catalog.sqlite3.open-*"))[1:], "only our own marker"
    cat.close()
    assert not list(tmp_path.glob("catalog.sqlite3.open-*"))


def test_check_can_be_asked_for(tmp_path: Path) -> None:
    cat = Catalog(tmp_path / "c.sqlite3", check=True)
    assert cat.checked and cat.quick_check() == "ok"
    cat.close()
