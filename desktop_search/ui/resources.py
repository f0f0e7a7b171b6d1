"""Where the app's icon lives: ``resources/`` next to the package (or inside it, installed)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtGui import QIcon

from desktop_search.core.desktop import resources_dir

ICON_NAME = "desktop-search"


@lru_cache(maxsize=1)
def app_icon() -> QIcon:
    d = resources_dir()
    icon = QIcon()
    for name in (f"{ICON_NAME}.svg", f"{ICON_NAME}.png"):
        p = d / name
        if p.exists():
            icon.addFile(str(p))
    if icon.isNull():
        icon = QIcon.fromTheme("system-search")
    return icon


def render_png(size: int = 256, out: Path | None = None) -> Path:
    """Render the SVG icon to a PNG (needs a QGuiApplication)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    d = resources_dir()
    out = out or d / f"{ICON_NAME}.png"
    renderer = QSvgRenderer(str(d / f"{ICON_NAME}.svg"))
    img = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(p)
    p.end()
    img.save(str(out))
    return out


if __name__ == "__main__":
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication([])
    print(render_png())
