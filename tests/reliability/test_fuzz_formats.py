"""Damaged files of the new formats (spreadsheets, RTF, old Office, ODP, Outlook, 7z):
real files made by the tests, then cut short and with bytes changed by hypothesis. Each
one read in this process must give text or a readable reason (an ``ExtractError``),
never another exception: in the sandbox, anything else would cost a restarted reader."""
from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_search.core.extract import Extracted, extract
from desktop_search.errors import ExtractError
from tests.core.ole_writer import make_doc, make_msg, make_ppt, msg_tree
from tests.core.test_formats_new import RTF, make_7z, make_odp, make_ods, make_xlsx, xls_bytes

_DIR = Path(tempfile.mkdtemp(prefix="ds-fuzz-formats-"))


@functools.lru_cache(maxsize=None)
def seed(suffix: str) -> bytes:
    """One real file of the format, made once."""
    p = _DIR / f"seed{suffix}"
    if suffix == ".xlsx":
        make_xlsx(p, {"S": [["alpha", 1, 2.5], ["beta", None, "=A1"]], "T": [["gamma"]]})
    elif suffix == ".ods":
        make_ods(p, {"S": [["alpha", 1], ["beta", 2]]})
    elif suffix == ".odp":
        make_odp(p, [["alpha"], ["beta", "gamma"]])
    elif suffix == ".7z":
        make_7z(p, {"a.txt": "alpha " * 50, "b/c.md": "# beta\n\ngamma", "d.csv": "x,y\n1,2"})
    else:
        inner = msg_tree(subject="inner", sender="b", address="b@x", to="a", body="beta",
                         attachments={"c.txt": b"gamma"})
        p.write_bytes({
            ".xls": lambda: xls_bytes({"S": [["alpha", 1]], "T": [["beta"]]}),
            ".rtf": lambda: RTF,
            ".doc": lambda: make_doc(["alpha", "beta\x07gamma"]),
            ".ppt": lambda: make_ppt(["alpha", "beta"]),
            ".msg": lambda: make_msg(subject="s", sender="a", address="a@x", to="b",
                                     body="alpha", attachments={"b.txt": b"beta"},
                                     embedded=inner),
        }[suffix]())
    return p.read_bytes()


FORMATS = [".xlsx", ".ods", ".odp", ".xls", ".rtf", ".doc", ".ppt", ".msg", ".7z"]

#: (where, as a fraction of the file; the byte written there)
flips = st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                 max_size=8)


def damaged(data: bytes, changes: list[tuple[float, int]], cut: float | None) -> bytes:
    out = bytearray(data)
    for where, byte in changes:
        out[int(where * len(out))] = byte
    if cut is not None:
        out = out[:int(cut * len(out))]
    return bytes(out)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("suffix", FORMATS)
@settings(max_examples=int(os.environ.get("DS_FUZZ_EXAMPLES", "40")), deadline=None,
          derandomize=not os.environ.get("DS_FUZZ_EXAMPLES"),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(changes=flips, cut=st.none() | st.floats(0, 1))
def test_a_damaged_file_gives_text_or_a_reason(suffix, changes, cut):
    path = _DIR / f"fuzz{suffix}"
    path.write_bytes(damaged(seed(suffix), changes, cut))
    try:
        doc = extract(path, max_bytes=2**20)
    except ExtractError as exc:
        assert str(exc)
        return
    assert isinstance(doc, Extracted) and isinstance(doc.text, str)
    for part in doc.parts:
        assert part.doc is not None or part.error
