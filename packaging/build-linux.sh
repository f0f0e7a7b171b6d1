#!/usr/bin/env bash
# Build the Linux bundle: dist/desktop-search-<version>-linux-x86_64.tar.gz, one folder
# holding the executable desktop-search (the CLI's commands; the window with no argument)
# and everything it runs on: Python, Qt, ONNX Runtime, the packaged models with their
# ONNX graphs built here, OCR, the icon and the menu entry. No torch: it is installed in
# the build environment only to export the English model's graph.
#
#   packaging/build-linux.sh            (from a clean clone; needs python3 >= 3.10 built
#                                        with --enable-shared, and the package registry)
#
# Environment: PYTHON (default python3), BUNDLE_VENV (default build/bundle-venv: the build
# environment, reused when it exists), TORCH_SPEC (default torch==2.13.0; give the CPU
# build's index or wheel where the default pulls CUDA), NICE_LEVEL (default 10).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="${BUNDLE_VENV:-$ROOT/build/bundle-venv}"
TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0}"
NICE=(nice -n "${NICE_LEVEL:-10}")
WORK="$ROOT/build/bundle"

cd "$ROOT"
VERSION="$("$PYTHON" -c 'import re,sys; print(re.search(r"(?m)^version\s*=\s*\"([^\"]+)\"", open("pyproject.toml", encoding="utf-8").read()).group(1))')"
APP="desktop-search-$VERSION"
TARBALL="$ROOT/dist/$APP-linux-x86_64.tar.gz"
say() { printf '\n== %s\n' "$*"; }

say "build environment: $VENV"
[ -x "$VENV/bin/python" ] || "${NICE[@]}" "$PYTHON" -m venv "$VENV"
PY="$VENV/bin/python"
"${NICE[@]}" "$PY" -m pip install -q --upgrade "pip>=23"
# torch only exports the English model's graph (prebuild_graphs.py); it is not bundled
"${NICE[@]}" "$PY" -m pip install -q "$TORCH_SPEC"
"${NICE[@]}" "$PY" -m pip install -q "$ROOT"              # the app itself, not editable
"${NICE[@]}" "$PY" -m pip install -q "pyinstaller>=6.10" "pyinstaller-hooks-contrib>=2024.8"
# rapidocr asks for opencv-python, which brings its own Qt and GUI libraries; the app
# uses only OpenCV's image functions: the headless build instead
"${NICE[@]}" "$PY" -m pip uninstall -q -y opencv-python || true
"${NICE[@]}" "$PY" -m pip install -q --force-reinstall --no-deps opencv-python-headless

say "the models' ONNX graphs"
rm -rf "$WORK"
mkdir -p "$WORK" "$ROOT/dist"
(cd "$WORK" && "${NICE[@]}" "$PY" "$HERE/prebuild_graphs.py" "$WORK/graphs")

say "PyInstaller"
DS_GRAPHS="$WORK/graphs" "${NICE[@]}" "$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath "$WORK/dist" --workpath "$WORK/pyi" "$HERE/desktop-search.spec"
mv "$WORK/dist/desktop-search" "$WORK/$APP"

say "check: no torch, and the bundle answers"
if [ -e "$WORK/$APP/_internal/torch" ] || find "$WORK/$APP" -name 'libtorch*' -print -quit | grep -q .; then
    echo "torch got into the bundle" >&2; exit 1
fi
env -i HOME="$WORK" PATH=/usr/bin:/bin "$WORK/$APP/desktop-search" --version

say "pack: $TARBALL"
tar -C "$WORK" --owner=0 --group=0 --numeric-owner -cf - "$APP" | "${NICE[@]}" gzip -6 > "$TARBALL.tmp"
mv "$TARBALL.tmp" "$TARBALL"
du -sh "$WORK/$APP" "$TARBALL"
(cd "$WORK/$APP/_internal" && du -sm -- * | sort -rn | awk 'NR <= 15')
