"""The results list: a model of ``Hit``s and a delegate that paints one file per row.

File content is data, never markup: snippets are HTML-escaped before the highlights
are wrapped around them, and names and folders are drawn as plain text.
"""
from __future__ import annotations

import enum
import html
import os
from collections import OrderedDict

from PySide6.QtCore import (QAbstractListModel, QDateTime, QLocale, QModelIndex,
                            QRect, QRectF, QSize, Qt, Signal)
from PySide6.QtGui import (QAbstractTextDocumentLayout, QColor, QFont, QFontMetrics, QIcon,
                           QPainter, QPainterPath, QPalette, QPen, QPixmap, QTextDocument)
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QListView, QStackedWidget, QStyle,
                               QStyledItemDelegate, QStyleOptionViewItem)

from desktop_search.core.search import Hit, SearchRequest, SimilarTo, TextQuery
from desktop_search.i18n import N_, _, ngettext
from desktop_search.ui.bridge import emit
from desktop_search.core.search.duplicates import doc_key
from desktop_search.core.extract import PICTURE_KIND
from desktop_search.core.store import Root
from desktop_search.ui.copies import copies_label, fold_copies
from desktop_search.ui.text import number, plain_tooltip
from desktop_search.ui.widgets import EmptyState

HitRole = Qt.ItemDataRole.UserRole + 1
#: the other files with the same text as a row's (``duplicates.Member``s), folded into it
CopiesRole = Qt.ItemDataRole.UserRole + 2
SNIPPET_LINES = 2
ICON_SIZE = 32


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """a blended towards b by t (0..1): palette-derived colours for light and dark."""
    return QColor(round(a.red() + (b.red() - a.red()) * t),
                  round(a.green() + (b.green() - a.green()) * t),
                  round(a.blue() + (b.blue() - a.blue()) * t))


def snippet_html(snippet: str, spans: list[tuple[int, int]], *, mark_style: str,
                 bold: tuple[int, int] | None = None) -> str:
    """The snippet as HTML with the spans wrapped (the query's words) and ``bold`` (the
    sentence that answers) in bold; every piece of text is escaped."""
    n = len(snippet)
    marks: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if 0 <= a < b <= n and (not marks or a >= marks[-1][1]):     # overlaps: the first
            marks.append((a, b))
    cuts = {0, n}
    for a, b in marks:
        cuts.update((a, b))
    if bold is not None:
        ba, bb = max(0, bold[0]), min(n, bold[1])
        bold = (ba, bb) if bb > ba else None
        if bold is not None:
            cuts.update(bold)
    edges = sorted(cuts)
    out: list[str] = []
    for a, b in zip(edges, edges[1:]):
        piece = html.escape(snippet[a:b])
        if any(s <= a and b <= e for s, e in marks):
            piece = f'<span style="{mark_style}">{piece}</span>'
        if bold is not None and bold[0] <= a and b <= bold[1]:
            piece = f"<b>{piece}</b>"
        out.append(piece)
    return "".join(out)


def relative_when(ts: float, now: float | None = None) -> str:
    """Short modified date: today's time, this year's day, else the full date."""
    if not ts:
        return ""
    dt = QDateTime.fromSecsSinceEpoch(int(ts))
    now_dt = QDateTime.fromSecsSinceEpoch(int(now)) if now else QDateTime.currentDateTime()
    loc = QLocale()
    if dt.date() == now_dt.date():
        return loc.toString(dt.time(), QLocale.FormatType.ShortFormat)
    if dt.date().year() == now_dt.date().year():
        return loc.toString(dt.date(), "d MMM")
    return loc.toString(dt.date(), QLocale.FormatType.ShortFormat)


# -- type icons ------------------------------------------------------------------------
_KIND_COLOURS = {
    "pdf": "#d9443a", "docx": "#2f6ad0", "odt": "#2f6ad0", "doc": "#2f6ad0",
    "pptx": "#d8782a", "odp": "#d8782a", "html": "#2c9a5c", "markdown": "#6b5fc8",
    "rst": "#6b5fc8", "code": "#8a4fb3", "data": "#3d8d97", "csv": "#3f9a48",
    "text": "#6f7780", "picture": "#c2820f", "xlsx": "#3f9a48", "xls": "#3f9a48",
    "ods": "#3f9a48", "rtf": "#2f6ad0", "ppt": "#d8782a",
}
_icon_cache: dict[tuple[str, str, int], QIcon] = {}


