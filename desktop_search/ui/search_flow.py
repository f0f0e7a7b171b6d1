"""A query's way through the window: the search bar's request to the controller, the
answer to the results list and the preview, the empty page and its action, the keys over
the results, and the result actions kept in step. ``SearchWindow`` assembles the parts;
``SearchFlow`` carries what passes between them (it owns its wiring).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject

from desktop_search.core.search import Hit, SearchRequest
from desktop_search.core.search.duplicates import copies_by_path
from desktop_search.core.search.preview import PreviewDoc
from desktop_search.core.search.remembered import nothing_found
from desktop_search.i18n import _
from desktop_search.ui.keys import ResultKeys
from desktop_search.ui.results import EmptyAction, HitRole, empty_state_text

if TYPE_CHECKING:
    from desktop_search.ui.window import SearchWindow


class SearchFlow(QObject):
    """The search bar -> controller -> results and preview loop of one window."""

    def __init__(self, window: SearchWindow) -> None:
        super().__init__(window)
        self.w = window
        self._empty_action: EmptyAction | None = None

    def wire(self) -> None:
        """The parts' signals this flow answers (the window calls it while it wires)."""
        w = self.w
        sb, rp = w.search_bar, w.results
        sb.request_changed.connect(self._on_search_bar_request_changed)
        self.keys = ResultKeys(field=sb.search_edit, results=rp.view, answered=self.answered,
                               has_hit=lambda: w.current_hit() is not None, parent=w)
        self.keys.move_requested.connect(rp.move_selection)
        self.keys.open_requested.connect(self._on_keys_open_requested)
        self.keys.copy_requested.connect(lambda: w.commands.result.copy_path(w.current_hit()))
        self.keys.clear_requested.connect(self._on_keys_clear_requested)
        rp.view.selectionModel().currentChanged.connect(self._on_results_current_changed)
        rp.view.doubleClicked.connect(self._on_results_double_clicked)
        rp.view.customContextMenuRequested.connect(self._on_results_context_menu)
        rp.empty_state.action_clicked.connect(self._on_empty_state_action_clicked)

    def wire_controller(self) -> None:
        """The controller's answers this flow shows."""
        c = self.w.controller
        c.results_ready.connect(self._on_controller_results_ready)
        c.answer_ready.connect(self._on_controller_answer_ready)
        c.search_failed.connect(self._on_controller_search_failed)
        c.preview_ready.connect(self._on_controller_preview_ready)
        c.engine_failed.connect(self._on_controller_engine_failed)
        c.duplicates_ready.connect(self._on_controller_duplicates_ready)

    def _on_search_bar_request_changed(self, request: SearchRequest | None) -> None:
        if request is None:
            self.w.controller.cancel_search()
            self.w.results_model.clear()
            self.w.preview.clear()
        else:
            self.w.controller.search(request)     # sent at once, or waits for the one in flight
        self.update_empty_state()
        self._update_count()

    def answered(self) -> bool:
        """The results on screen answer the question asked last."""
        return self.w.results_model.request == self.w.controller.request

    def _on_controller_results_ready(self, seq: int, request: SearchRequest, hits: list,
                                     dense: bool) -> None:
        if not self.w.results.show_answer(request, hits, dense):
            return      # asked again, nothing changed: no reset, no repaint
        if not hits:
            self.w.preview.clear(_("No results to preview."))
        self.update_empty_state()
        self._update_count()
        self.update_result_actions()

    def _on_controller_answer_ready(self, seq: int, request: SearchRequest, row: int,
                                    hit: Hit) -> None:
        """A row's sentence that answers: bold in its snippet, marked in the preview."""
        if request != self.w.results_model.request or not self.w.results_model.set_answer(row, hit):
            return
        if self.w.preview.hit is not None and self.w.preview.hit.chunk_id == hit.chunk_id:
            self.w.preview.show_answer(hit)

    def _on_controller_search_failed(self, seq: int, message: str) -> None:
        self.w.show_error(_("Search failed: {error}").format(error=message))

    def _update_count(self) -> None:
        m = self.w.results_model
        self.w.search_bar.show_count(m.request, m.hits, m.dense)

    def update_empty_state(self, *_: object) -> None:
        if self.w.results_model.hits:
            self.w.results.setCurrentWidget(self.w.results_view)
            return
        said = self.w.search_bar.chips.understood        # filters read from the query
        filtered = self.w.search_bar.current_filters() is not None or said is not None
        title, message, action = empty_state_text(
            opening=not self.w.controller.ready, roots=self.w.roots, request=self.w.controller.request,
            answered=self.answered(), filtered=filtered, busy=self.w.controller.progress.busy)
        if said is not None and self.answered() and self.w.controller.request is not None:
            title = nothing_found(said)             # "No PDFs from March 2026 · search all types"
        self._empty_action = action
        self.w.results.show_empty(title, message, action)

    def _on_empty_state_action_clicked(self) -> None:
        if self._empty_action is EmptyAction.ADD_FOLDER:
            self.w.add_folder_from_dialog()
        elif self._empty_action is EmptyAction.CLEAR_FILTERS:
            self.w.search_bar.clear_filters()

    def _on_results_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        hit = current.data(HitRole) if current.isValid() else None
        self.update_result_actions()
        if hit is None:
            return
        if self.w.preview.hit is None or self.w.preview.hit.chunk_id != hit.chunk_id:
            self.w.preview.show_hit(hit)
            request = self.w.results_model.request
            self.w.controller.load_preview(hit, request.terms if request is not None else [])

    def _on_controller_preview_ready(self, seq: int, doc: PreviewDoc | None) -> None:
        hit = self.w.current_hit()
        if doc is not None and (hit is None or doc.hit.chunk_id != hit.chunk_id):
            return
        self.w.preview.show_doc(doc)

    def _on_results_double_clicked(self, index: QModelIndex) -> None:
        self.w.commands.result.open_hit(index.data(HitRole))

    def _on_results_context_menu(self, pos) -> None:
        idx = self.w.results_view.indexAt(pos)
        if not idx.isValid():
            return
        self.w.results_view.setCurrentIndex(idx)
        self.w.commands.result.popup(self.w.current_hit(), self.w,
                                   self.w.results_view.viewport().mapToGlobal(pos))

    def update_result_actions(self) -> None:
        self.w.commands.result.update(self.w.current_hit(), model_ready=self.w.controller.model_ready)

    def _on_keys_open_requested(self, reveal: bool) -> None:
        result = self.w.commands.result
        (result.reveal_hit if reveal else result.open_hit)(self.w.current_hit())

    def _on_keys_clear_requested(self) -> None:
        """Escape: clears the query; on an empty one, puts the window away."""
        if self.w.search_edit.text() or self.w.search_bar.current_filters() is not None:
            self.w.search_bar.clear()
            self.w.search_edit.setFocus()
        else:
            self.w.put_away()

    def _on_controller_engine_failed(self, message: str) -> None:
        self.w.results.show_empty(_("The index cannot be opened"), message, None)

    def _on_controller_duplicates_ready(self, groups: list) -> None:
        """Which results have copies or versions (their mark in the list)."""
        self.w.results.set_copies(copies_by_path(groups))
