"""Typed settings, stored as JSON in the data folder. No Qt here."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from desktop_search.fileio import atomic_write_text
from desktop_search.errors import ConfigError
from desktop_search.i18n import _

#: the English model: what "auto" starts with, and what an English library keeps
DEFAULT_MODEL = "all-MiniLM-L6-v2"
#: the app chooses the model for the files' languages (``core.embed.host``)
AUTO_MODEL = "auto"

DEFAULT_EXCLUDES = (
    ".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", "env",
    ".tox", ".mypy_cache", ".pytest_cache", ".cache", "site-packages", ".idea",
)


@dataclass
class Settings:
    #: "auto" (chosen for the files' languages: English, or the multilingual model), a
    #: registered name ("all-MiniLM-L6-v2", "multilingual-e5-small"), or any
    #: sentence-transformers model name or folder: the user's choice, never overridden
    model: str = AUTO_MODEL
    #: "auto" picks CUDA, then MPS, then CPU
    device: str = "auto"
    #: embedding backend: "auto" (ONNX Runtime when the model can be exported, else torch),
    #: "torch", "onnx", "onnx-int8" (quantized: faster, slightly different vectors)
    backend: str = "auto"
    #: files larger than this are skipped with a reason
    max_file_mb: float = 50.0
    #: glob patterns (gitignore syntax) excluded in addition to the defaults
    exclude_patterns: list[str] = field(default_factory=list)
    #: folder names never descended into
    exclude_dirs: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDES))
    skip_hidden: bool = True
    respect_gitignore: bool = True
    follow_symlinks: bool = False
    #: seconds an extraction may take before the file is marked as failed
    extract_timeout_s: float = 60.0
    #: read the words in pictures and scanned PDF pages (OCR, in a later stage than text)
    read_text_in_pictures: bool = True
    #: seconds OCR may spend on one file (a scanned PDF of many pages) before it is marked
    ocr_timeout_s: float = 300.0
    #: "Search pictures by what they show": a joint text-image model (off: a download)
    picture_search: bool = False
    #: that model: a sentence-transformers CLIP name or a local model folder
    picture_model: str = "clip-ViT-B-32"
    #: a picture whose similarity to the query (the model's cosine) is below this does not
    #: match at all; model-dependent (0.2 suits clip-ViT-B-32)
    picture_min_score: float = 0.2
    #: go on embedding passages and reading pictures (OCR) on battery; off: on battery
    #: files are still read, slowly, and the rest waits for mains power
    index_on_battery: bool = False
    #: "Use at most N cores": the threads embedding and OCR may use (0: all of them)
    max_cores: int = 0
    #: UI: keep watching in the tray when the window closes
    close_to_tray: bool = False
    #: UI: start hidden in the tray
    start_minimized: bool = False
    #: UI: the chord that shows or hides the window from any program, in Qt's portable
    #: text ("Ctrl+Alt+Space"); "" for none
    hotkey: str = "Ctrl+Alt+Space"
    #: read filters said in the query ("pdfs from 2021 about taxes"); off: every word searched
    understand_queries: bool = True
    #: UI: the window's language ("pt_PT", "pt_BR", "es", "fr", "de", "en"); "" follows the
    #: system's (LANGUAGE, LC_ALL, LC_MESSAGES, LANG, else the desktop's). Applied at start
    language: str = ""

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 2**20)

    def validate(self) -> None:
        if not self.model or not str(self.model).strip():
            raise ConfigError(_("model must not be empty"))
        if self.max_file_mb <= 0:
            raise ConfigError(_("max_file_mb must be positive"))
        if self.device not in ("auto", "cpu", "cuda", "mps") and not self.device.startswith("cuda:"):
            raise ConfigError(_("unknown device {device}: use auto, cpu, cuda or mps").format(
                device=repr(self.device)))
        if self.ocr_timeout_s <= 0:
            raise ConfigError(_("ocr_timeout_s must be positive"))
        if self.picture_search and not str(self.picture_model or "").strip():
            raise ConfigError(_("picture_model must not be empty when picture search is on"))
        if not isinstance(self.max_cores, int) or self.max_cores < 0:
            raise ConfigError(_("max_cores must be 0 (all) or a positive number of cores"))
        if not isinstance(self.hotkey, str):
            raise ConfigError(_("hotkey must be text such as {example}, or empty").format(
                example='"Ctrl+Alt+Space"'))
        if not isinstance(self.language, str):
            raise ConfigError(_("language must be text such as {example}, or empty").format(
                example='"pt_PT"'))
        if self.backend not in ("auto", "torch", "onnx", "onnx-int8"):
            raise ConfigError(_("unknown backend {backend}: use auto, torch, onnx or onnx-int8").format(
                backend=repr(self.backend)))

    @classmethod
    def load(cls, path: Path) -> "Settings":
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(_("cannot read settings {path}: {error}").format(
                path=path, error=exc)) from None
        known = {f.name for f in fields(cls)}
        s = cls(**{k: v for k, v in raw.items() if k in known})
        s.validate()
        return s

    def save(self, path: Path) -> None:
        self.validate()
        atomic_write_text(path, json.dumps(asdict(self), indent=2))
