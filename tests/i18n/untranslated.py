"""Finds the user-visible string literals in the window's code that escape translation:
strings (and f-strings) handed to the calls that put text on screen, not wrapped in
``_()`` / ``ngettext()`` / ``pgettext()``. Used by tests/i18n/test_untranslated.py."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

#: calls (a method or a class) whose string arguments a person reads
SINKS = frozenset({
    "setText", "setToolTip", "setPlaceholderText", "setWindowTitle", "setStatusTip",
    "setWhatsThis", "showMessage", "addMenu", "addAction", "addItem", "addItems",
    "setHeaderLabels", "setInformativeText", "setDetailedText", "setAccessibleName",
    "setAccessibleDescription", "setSpecialValueText", "setPrefix", "setSuffix", "addRow",
    "addButton", "addTab", "setTabText", "setItemText", "setPlainText", "setHtml",
    "getExistingDirectory", "getSaveFileName", "getOpenFileName", "getOpenFileNames",
    "QAction", "QLabel", "QPushButton", "QCheckBox", "QRadioButton", "QToolButton",
    "QGroupBox", "QMessageBox", "QMenu", "QTreeWidgetItem", "QListWidgetItem",
    "information", "warning", "critical", "question",
    # the window's own helpers that show text
    "show_error", "show_empty", "show_state", "_note", "_fatal", "act", "clear",
    "HotkeyUnavailable", "ConfigError", "_set_state", "on_state", "_set_model_state",
})
#: sinks whose first argument only is text (the others: shortcuts, key names)
FIRST_ONLY = frozenset({"act"})
#: translation calls: what they wrap is translated
TRANSLATORS = frozenset({"_", "ngettext", "pgettext", "N_"})
#: literals that are not prose (punctuation, formats, examples the user types)
ALLOWED = frozenset({"*.log\nbuild/\nprivate/**", "desktop-search --toggle"})


@dataclass(frozen=True)
class Escape:
    path: str
    line: int
    call: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.call}({self.text!r}) is not translated"


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _is_log(func: ast.expr) -> bool:
    """``log.warning(...)``: the log stays English."""
    return (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            and func.value.id in ("log", "logger", "logging"))


def _is_prose(text: str) -> bool:
    return any(c.isalpha() for c in text) and text not in ALLOWED


def _literals(node: ast.expr):
    """The untranslated prose literals an argument expression is made of."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if _is_prose(node.value):
            yield node.value
    elif isinstance(node, ast.JoinedStr):
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str) and _is_prose(part.value):
                yield ast.unparse(node)
                return
    elif isinstance(node, ast.BinOp):
        yield from _literals(node.left)
        yield from _literals(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for v in node.values:
            yield from _literals(v)
    elif isinstance(node, (ast.List, ast.Tuple)):
        for v in node.elts:
            yield from _literals(v)
    elif isinstance(node, ast.Call):
        name = _name(node.func)
        if name in TRANSLATORS:
            return
        if name == "format" and isinstance(node.func, ast.Attribute):
            yield from _literals(node.func.value)     # "…{x}".format(): the template counts
        elif name == "join" and isinstance(node.func, ast.Attribute):
            for a in node.args:
                yield from _literals(a)


def escapes_in(source: str, path: str = "<string>") -> list[Escape]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name not in SINKS or _is_log(node.func):
            continue
        args = [*node.args, *(k.value for k in node.keywords)]
        if name in FIRST_ONLY:
            args = args[:1]
        for arg in args:
            for text in _literals(arg):
                out.append(Escape(path, node.lineno, name, text))
    return out


def escapes(root: Path) -> list[Escape]:
    out = []
    for p in sorted(root.rglob("*.py")):
        out.extend(escapes_in(p.read_text(encoding="utf-8"), str(p.relative_to(root.parent.parent))))
    return out
