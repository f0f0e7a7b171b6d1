"""Copies and versions at scale: how long ``Engine.duplicates`` takes, and whether it finds
what was planted and nothing else.

  python3 benchmarks/duplicates.py --n 100000 --dir .bench/dups/100000 [--runs 3]
  python3 benchmarks/duplicates.py --n 100000 --per-file 1 --dir .bench/dups/100000x1

``--per-file`` sets the passages per document (``scale.py``'s 10 by default); 1 is the
worst case: as many documents as passages, so the close documents are found by hashing.

Builds (once) a synthetic library of N passages with ``scale.py`` (real prose windows,
synthetic vectors), then plants into it (once):

- ``COPIES`` documents copied under other names (passages and vectors cloned, as the
  indexer does for a file with the same bytes);
- ``VERSIONS`` documents with one passage changed (ten of its words replaced; its vector
  the original's plus a little noise, cosine ~0.97);
- ``LETTERS`` letters on one template: the same letterhead passage and footer passage,
  each with a body of its own (which must NOT be grouped).

Then it times ``Engine.duplicates()`` ``--runs`` times in this process (the look is kept
in the catalog: the first run looks at the whole index, the others find nothing changed)
and prints one JSON object: the first look's and the next ones' seconds, what each did
(``LookStats``), the peak resident memory the looks added, groups by kind, planted
groups found, false groups.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import log  # noqa: E402

COPIES, VERSIONS, LETTERS = 200, 200, 40


def plant(data_dir: Path, seed: int = 1) -> dict:
    from desktop_search.core.engine import Engine
    from desktop_search.core.store import NewChunk

    eng = Engine(data_dir)
    lib = eng.library
    done = lib.catalog.get_meta("bench_planted")    # the benchmark's own key, not a Meta
    if done:
        eng.close()
        return json.loads(done)
    gen = np.random.default_rng(seed)
    docs = lib.passage_rows.documents()
    picked = gen.choice(len(docs), COPIES + VERSIONS, replace=False)
    root = lib.roots()[0]
    planted = {"copies": [], "versions": [], "letters": []}
    vi = eng.vectors()
    for n, i in enumerate(picked[:COPIES]):
        src = docs[int(i)]
        path = f"{root.path}/planted/copy-{n}.txt"
        lib.clone_file(src.id, path=path, root_id=root.id, size=src.size, mtime_ns=src.mtime_ns + 1)
        planted["copies"].append([src.path, path])
    for n, i in enumerate(picked[COPIES:]):
        src = docs[int(i)]
        rows = lib.chunks_of_file(src.id)
        change = int(gen.integers(0, len(rows)))
        chunks = []
        for j, r in enumerate(rows):
            text = r.text
            if j == change:
                words = text.split()
                at = int(gen.integers(0, max(1, len(words) - 10)))
                words[at:at + 10] = ["revised"] * 10
                text = " ".join(words)
            chunks.append(NewChunk(start=r.start, end=r.end, page=r.page, line=r.line, text=text))
        path = f"{root.path}/planted/version-{n}.txt"
        fid = lib.put_file(path=path, root_id=root.id, size=src.size, mtime_ns=src.mtime_ns + 2,
                           digest=f"version-{n}", kind="text", title=None, heading="", chunks=chunks)
        _, old = lib.vector_rows.of([r.id for r in rows])
        new_ids = [c.id for c in lib.chunks_of_file(fid)]
        vecs = old.astype(np.float32)
        noise = gen.standard_normal(vecs.shape[1]).astype(np.float32)
        vecs[change] += 0.25 * np.linalg.norm(vecs[change]) * noise / np.linalg.norm(noise)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        lib.put_vectors(new_ids, vecs)
        planted["versions"].append([src.path, path])
    head = "Acme Holdings Ltd, 12 Harbour Road, Portsmouth PO1 3AB. Telephone 023 9200 0000."
    foot = ("Yours sincerely, Jane Doe, Customer Relations. Acme Holdings Ltd is registered in "
            "England and Wales, company number 01234567.")
    base = [r.text for r in lib.chunks_of_file(docs[int(picked[0])].id)]
    hv, fv = (gen.standard_normal(vi.ndim).astype(np.float32) for _ in range(2))
    for n in range(LETTERS):
        body = base[n % len(base)] if n < len(base) else " ".join(
            gen.permutation(" ".join(base).split())[:70])
        chunks = [NewChunk(0, len(head), None, 1, head), NewChunk(0, len(body), None, 2, body),
                  NewChunk(0, len(foot), None, 3, foot)]
        path = f"{root.path}/planted/letter-{n}.txt"
        fid = lib.put_file(path=path, root_id=root.id, size=1000, mtime_ns=time.time_ns(),
                           digest=f"letter-{n}", kind="text", title=None, heading="", chunks=chunks)
        ids = [c.id for c in lib.chunks_of_file(fid)]
        bv = gen.standard_normal(vi.ndim).astype(np.float32)
        vecs = np.stack([hv, bv, fv])
        lib.put_vectors(ids, vecs / np.linalg.norm(vecs, axis=1, keepdims=True))
        planted["letters"].append(path)
    with lib.catalog.transaction() as c:
        lib.catalog.set_meta("bench_planted", json.dumps(planted), conn=c)
    eng.save()
    eng.close()
    return planted


def measure(data_dir: Path, planted: dict, runs: int) -> dict:
    from desktop_search.core.engine import Engine

    import resource

    from desktop_search.core.store.copy_rows import CopyRows

    eng = Engine(data_dir)
    CopyRows(eng.library.catalog).reset()        # a first look, whatever ran before
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times, groups, looks = [], [], []
    for _ in range(runs):
        t = time.perf_counter()
        groups = eng.duplicates()
        times.append(time.perf_counter() - t)
        looks.append(eng.copies_stats.to_json())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    passages = eng.status().chunks
    eng.close()
    together = {}
    for gi, g in enumerate(groups):
        for m in g.members:
            together[m.path] = gi
    found = {kind: sum(1 for a, b in planted[kind] if a in together and together.get(a) == together.get(b))
             for kind in ("copies", "versions")}
    # a synthetic library has passages with the same text by chance, each with its own
    # random vector: a version of one of those is a version of a text whose other copy's
    # vector is unrelated (never so in a real index, where the same text has one vector)
    twins = sum(1 for a, b in planted["versions"]
                if together.get(a) is not None and together.get(a) != together.get(b))
    letters = sum(1 for p in planted["letters"] if p in together)
    planted_paths = {p for kind in ("copies", "versions") for pair in planted[kind] for p in pair}
    stray = [g for g in groups if not any(m.path in planted_paths for m in g.members)]
    return dict(passages=passages, runs=runs, first_look_s=round(times[0], 2),
                again_median_s=round(statistics.median(times[1:]), 3) if runs > 1 else None,
                times_s=[round(t, 2) for t in times], looks=looks,
                peak_rss_growth_mb=round(peak - rss0, 1),
                groups=len(groups), identical=sum(g.kind == "identical" for g in groups),
                versions=sum(g.kind == "versions" for g in groups),
                copies_found=f"{found['copies']}/{len(planted['copies'])}",
                versions_found=f"{found['versions']}/{len(planted['versions'])}",
                versions_of_texts_with_synthetic_twins_missed=twins,
                template_letters_grouped=f"{letters}/{len(planted['letters'])}",
                # same text by chance in the synthetic prose (right to group), and others
                identical_by_chance=sum(g.kind == "identical" for g in stray),
                other_groups=sum(g.kind != "identical" for g in stray))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dir", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--per-file", type=int, default=0, help="passages per document")
    args = ap.parse_args()
    if not (args.dir / "catalog.sqlite3").exists():
        import scale

        if args.per_file:
            scale.CHUNKS_PER_FILE = args.per_file
        log(f"building a synthetic library of {args.n} passages in {args.dir}")
        scale.build(args.n, args.dir)
    planted = plant(args.dir)
    print(json.dumps(measure(args.dir, planted, args.runs)))


if __name__ == "__main__":
    main()
