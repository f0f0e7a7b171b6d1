"""The preview pane: the hit's passage in its file's text, highlighted and scrolled to.

The text comes from the catalog (read on the query thread), is shown as plain text
(never interpreted as markup) and highlighted with extra selections.
"""
from __future__ import annotations

import os

from PySide6.QtCore import QTimer, Qt, Signal
from PySide6.QtGui import QFont, QPalette, QPixmap, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QSizePolicy,
                               QStackedWidget, QTextEdit, QVBoxLayout, QWidget)

from desktop_search.i18n import _
from desktop_search.core.search import Hit
from desktop_search.ui.bridge import emit
from desktop_search.core.search.preview import PreviewDoc
from desktop_search.core.extract import PICTURE_KIND
from desktop_search.ui.results import mix, relative_when, short_folder
from desktop_search.ui.thumbnails import PREVIEW_PX
from desktop_search.ui.widgets import ElidedLabel


class PreviewPane(QWidget):
    open_requested = Signal(object)       # Hit
    reveal_requested = Signal(object)
    like_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hit: Hit | None = None
        self.doc: PreviewDoc | None = None

        self.title = ElidedLabel(mode=Qt.TextElideMode.ElideMiddle)
        f = QFont(self.title.font())
        f.setBold(True)
        f.setPointSizeF(max(f.pointSizeF(), 9) * 1.15)
        self.title.setFont(f)
        self.where = ElidedLabel(mode=Qt.TextElideMode.ElideMiddle)
        self.where.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self._make_buttons()
        self._make_text_and_picture()
        self._lay_out()
        self.clear()

    def _make_buttons(self) -> None:
        """Open, Show in Folder, More Like This: each says which hit it was asked for."""
        self.open_button = QPushButton(_("Open"))
        self.open_button.setToolTip(_("Open the file (Enter)"))
        self.reveal_button = QPushButton(_("Show in Folder"))
        self.reveal_button.setToolTip(_("Show the file in its folder (Ctrl+Enter)"))
        self.like_button = QPushButton(_("More Like This"))
        self.like_button.setToolTip(_("Find files about the same things"))
        for b in (self.open_button, self.reveal_button, self.like_button):
            b.setAutoDefault(False)
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.open_button.clicked.connect(lambda: self._ask(self.open_requested))
        self.reveal_button.clicked.connect(lambda: self._ask(self.reveal_requested))
        self.like_button.clicked.connect(lambda: self._ask(self.like_requested))

    def _ask(self, signal) -> None:
        if self.hit:
            emit(signal, self.hit)

    def _make_text_and_picture(self) -> None:
        """The passage's text, the picture above it, the placeholder when there is no hit."""
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setUndoRedoEnabled(False)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.text.setCenterOnScroll(False)
        self.text.document().setDocumentMargin(10)

        # a picture is shown itself, scaled to the pane, above the words read from it
        #: a ``ui.thumbnails.ThumbnailProvider`` (set by the window); None: no pictures
        self.thumbnails = None
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumHeight(1)
        # the pixmap must not drive the layout (it is scaled to whatever room there is)
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.image.hide()
        self._image_pm: QPixmap | None = None

        self.placeholder = QLabel()
        self.placeholder.setTextFormat(Qt.TextFormat.PlainText)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)

    def _lay_out(self) -> None:
        """Title, where and the buttons above the picture and the text; the placeholder
        on a page of its own."""
        head = QWidget()
        hl = QVBoxLayout(head)
        hl.setContentsMargins(10, 8, 10, 6)
        hl.setSpacing(2)
        hl.addWidget(self.title)
        hl.addWidget(self.where)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 6, 0, 0)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.reveal_button)
        buttons.addWidget(self.like_button)
        buttons.addStretch(1)
        hl.addLayout(buttons)

        page = QWidget()
        pl = QVBoxLayout(page)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.setSpacing(0)
        pl.addWidget(head)
        pl.addWidget(self.image, 2)
        pl.addWidget(self.text, 1)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(page)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.stack)

    def clear(self, message: str | None = None) -> None:
        self.hit = None
        self.doc = None
        self.placeholder.setText(message or _("Select a result to see it in context."))
        self.text.clear()
        self._set_picture(None)
        self.stack.setCurrentIndex(0)

    def set_like_enabled(self, enabled: bool) -> None:
        self.like_button.setEnabled(enabled)
        self.like_button.setToolTip(_("Find files about the same things") if enabled
                                    else _("Available once the language model has loaded"))

    def show_hit(self, hit: Hit) -> None:
        """Header at once; the text follows when the query thread has read it."""
        self.hit = hit
        if self.doc is not None and self.doc.hit.chunk_id != hit.chunk_id:
            # never show one file's name over another file's text
            self.doc = None
            self.text.setExtraSelections([])
            self.text.clear()
        self.title.setText(hit.chain_label())
        bits = [short_folder(os.path.dirname(hit.path))]
        if hit.is_mail and hit.sender:
            bits.insert(0, _("from {sender}").format(sender=hit.sender))
        if hit.page:
            bits.append(_("page {page}").format(page=hit.page))
        elif hit.line:
            bits.append(_("line {line}").format(line=hit.line))
        if hit.taken is not None:
            when = relative_when(hit.taken)
            bits.append(_("sent {when}").format(when=when) if hit.is_mail
                        else _("taken {when}").format(when=when))
        else:
            when = relative_when(hit.modified)
            if when:
                bits.append(_("modified {when}").format(when=when))
        if hit.ocr:
            bits.append(_("words read by OCR"))
        self.where.setText("  ·  ".join(bits))
        self._set_picture(None)
        if hit.kind == PICTURE_KIND and not hit.inside and self.thumbnails is not None:
            self.image.setText(_("Loading the picture…"))
            self.image.show()
            self._set_picture(self.thumbnails.pixmap(hit.path, PREVIEW_PX))
        self.stack.setCurrentIndex(1)

    def on_thumbnail_ready(self, path: str, px: int) -> None:
        """A picture arrived from the background: show it if it is still the one selected."""
        if self.hit is not None and self.hit.path == path and px == PREVIEW_PX and self.thumbnails:
            self._set_picture(self.thumbnails.pixmap(path, PREVIEW_PX))

    def _set_picture(self, pm: QPixmap | None) -> None:
        self._image_pm = pm
        if pm is None:
            if self.hit is None or self.hit.kind != PICTURE_KIND or self.hit.inside:
                self.image.clear()
                self.image.hide()
            return
        self.image.show()
        self._fit_picture()

    def _fit_picture(self) -> None:
        pm = self._image_pm
        if pm is None or pm.isNull():
            return
        w, h = max(1, self.image.width() - 16), max(1, self.image.height() - 8)
        self.image.setPixmap(pm.scaled(min(w, pm.width()), min(h, pm.height()),
                                       Qt.AspectRatioMode.KeepAspectRatio,
                                       Qt.TransformationMode.SmoothTransformation))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        QTimer.singleShot(0, self._fit_picture)   # once the layout has sized the label

    def show_doc(self, doc: PreviewDoc | None) -> None:
        if doc is None:
            if self.hit is not None and self.hit.kind == PICTURE_KIND:
                self.text.setPlainText(_("(No words were found in this picture.)"))
            elif self.hit is not None:
                self.text.setPlainText(_("(This file's text is not in the index any more.)"))
            return
        if self.hit is None or doc.hit.chunk_id != self.hit.chunk_id:
            self.show_hit(doc.hit)
        elif doc.answer is None and self.hit.answer is not None:
            doc = doc.with_answer(self.hit)     # the answer came while the text was read
        self.doc = doc
        prefix = "…\n\n" if doc.truncated_before else ""
        suffix = "\n\n…" if doc.truncated_after else ""
        self.text.setPlainText(prefix + doc.text + suffix)
        self._decorate()

    def show_answer(self, hit: Hit) -> None:
        """The shown hit's sentence that answers arrived: mark it and scroll to it."""
        if self.hit is None or hit.chunk_id != self.hit.chunk_id:
            return
        self.hit = hit
        if self.doc is not None and hit.answer is not None:
            self.doc = self.doc.with_answer(hit)
            self._decorate()

    def _decorate(self) -> None:
        """Mark the passage, the answer and the query's words; scroll to the answer (the
        passage until there is one)."""
        doc = self.doc
        if doc is None:
            return
        off = 3 if doc.truncated_before else 0      # len("…\n\n")
        pal = self.text.palette()
        base = pal.color(QPalette.ColorRole.Base)
        accent = pal.color(QPalette.ColorRole.Highlight)
        passage_fmt = QTextCharFormat()
        passage_fmt.setBackground(mix(base, accent, 0.14))
        answer_fmt = QTextCharFormat()
        answer_fmt.setBackground(mix(base, accent, 0.24))
        word_fmt = QTextCharFormat()
        word_fmt.setBackground(mix(base, accent, 0.42))
        word_fmt.setFontWeight(QFont.Weight.DemiBold)
        sels = []
        a, b = doc.passage
        sels.append(self._selection(off + a, off + b, passage_fmt))
        if doc.answer is not None:
            sels.append(self._selection(off + doc.answer[0], off + doc.answer[1], answer_fmt))
        for s, e in doc.words:
            sels.append(self._selection(off + s, off + e, word_fmt))
        self.text.setExtraSelections(sels)
        if doc.answer is not None:
            # bold changes the layout, which extra selections cannot: format the text itself
            # (setPlainText clears it with the next file)
            bold = QTextCharFormat()
            bold.setFontWeight(QFont.Weight.Bold)
            sel = self._selection(off + doc.answer[0], off + doc.answer[1], bold)
            sel.cursor.mergeCharFormat(bold)
        cur = self.text.textCursor()
        cur.setPosition(off + (doc.answer[0] if doc.answer is not None else a))
        self.text.setTextCursor(cur)
        # scroll once the layout knows the viewport's size
        QTimer.singleShot(0, self._scroll_to_passage)

    def _scroll_to_passage(self) -> None:
        if self.doc is None:
            return
        self.text.centerCursor()
        # put the passage's first line a little below the top rather than dead centre
        bar = self.text.verticalScrollBar()
        context = 3 * max(1, self.text.fontMetrics().lineSpacing())
        for _step in range(200):
            top = self.text.cursorRect(self.text.textCursor()).top()
            if top <= context or bar.value() >= bar.maximum():
                break
            bar.setValue(bar.value() + 1)
            if self.text.cursorRect(self.text.textCursor()).top() < 0:
                bar.setValue(bar.value() - 1)
                break

    def _selection(self, start: int, end: int, fmt: QTextCharFormat) -> QTextEdit.ExtraSelection:
        sel = QTextEdit.ExtraSelection()
        cur = QTextCursor(self.text.document())
        n = self.text.document().characterCount() - 1
        cur.setPosition(max(0, min(start, n)))
        cur.setPosition(max(0, min(end, n)), QTextCursor.MoveMode.KeepAnchor)
        sel.cursor = cur
        sel.format = fmt
        return sel

    def answer_visible(self) -> bool:
        """Whether the marked answer's start is inside the viewport (tests use it)."""
        return self.doc is not None and self.doc.answer is not None and self.passage_visible()

    def passage_visible(self) -> bool:
        """Whether the highlighted passage's (or its answer's) start is inside the viewport
        (tests use it)."""
        if self.doc is None:
            return False
        rect = self.text.cursorRect(self.text.textCursor())
        return self.text.viewport().rect().intersects(rect)
