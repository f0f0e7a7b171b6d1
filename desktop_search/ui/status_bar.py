"""The status bar: what the indexer is doing (rendered from its snapshots), the model,
pause/resume, and the files that could not be indexed."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QProgressBar, QSizePolicy, QStatusBar, QToolButton, QWidget

from desktop_search.core.embed.advice import ModelChoice
from desktop_search.core.embed.host import ModelState
from desktop_search.core.indexing import Snapshot, State, Waiting
from desktop_search.core.store import Root
from desktop_search.i18n import _, ngettext
from desktop_search.ui.bridge import emit
from desktop_search.ui.model_offer import choice_text
from desktop_search.ui.text import decimal, number
from desktop_search.ui.widgets import ElidedLabel


def human_duration(s: float | None) -> str:
    if not s or s <= 0:
        return ""
    if s < 60:
        n = max(1, round(s))
        return ngettext("about {n} s left", "about {n} s left", n).format(n=number(n))
    if s < 3600:
        n = round(s / 60)
        return ngettext("about {n} min left", "about {n} min left", n).format(n=number(n))
    return _("about {hours} h left").format(hours=decimal(s / 3600, 1))


def _to_go(files: int, passages: int, pictures: int = 0) -> str:
    """"3 files, 120 passages, 2 pictures" (the counts that are not zero)."""
    bits = [b for b in (
        ngettext("{count} file", "{count} files", files).format(count=number(files)) if files else "",
        ngettext("{count} passage", "{count} passages", passages).format(count=number(passages))
        if passages else "",
        ngettext("{count} picture", "{count} pictures", pictures).format(count=number(pictures))
        if pictures else "") if b]
    return ", ".join(bits)


def progress_text(p: Snapshot, *, paused: bool) -> str:
    if paused or p.state is State.PAUSED:
        left = max(0, p.files_total - p.files_done)
        todo = _to_go(left, p.chunks_pending)
        return (_("Indexing paused: {todo} to go").format(todo=todo) if todo
                else _("Indexing paused"))
    eta = human_duration(p.eta_s)
    if p.state is State.WAITING:
        reason = (p.waiting or Waiting.BUSY).sentence()
        left = max(0, p.files_total - p.files_done)
        todo = _to_go(left, p.chunks_pending, p.pictures_pending)
        return _("{reason}: {todo} to go").format(reason=reason, todo=todo) if todo else reason
    if p.state is State.SCANNING:
        return _("Looking for new and changed files…")
    if p.state is State.READING:
        rate = (_("{rate} files/s").format(rate=decimal(p.files_per_s, 1))
                if p.files_per_s >= 0.1 else "")
        slowly = _("slowly, on battery") if p.waiting is Waiting.BATTERY else ""
        total = max(p.files_total, p.files_done)
        return _joined(ngettext("Indexing {done} of {total} file", "Indexing {done} of {total} files",
                                total).format(done=number(p.files_done), total=number(total)),
                       slowly, rate, eta)
    if p.state is State.EMBEDDING and p.model_loading:
        return _("Loading the language model to read passages…")
    if p.state is State.EMBEDDING and p.model_switch and not p.chunks_pending:
        done, total = p.model_switch
        return ngettext("Learning your files' languages: {done} of {total} passage "
                        "(search keeps working meanwhile)",
                        "Learning your files' languages: {done} of {total} passages "
                        "(search keeps working meanwhile)", total).format(
            done=number(done), total=number(total))
    if p.state is State.EMBEDDING:
        rate = _("{rate}/s").format(rate=number(round(p.chunks_per_s))) if p.chunks_per_s >= 0.1 else ""
        return _joined(_("Reading passages for meaning: {count} to go").format(
            count=number(p.chunks_pending)), rate, eta)
    if p.state is State.PICTURES and p.picture_download is not None:
        done, total = p.picture_download
        return _("Picture model download: {done} of {total} MB").format(
            done=number(round(done / 2**20)), total=number(round(total / 2**20)))
    if p.state is State.PICTURES:
        return _("Reading pictures and scans: {count} to go").format(count=number(p.pictures_pending))
    if p.state is State.ERROR:
        return p.error or _("Indexing stopped")
    return ""


def library_text(roots: list[Root]) -> str:
    """What the status bar says when the indexer has nothing to report."""
    if not roots:
        return _("No folders yet")
    files = sum(r.files for r in roots)
    n = len(roots)
    in_folders = ngettext("in {count} folder", "in {count} folders", n).format(count=number(n))
    return ngettext("{count} file {in_folders}, up to date", "{count} files {in_folders}, up to date",
                    files).format(count=number(files), in_folders=in_folders)


class StatusBar(QStatusBar):
    pause_toggled = Signal(bool)
    failed_clicked = Signal()
    #: "Index now anyway": the user overrides the battery (or a busy CPU) until done
    anyway_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(True)
        self.status_label = ElidedLabel(mode=Qt.TextElideMode.ElideRight)
        self.current_label = ElidedLabel(mode=Qt.TextElideMode.ElideMiddle)
        self.current_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        # the model's sentence can be long; it shrinks with the window, never widens it
        self.model_label = ElidedLabel(mode=Qt.TextElideMode.ElideRight)
        self.model_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._model_state = ModelState.LOADING
        self._choice: ModelChoice | None = None
        self.progress_bar = QProgressBar()
        self.progress_bar.setFixedWidth(150)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setMaximumHeight(self.fontMetrics().height())
        self.progress_bar.hide()
        self.pause_button = QToolButton()
        self.pause_button.setText(_("Pause"))
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip(_("Pause or resume indexing"))
        self.pause_button.toggled.connect(lambda on: emit(self.pause_toggled, bool(on)))
        self.anyway_button = QToolButton()
        self.anyway_button.setText(_("Index now anyway"))
        self.anyway_button.setToolTip(_("Index now, on battery or while the computer is "
                                        "busy, until indexing is done"))
        self.anyway_button.clicked.connect(lambda: emit(self.anyway_clicked))
        self.anyway_button.hide()
        self.failed_button = QToolButton()
        self.failed_button.setToolTip(_("Files that could not be indexed, and why"))
        self.failed_button.clicked.connect(lambda: emit(self.failed_clicked))
        self.failed_button.hide()
        self.addWidget(self.status_label, 3)
        self.addWidget(self.current_label, 2)
        self.addPermanentWidget(self.model_label)
        self.addPermanentWidget(self.progress_bar)
        self.addPermanentWidget(self.anyway_button)
        self.addPermanentWidget(self.pause_button)
        self.addPermanentWidget(self.failed_button)

    def show_snapshot(self, p: Snapshot, *, paused: bool, roots: list[Root]) -> None:
        if p.model_loading and not p.chunks_pending and not p.files_total:
            # the indexer checking the model at start, with nothing to index: the model
            # label says it; the status bar stays calm
            p = Snapshot(state=State.IDLE, failed=p.failed, index_version=p.index_version)
        busy = p.busy and not paused
        self.status_label.setText(progress_text(p, paused=paused) or library_text(roots))
        reading = busy and p.state is State.READING
        self.current_label.setText(p.current if (reading and p.current) else "")
        if reading and p.files_total:
            self.progress_bar.setRange(0, max(1, p.files_total))
            self.progress_bar.setValue(min(p.files_done, p.files_total))
            self.progress_bar.show()
        elif busy and p.state is State.PICTURES and p.picture_download is not None:
            done, total = p.picture_download       # in KiB: a bar counts in 32-bit ints
            self.progress_bar.setRange(0, max(1, total // 1024))
            self.progress_bar.setValue(min(done, total) // 1024)
            self.progress_bar.show()
        elif busy and p.state is State.EMBEDDING:
            total = p.chunks_embedded + p.chunks_pending
            self.progress_bar.setRange(0, max(1, total))
            self.progress_bar.setValue(p.chunks_embedded)
            self.progress_bar.show()
        elif busy:
            self.progress_bar.setRange(0, 0)      # busy, amount unknown
            self.progress_bar.show()
        else:
            self.progress_bar.hide()
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(paused)
        self.pause_button.blockSignals(False)
        self.pause_button.setText(_("Resume") if paused else _("Pause"))
        self.pause_button.setVisible(busy or paused)
        self.anyway_button.setVisible(p.state is State.WAITING and not paused)

    def show_model_state(self, state: ModelState, message: str) -> None:
        self._model_state = state
        if state is ModelState.LOADING:
            self.model_label.setText(_("Loading the language model… (matching words meanwhile)"))
            self.model_label.setDetails("")
            self.model_label.show()
        elif state is ModelState.FAILED:
            self.model_label.setText(_("Words only: the model did not load"))
            self.model_label.setDetails(message)
            self.model_label.show()
        else:
            self._show_choice()

    def show_model_choice(self, choice: ModelChoice | None) -> None:
        """Which languages the search understands, and why."""
        self._choice = choice
        if self._model_state is ModelState.READY:
            self._show_choice()

    def _show_choice(self) -> None:
        choice = self._choice
        self.model_label.setText(choice_text(choice))
        self.model_label.setDetails(_("Model: {name}").format(name=choice.name) if choice else "")
        self.model_label.setVisible(choice is not None)

    def show_failed_count(self, n: int) -> None:
        self.failed_button.setText(ngettext("{count} not indexed", "{count} not indexed", n).format(
            count=number(n)))
        self.failed_button.setVisible(n > 0)


def _joined(*bits: str | None) -> str:
    """The status line's parts that have something to say, " · " between them."""
    return " · ".join(b for b in bits if b)