def _label_for(path: str, kind: str | None) -> str:
    ext = os.path.splitext(path)[1].lstrip(".").upper()
    if not ext or len(ext) > 4:
        ext = (kind or "file")[:4].upper()
    return ext


def type_icon(path: str, kind: str | None, size: int = ICON_SIZE) -> QIcon:
    """An icon for the file's type, drawn here: no disk access, same on every desktop."""
    label = _label_for(path, kind)
    key = (label, kind or "", size)
    icon = _icon_cache.get(key)
    if icon is not None:
        return icon
    colour = QColor(_KIND_COLOURS.get(kind or "", "#6f7780"))
    icon = QIcon()
    for scale in (1, 2):
        pm = QPixmap(size * scale, size * scale)
        pm.setDevicePixelRatio(scale)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w = size * 0.78
        x0 = (size - w) / 2
        fold = w * 0.3
        page = QPainterPath()
        page.moveTo(x0 + 2, 1)
        page.lineTo(x0 + w - fold, 1)
        page.lineTo(x0 + w, 1 + fold)
        page.lineTo(x0 + w, size - 3)
        page.quadTo(x0 + w, size - 1, x0 + w - 2, size - 1)
        page.lineTo(x0 + 2, size - 1)
        page.quadTo(x0, size - 1, x0, size - 3)
        page.lineTo(x0, 3)
        page.quadTo(x0, 1, x0 + 2, 1)
        p.setPen(QPen(colour.darker(130), 1))
        p.setBrush(QColor("#fbfbfc"))
        p.drawPath(page)
        corner = QPainterPath()
        corner.moveTo(x0 + w - fold, 1)
        corner.lineTo(x0 + w - fold, 1 + fold)
        corner.lineTo(x0 + w, 1 + fold)
        corner.closeSubpath()
        p.setBrush(colour.lighter(160))
        p.drawPath(corner)
        band = QRectF(x0 - 3, size * 0.52, w + 6, size * 0.34)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawRoundedRect(band, 3, 3)
        f = QFont(QApplication.font())
        f.setBold(True)
        f.setPixelSize(max(7, int(size * (0.27 if len(label) <= 3 else 0.22))))
        p.setFont(f)
        p.setPen(QColor("white"))
        p.drawText(band, Qt.AlignmentFlag.AlignCenter, label)
        p.end()
        icon.addPixmap(pm)
    _icon_cache[key] = icon
    return icon


# -- model -------------------------------------------------------------------------------
class ResultsModel(QAbstractListModel):
    """The current answer: a list of hits for one request, copies folded into one row."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.hits: list[Hit] = []          # the rows: the answer less the copies folded away
        self.answer: list[Hit] = []        # the answer as the engine gave it
        #: path -> the other files with the same text (``duplicates.copies_by_path``)
        self.copies: dict[str, tuple] = {}
        self.request: SearchRequest | None = None
        self.dense = False
        self.generation = 0        # bumps on every new answer (tests and latency use it)
        self.top_score = 0.0

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.hits)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self.hits)):
            return None
        hit = self.hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return hit.chain_label()
        if role == HitRole:
            return hit
        if role == CopiesRole:
            return self.copies.get(doc_key(hit.path, hit.inside), ())
        if role == Qt.ItemDataRole.ToolTipRole:
            where = (_("page {page}").format(page=hit.page) if hit.page else
                     (_("line {line}").format(line=hit.line) if hit.line else ""))
            gone = f"\n{_(OFFLINE_TIP)}" if hit.offline else ""
            copies = self.copies.get(doc_key(hit.path, hit.inside), ())
            also = ("\n\n" + _("The same text is also in:") + "\n"
                    + "\n".join(" › ".join([m.path, *m.inside]) for m in copies)
                    if copies else "")
            return plain_tooltip(" › ".join([hit.path, *hit.inside])
                                 + (f"\n{where}" if where else "") + gone + also)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            mark = f" ({_(OFFLINE)})" if hit.offline else ""
            copies = self.copies.get(doc_key(hit.path, hit.inside), ())
            extra = f" ({copies_label(len(copies))})" if copies else ""
            said = _("{name} in {folder}: {snippet}").format(
                name=f"{hit.chain_label()}{mark}", folder=f"{os.path.dirname(hit.path)}{extra}",
                snippet=hit.snippet)
            answer = (" " + _("Answer: {text}").format(text=hit.answer.text)
                      if hit.answer is not None else "")
            return said + answer
        return None

    @property
    def query(self) -> str:
        """The typed text these results answer ("" for "more like this" or none)."""
        return self.request.text if isinstance(self.request, TextQuery) else ""

    def set_hits(self, hits: list[Hit], request: SearchRequest | None, dense: bool) -> None:
        self.beginResetModel()
        self.answer = list(hits)
        self.hits = fold_copies(self.answer, self.copies)
        self.request = request
        self.dense = dense
        self.top_score = max((h.score for h in self.hits), default=0.0)
        self.generation += 1
        self.endResetModel()

    def clear(self) -> None:
        self.set_hits([], None, self.dense)

    def set_copies(self, copies: dict[str, tuple]) -> None:
        """New knowledge of which files are copies: the answer on screen is folded again."""
        self.copies = dict(copies)
        self.set_hits(self.answer, self.request, self.dense)

    def hit(self, row: int) -> Hit | None:
        return self.hits[row] if 0 <= row < len(self.hits) else None

    def set_answer(self, row: int, hit: Hit) -> bool:
        """A row's answer arrived (the same passage, now with ``answer``): repaint it."""
        old = self.hit(row)
        if old is None or old.chunk_id != hit.chunk_id or old.path != hit.path:
            return False
        self.hits[row] = hit
        idx = self.index(row)
        self.dataChanged.emit(idx, idx)
        return True

    def row_of(self, path: str) -> int:
        for i, h in enumerate(self.hits):
            if h.path == path:
                return i
        return -1


