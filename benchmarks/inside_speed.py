"""Documents inside files, measured: the words stage (read, chunk, store) per passage for
the same messages as loose files, as one mbox and as one zip; and the memory a big
mailbox costs the reader.

  python3 benchmarks/inside_speed.py [--messages 2000] [--repeat 3] [--big-mb 1024]

1. Speed: ``--messages`` short messages written (a) as loose ``.txt`` files, (b) as one
   mbox, (c) as one zip of ``.txt`` members; each indexed by the real pipeline (sandboxed
   reader, catalog, word index) with a fake embedder (a hash of the words), so the
   model's time (the same passages either way) is left out. Median wall seconds of ``--repeat`` runs, passages
   per second, and the ratios to loose files.
2. Memory: an mbox of ``--big-mb`` MB (messages of about 64 KB) listed and one message
   read by the reader's own functions in a fresh process; its peak resident memory
   (``ru_maxrss``) against the file's size.

Prints one JSON object.
"""
from __future__ import annotations

import argparse
import json
import mailbox
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def body(i: int) -> str:
    return (f"Weekly report {i}: the shipment of lot {i} cleared customs on Tuesday; the "
            f"invoice {1000 + i} is paid and the warehouse in bay {i % 17} is booked.")


def message(i: int) -> EmailMessage:
    m = EmailMessage()
    m["Subject"], m["From"], m["To"] = f"Report {i}", "ops@example.org", "me@example.org"
    m["Date"] = "Wed, 02 Oct 2024 10:00:00 +0000"
    m.set_content(body(i))
    return m


def make_sets(base: Path, n: int) -> dict[str, Path]:
    loose = base / "loose"
    loose.mkdir()
    for i in range(n):
        (loose / f"report{i}.txt").write_text(f"Subject: Report {i}\n\n{body(i)}\n")
    mbox_dir = base / "mbox"
    mbox_dir.mkdir()
    box = mailbox.mbox(mbox_dir / "Reports.mbox")
    for i in range(n):
        box.add(message(i))
    box.flush()
    box.close()
    zip_dir = base / "zip"
    zip_dir.mkdir()
    with zipfile.ZipFile(zip_dir / "reports.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(n):
            z.writestr(f"reports/report{i}.txt", f"Subject: Report {i}\n\n{body(i)}\n")
    return {"loose": loose, "mbox": mbox_dir, "zip": zip_dir}


def index_once(folder: Path) -> tuple[float, int]:
    from desktop_search.core.engine import Engine
    from tests.conftest import HashEmbedder

    with tempfile.TemporaryDirectory() as data:
        eng = Engine(Path(data), embedder=HashEmbedder())
        eng.add_root(folder)
        svc = eng.index_service()
        t = time.perf_counter()
        svc.run_until_idle()        # the fake embedder costs next to nothing
        took = time.perf_counter() - t
        n = eng.library.catalog.count_chunks()
        eng.close()
    return took, n


_MEMORY = r"""
import json, resource, sys
sys.path.insert(0, sys.argv[2])
from desktop_search.core.extract import inside, mail
spans = mail.list_mbox(sys.argv[1])
a, b, d = spans[len(spans) // 2]
parts = inside.read_message(sys.argv[1], start=a, end=b, key="k", max_bytes=50 * 2**20, digest=d)
print(json.dumps(dict(messages=len(spans), peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      read=parts[0].doc is not None)))
"""


def memory(base: Path, mb: int) -> dict:
    path = base / "big.mbox"
    filler = ("All work and no play makes a long mailbox. " * 1500)[:64_000]
    with open(path, "w") as f:
        i = 0
        while f.tell() < mb * 2**20:
            f.write(f"From ops@example.org Wed Oct  2 10:00:00 2024\nSubject: Big {i}\n"
                    f"From: ops@example.org\n\n{filler}\n\n")
            i += 1
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _MEMORY, str(path), str(ROOT)],
                         capture_output=True, text=True, check=True).stdout
    res = json.loads(out)
    res.update(file_mb=round(path.stat().st_size / 2**20), seconds=round(time.perf_counter() - t, 2))
    path.unlink()
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--big-mb", type=int, default=1024)
    args = ap.parse_args(argv)
    out: dict = {"messages": args.messages}
    with tempfile.TemporaryDirectory() as tmp:
        sets = make_sets(Path(tmp), args.messages)
        for name, folder in sets.items():
            runs = [index_once(folder) for _ in range(args.repeat)]
            secs = statistics.median(r[0] for r in runs)
            out[name] = dict(seconds=round(secs, 2), passages=runs[0][1],
                             passages_per_s=round(runs[0][1] / secs, 1))
        for name in ("mbox", "zip"):
            out[f"{name}_vs_loose"] = round(out[name]["passages_per_s"]
                                            / out["loose"]["passages_per_s"], 2)
        if args.big_mb:
            out["big_mailbox"] = memory(Path(tmp), args.big_mb)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