#: a hit under a folder whose drive is gone (unplugged, unmounted): its index is kept
OFFLINE = N_("offline")
OFFLINE_TIP = N_("Offline: its drive is not connected; the index is kept until it is back")


def row_when(hit: Hit) -> str:
    """What a row shows before its relevance bar: when the file changed, and "offline"
    when its drive is gone."""
    when = relative_when(hit.modified)
    return f"{_(OFFLINE)} · {when}" if hit.offline else when


# -- delegate ----------------------------------------------------------------------------
class ResultDelegate(QStyledItemDelegate):
    """One row: type icon | name, date, relevance bar / folder / best passage."""

    PAD = 8
    BAR_W = 44

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        # laid-out snippets by (chunk, text, width, selected, colours): a repaint only draws
        self._docs: OrderedDict[tuple, tuple[QTextDocument, float]] = OrderedDict()
        #: a ``ui.thumbnails.ThumbnailProvider``: pictures show a thumbnail instead of an icon
        self.thumbnails = None

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont]:
        base = QFont(option.font)
        name = QFont(base)
        name.setBold(True)
        name.setPointSizeF(base.pointSizeF() * 1.08 if base.pointSizeF() > 0 else 10)
        small = QFont(base)
        if base.pointSizeF() > 0:
            small.setPointSizeF(base.pointSizeF() * 0.92)
        return name, small, base

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:  # noqa: N802
        name, small, base = self._fonts(option)
        h = (self.PAD + QFontMetrics(name).height() + 2 + QFontMetrics(small).height() + 4
             + SNIPPET_LINES * QFontMetrics(base).lineSpacing() + self.PAD)
        return QSize(320, h)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        hit: Hit | None = index.data(HitRole)
        if hit is None:
            return super().paint(painter, option, index)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        opt.icon = QIcon()
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        if not opt.state & QStyle.StateFlag.State_Selected:
            # a hairline between files
            painter.save()
            pal0 = opt.palette
            painter.setPen(QPen(mix(pal0.color(QPalette.ColorRole.Base),
                                    pal0.color(QPalette.ColorRole.Text), 0.09), 1))
            y = opt.rect.bottom()
            painter.drawLine(opt.rect.left() + self.PAD, y, opt.rect.right() - self.PAD, y)
            painter.restore()

        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        pal: QPalette = opt.palette
        group = (QPalette.ColorGroup.Active if opt.state & QStyle.StateFlag.State_Active
                 else QPalette.ColorGroup.Inactive)
        text_c = pal.color(group, QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        base_c = pal.color(group, QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base)
        muted_c = mix(text_c, base_c, 0.38)
        accent = pal.color(group, QPalette.ColorRole.Highlight)

        name_f, small_f, base_f = self._fonts(opt)
        r = opt.rect.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)

        # icon, or for a picture its thumbnail (made in the background; the icon until then)
        if hit.kind == PICTURE_KIND and not hit.inside and self.thumbnails is not None:
            box = r.height()
            thumb = self.thumbnails.pixmap(hit.path)
            if thumb is not None and not thumb.isNull():
                fit = thumb.size().scaled(box, box, Qt.AspectRatioMode.KeepAspectRatio)
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
                painter.drawPixmap(QRect(r.left() + (box - fit.width()) // 2,
                                         r.top() + (box - fit.height()) // 2,
                                         fit.width(), fit.height()), thumb)
            else:
                icon = type_icon(hit.inside[-1] if hit.inside else hit.path, hit.kind, ICON_SIZE)
                icon.paint(painter, QRect(r.left() + (box - ICON_SIZE) // 2, r.top() + 2,
                                          ICON_SIZE, ICON_SIZE))
            x = r.left() + box + self.PAD + 2
        else:
            icon = type_icon(hit.inside[-1] if hit.inside else hit.path, hit.kind, ICON_SIZE)
            icon.paint(painter, QRect(r.left(), r.top() + 2, ICON_SIZE, ICON_SIZE))
            x = r.left() + ICON_SIZE + self.PAD + 2
        right = r.right()

        # line 1: name ... date  [bar]
        fm_name = QFontMetrics(name_f)
        fm_small = QFontMetrics(small_f)
        y = r.top()
        bar_rect = QRect(right - self.BAR_W, y + (fm_name.height() - 6) // 2, self.BAR_W, 6)
        date_txt = row_when(hit)
        date_w = fm_small.horizontalAdvance(date_txt)
        date_rect = QRect(bar_rect.left() - 10 - date_w, y, date_w, fm_name.height())
        painter.setFont(small_f)
        painter.setPen(muted_c)
        painter.drawText(date_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, date_txt)
        self._paint_bar(painter, bar_rect, hit, index, text_c, base_c, accent, selected)

        name_w = max(10, date_rect.left() - 12 - x)
        name = hit.chain_label()
        where = "  " + _("p. {page}").format(page=hit.page) if hit.page else ""
        painter.setFont(name_f)
        painter.setPen(text_c)
        painter.drawText(QRect(x, y, name_w, fm_name.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         fm_name.elidedText(name, Qt.TextElideMode.ElideMiddle, name_w))
        if where:
            used = min(name_w, fm_name.horizontalAdvance(name))
            painter.setFont(small_f)
            painter.setPen(muted_c)
            painter.drawText(QRect(x + used, y, max(0, name_w - used), fm_name.height()),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             fm_small.elidedText(where, Qt.TextElideMode.ElideRight, max(0, name_w - used)))

        # line 2: folder, and "+ 3 copies" when the same text is in other files too
        y += fm_name.height() + 2
        folder = short_folder(os.path.dirname(hit.path))
        if hit.is_mail and hit.sender:
            folder = _("from {sender}").format(sender=hit.sender) + f"  ·  {folder}"
        w = right - x
        painter.setFont(small_f)
        copies = index.data(CopiesRole) or ()
        folder_w = w
        if copies:
            badge = copies_label(len(copies))
            badge_w = fm_small.horizontalAdvance(badge)
            folder_w = max(10, w - badge_w - 12)
            painter.setPen(text_c if selected else accent)
            painter.drawText(QRect(right - badge_w, y, badge_w, fm_small.height()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, badge)
        painter.setPen(muted_c)
        painter.drawText(QRect(x, y, folder_w, fm_small.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         fm_small.elidedText(folder, Qt.TextElideMode.ElideMiddle, folder_w))

        # lines 3+: the best passage, query words highlighted
        y += fm_small.height() + 4
        self._paint_snippet(painter, QRect(x, y, w, r.bottom() - y + 1), hit, base_f,
                            text_c, base_c, accent, selected)
        painter.restore()

    def _paint_bar(self, painter, rect, hit, index, text_c, base_c, accent, selected) -> None:
        model = index.model()
        top = getattr(model, "top_score", 0.0) or 0.0
        frac = max(0.04, min(1.0, hit.score / top)) if top > 0 else 0.0
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(mix(base_c, text_c, 0.16))
        painter.drawRoundedRect(QRectF(rect), 3, 3)
        fill = QRectF(rect)
        fill.setWidth(rect.width() * frac)
        painter.setBrush(text_c if selected else accent)
        painter.drawRoundedRect(fill, 3, 3)

    def _paint_snippet(self, painter, rect, hit, font, text_c, base_c, accent, selected) -> None:
        mark_bg = mix(base_c, text_c, 0.22) if selected else mix(base_c, accent, 0.28)
        key = (hit.chunk_id, hit.snippet, tuple(hit.highlights), _answer_span(hit),
               rect.width(), rect.height(),
               selected, font.key(), text_c.rgba(), mark_bg.rgba())
        cached = self._docs.get(key)
        if cached is None:
            cached = self.layout_snippet(hit, font, rect, mark_bg)
            self._docs[key] = cached
            if len(self._docs) > 256:
                self._docs.popitem(last=False)
        else:
            self._docs.move_to_end(key)
        doc, clip_h = cached
        painter.save()
        painter.translate(rect.topLeft())
        clip = QRectF(0, 0, rect.width(), clip_h)
        painter.setClipRect(clip)
        ctx = QAbstractTextDocumentLayout.PaintContext()
        ctx.palette.setColor(QPalette.ColorRole.Text, text_c)
        ctx.clip = clip
        doc.documentLayout().draw(painter, ctx)
        painter.restore()

    @staticmethod
    def layout_snippet(hit, font, rect, mark_bg) -> tuple[QTextDocument, float]:
        """The hit's snippet laid out in ``rect``'s width: the query's words on ``mark_bg``,
        the sentence that answers in bold; and the height of the whole lines that fit."""
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setUndoRedoEnabled(False)
        doc.setDefaultFont(font)
        doc.setHtml(snippet_html(hit.snippet, hit.highlights, bold=_answer_span(hit),
                                 mark_style=f"background-color:{mark_bg.name()}"))
        doc.setTextWidth(rect.width())
        # show whole lines only: clip at the bottom of the last line that fits
        limit = rect.height()
        clip_h = 0.0
        block = doc.begin()
        done = False
        while block.isValid() and not done:
            layout = block.layout()
            top = doc.documentLayout().blockBoundingRect(block).top()
            for i in range(layout.lineCount()):
                bottom = top + layout.lineAt(i).rect().bottom()
                if bottom > limit + 0.5:
                    done = True
                    break
                clip_h = bottom
            block = block.next()
        return doc, clip_h


def _answer_span(hit: Hit) -> tuple[int, int] | None:
    """Where the sentence that answers shows in the hit's snippet, if it does."""
    a = hit.answer
    if a is None or a.snippet_start is None or a.snippet_end is None:
        return None
    return a.snippet_start, a.snippet_end


def short_folder(path: str) -> str:
    """A folder as people write it: the home folder as ~."""
    home = os.path.expanduser("~")
    if home and home != "/" and (path == home or path.startswith(home + os.sep)):
        return "~" + path[len(home):]
    return path


class ResultsView(QListView):
    """The list; reports when it has painted (tests and the latency harness wait on it)."""

    painted = Signal(int)    # the model generation it just painted

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setItemDelegate(ResultDelegate(self))
        self.setMouseTracking(True)
        self.setAlternatingRowColors(False)
        self.last_painted_generation = -1

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().paintEvent(event)
        model = self.model()
        gen = getattr(model, "generation", 0)
        if gen != self.last_painted_generation:
            self.last_painted_generation = gen
            emit(self.painted, gen)


# -- the pane ------------------------------------------------------------------------------
def _same_hits(a: list[Hit], b: list[Hit]) -> bool:
    return len(a) == len(b) and all(
        x.path == y.path and x.chunk_id == y.chunk_id and x.score == y.score
        and x.modified == y.modified and x.offline == y.offline for x, y in zip(a, b))


class EmptyAction(enum.Enum):
    """The one button an empty results pane may offer (mapped by value, never by its label)."""

    ADD_FOLDER = "add-folder"
    CLEAR_FILTERS = "clear-filters"

    def label(self) -> str:
        return _("Add a Folder…") if self is EmptyAction.ADD_FOLDER else _("Clear Filters")


def empty_state_text(*, opening: bool, roots: list[Root], request: SearchRequest | None,
                     answered: bool, filtered: bool,
                     busy: bool) -> tuple[str, str, EmptyAction | None]:
    """(title, explanation, button or None) for the results pane when it has no rows."""
    if opening and not roots:
        return _("Opening your index…"), _("This takes a moment the first time."), None
    if not roots:
        return (_("Add a folder to start"),
                _("Desktop Search reads the documents in the folders you choose and finds them by "
                  "what they mean. Everything stays on this computer. You can also drop a folder "
                  "onto this window."), EmptyAction.ADD_FOLDER)
    if request is None:
        files = sum(r.files for r in roots)
        if busy and not files:
            return (_("Reading your files…"),
                    _("Type what you are looking for: the files read so far answer at once, and "
                      "their count grows here."), None)
        still = (" " + _("Files are still being indexed; you can search already.")) if busy else ""
        return (ngettext("Search {count} file by meaning", "Search {count} files by meaning",
                         files).format(count=number(files)),
                _("Type what you are looking for: a few words, a question, or a description of the "
                  "document.") + still,
                None)
    if not answered:
        return _("Searching…"), "", None       # the answer has not arrived yet: no verdict
    if isinstance(request, SimilarTo):
        title = _("No results for files like {name}").format(name=os.path.basename(request.path))
    else:
        title = _("No results for “{query}”").format(query=request.text)
    hints = []
    if filtered:
        hints.append(_("Clear the filters to search everything."))
    if busy:
        hints.append(_("Indexing is still going: more files will be searchable soon."))
    if not hints:
        hints.append(_("Try other words, or describe the document differently."))
    return title, " ".join(hints), EmptyAction.CLEAR_FILTERS if filtered else None


class ResultsPane(QStackedWidget):
    """The results list, or a helpful empty state when there is nothing to list."""

    def __init__(self, parent=None) -> None:

        super().__init__(parent)
        self.model = ResultsModel(self)
        self.view = ResultsView()
        self.view.setModel(self.model)
        self.view.setAccessibleName(_("Results"))
        self.empty_state = EmptyState()
        self.addWidget(self.view)
        self.addWidget(self.empty_state)

    def current_hit(self) -> Hit | None:
        idx = self.view.currentIndex()
        return idx.data(HitRole) if idx.isValid() else None

    def show_answer(self, request: SearchRequest, hits: list[Hit], dense: bool) -> bool:
        """Show an answer; the same question answered again keeps the selected file.
        False when nothing changed (no reset, no repaint)."""
        same = self.model.request == request
        if same and dense == self.model.dense and _same_hits(hits, self.model.answer):
            return False
        current = self.current_hit()
        keep_path = current.path if (same and current is not None) else None
        self.model.set_hits(hits, request, dense)
        row = self.model.row_of(keep_path) if keep_path else -1
        if hits:
            self.view.setCurrentIndex(self.model.index(max(row, 0)))
            if row < 0:
                self.view.scrollToTop()
        return True

    def set_copies(self, copies: dict[str, tuple]) -> None:
        """Fold copies into one row; the selected file stays selected (or the row it went
        into)."""
        if copies == self.model.copies:
            return
        current = self.current_hit()
        self.model.set_copies(copies)
        if current is None or not self.model.hits:
            return
        row = self.model.row_of(current.path)
        if row < 0:
            row = next((i for i, h in enumerate(self.model.hits)
                        if any(m.path == current.path for m in copies.get(h.path, ()))), 0)
        self.view.setCurrentIndex(self.model.index(row))

    def move_selection(self, key) -> None:
        n = self.model.rowCount()
        if n == 0:
            return
        row = self.view.currentIndex().row()
        page = max(1, self.view.viewport().height() // max(1, self.view.sizeHintForRow(0)))
        step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -page,
                Qt.Key.Key_PageDown: page}[key]
        row = 0 if row < 0 else max(0, min(n - 1, row + step))
        self.view.setCurrentIndex(self.model.index(row))
        self.view.scrollTo(self.model.index(row))

    def show_empty(self, title: str, message: str, action: EmptyAction | None) -> None:
        self.empty_state.show_state(title, message, action.label() if action is not None else None)
        self.setCurrentWidget(self.empty_state)
