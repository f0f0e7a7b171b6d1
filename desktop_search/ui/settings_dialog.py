"""Settings: the languages the search understands (the model), exclusions, size cap,
launch behaviour, the global shortcut. Languages come first in plain words; model names
only under "Another model…"."""
from __future__ import annotations

import dataclasses
import os
import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox,
                               QFileDialog, QFormLayout, QHBoxLayout, QKeySequenceEdit, QLabel,
                               QPlainTextEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from desktop_search.config import AUTO_MODEL, DEFAULT_MODEL, Settings
from desktop_search.core import desktop
from desktop_search.core.embed import registry
from desktop_search.core.embed.advice import ModelChoice
from desktop_search.core.embed.clip import DEFAULT_CLIP_MB
from desktop_search.errors import ConfigError
from desktop_search.i18n import _, ngettext
from desktop_search.ui.hotkey import chord as chords
from desktop_search.ui.language import NATIVE_NAMES, system_language

SUGGESTED_MODELS = (
    DEFAULT_MODEL,
    "sentence-transformers/all-MiniLM-L12-v2",
    "sentence-transformers/all-mpnet-base-v2",
    "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2",
    "BAAI/bge-small-en-v1.5",
)


def _note(text: str) -> QLabel:
    lbl = QLabel(text)
    lbl.setTextFormat(Qt.TextFormat.PlainText)
    lbl.setWordWrap(True)
    lbl.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return lbl


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, *, tray_available: bool, parent=None,
                 data_dir: str | None = None, choice: ModelChoice | None = None,
                 hotkey_message: str = "") -> None:
        super().__init__(parent)
        #: a data folder other than the default, for the launchers written from here
        self.data_dir = data_dir
        self.setWindowTitle(_("Settings"))
        self._original = settings

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self._add_languages(form, settings, choice)
        self._add_exclusions(form, settings)
        self._add_pictures(form, settings)
        self._add_searching(form, settings)
        self._add_indexing(form, settings)
        self._add_window(form, settings, tray_available=tray_available)
        self._add_shortcut(form, settings, hotkey_message)
        self._add_language(form, settings)
        self._add_menu_entry(form)

        self.error = QLabel()
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        f = self.error.font()
        f.setBold(True)
        self.error.setFont(f)
        self.error.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._on_accepted)
        self.buttons.rejected.connect(self.reject)

        self.setMinimumWidth(560)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        # the wrapped notes need their height at the dialog's width: open at the layout's
        # height for that width, not at its minimum (where the notes overlap)
        width = max(self.minimumWidth(), self.sizeHint().width())
        height = lay.totalHeightForWidth(width) if lay.hasHeightForWidth() else -1
        self.resize(width, max(height, self.sizeHint().height()))
        self.result_settings: Settings | None = None

    def _add_languages(self, form: QFormLayout, settings: Settings, choice: ModelChoice | None) -> None:
        """What the search understands, in plain words."""
        # what the search understands, in plain words; (label, setting)
        self._presets: list[tuple[str, str]] = [(_("Chosen for my files"), AUTO_MODEL),
                                                (_("English only (the fastest)"), DEFAULT_MODEL)]
        multilingual = registry.multilingual()
        if multilingual is not None:
            self._presets.append((_("Every language ({languages})").format(
                languages=_(multilingual.languages_label)),
                                  multilingual.name))
        self.languages = QComboBox()
        for label, _name in self._presets:
            self.languages.addItem(label)
        self.languages.addItem(_("Another model…"))
        self.languages_note = _note(_choice_note(choice))
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.addItems(list(SUGGESTED_MODELS))
        self.model.setMinimumContentsLength(28)
        self.model.setToolTip(_("A sentence-transformers model name, or a folder holding one"))
        browse = QPushButton(_("Folder…"))
        browse.setAutoDefault(False)
        browse.clicked.connect(self._on_browse_clicked)
        model_row = QHBoxLayout()
        model_row.setContentsMargins(0, 0, 0, 0)
        model_row.addWidget(self.model, 1)
        model_row.addWidget(browse)
        self.model_row = QWidget()
        self.model_row.setLayout(model_row)
        preset = next((i for i, (_label, name) in enumerate(self._presets)
                       if name.lower() == settings.model.strip().lower()), None)
        self.model.setCurrentText("" if preset is not None else settings.model)
        self.languages.setCurrentIndex(preset if preset is not None else len(self._presets))
        self.model_row.setVisible(preset is None)
        self.languages.currentIndexChanged.connect(self._on_languages_current_index_changed)
        self.model.editTextChanged.connect(self._on_model_edit_text_changed)

        form.addRow(_("Understands:"), self.languages)
        form.addRow("", self.model_row)
        form.addRow("", self.languages_note)
        form.addRow("", _note(_("A change re-reads every passage in the background; "
                                "search keeps working meanwhile.")))

    def _add_exclusions(self, form: QFormLayout, settings: Settings) -> None:
        """What is skipped: gitignore patterns and a size cap."""
        self.excludes = QPlainTextEdit()
        self.excludes.setPlaceholderText("*.log\nbuild/\nprivate/**")
        self.excludes.setPlainText("\n".join(settings.exclude_patterns))
        self.excludes.setTabChangesFocus(True)
        fm = self.excludes.fontMetrics()
        self.excludes.setFixedHeight(fm.lineSpacing() * 5 + 12)

        self.size_cap = QDoubleSpinBox()
        self.size_cap.setRange(0.1, 10_000)
        self.size_cap.setDecimals(1)
        self.size_cap.setSuffix(" " + _("MB"))
        self.size_cap.setValue(settings.max_file_mb)

        form.addRow(_("Exclude:"), self.excludes)
        form.addRow("", _note(_("One pattern a line, as in .gitignore. Hidden files and folders "
                                "like .git and node_modules are always skipped.")))
        form.addRow(_("Skip files over:"), self.size_cap)

    def _add_pictures(self, form: QFormLayout, settings: Settings) -> None:
        """The words in pictures (OCR), and pictures by what they show."""
        self.read_pictures = QCheckBox(_("Read the words in pictures and scanned PDFs (OCR)"))
        self.read_pictures.setChecked(settings.read_text_in_pictures)
        self.picture_search = QCheckBox(_("Search pictures by what they show"))
        self.picture_search.setChecked(settings.picture_search)
        local = os.path.isdir(os.path.expanduser(settings.picture_model))
        self.picture_note = _note(
            _("Uses the picture model {name}: a folder on this computer.").format(
                name=settings.picture_model) if local else
            _("Uses the picture model {name}: a one-time download of about {size} MB, made only "
              "when this is on (its progress shows at the bottom of the window).").format(
                name=settings.picture_model, size=DEFAULT_CLIP_MB))

        form.addRow(_("Pictures:"), self.read_pictures)
        form.addRow("", self.picture_search)
        form.addRow("", self.picture_note)

    def _add_searching(self, form: QFormLayout, settings: Settings) -> None:
        """Filters read from what the user types."""
        self.understand_queries = QCheckBox(_("Read filters from what I type (“pdfs from 2021”, "
                                              "“fotos de ontem”)"))
        self.understand_queries.setChecked(settings.understand_queries)
        form.addRow(_("Searching:"), self.understand_queries)

    def _add_indexing(self, form: QFormLayout, settings: Settings) -> None:
        """On battery, and the cores indexing may use."""
        self.index_on_battery = QCheckBox(_("Index on battery"))
        self.index_on_battery.setChecked(settings.index_on_battery)
        self.index_on_battery.setToolTip(_("Off: on battery, new files are still read (slowly) "
                                           "and the rest waits for mains power"))
        self.max_cores = QSpinBox()
        self.max_cores.setRange(0, max(1, os.cpu_count() or 1))
        self.max_cores.setSpecialValueText(_("Use all cores"))
        self.max_cores.valueChanged.connect(self._on_max_cores_value_changed)
        self.max_cores.setValue(min(settings.max_cores, self.max_cores.maximum()))
        self._on_max_cores_value_changed(self.max_cores.value())
        self.max_cores.setToolTip(_("Cores that reading passages for meaning and OCR may use"))
        self.polite_note = _note(_("Indexing runs at the lowest priority and waits while the "
                                   "computer is busy."))

        form.addRow(_("Indexing:"), self.index_on_battery)
        form.addRow("", self.max_cores)
        form.addRow("", self.polite_note)

    def _add_window(self, form: QFormLayout, settings: Settings, *, tray_available: bool) -> None:
        """The tray, and starting at login."""
        self.close_to_tray = QCheckBox(_("Keep indexing in the tray when the window closes"))
        self.close_to_tray.setChecked(settings.close_to_tray)
        self.start_minimized = QCheckBox(_("Start minimized to the tray"))
        self.start_minimized.setChecked(settings.start_minimized)
        if not tray_available:
            for cb in (self.close_to_tray, self.start_minimized):
                cb.setToolTip(_("This desktop has no system tray"))
        # start at login lives where the desktop looks for it (XDG autostart, the Run key,
        # a LaunchAgent), not in settings.json: the checkbox shows what is really there
        self.start_at_login = QCheckBox(_("Start Desktop Search when I log in"))
        self.start_at_login.setChecked(desktop.start_at_login_enabled())

        form.addRow(_("When closed:"), self.close_to_tray)
        form.addRow(_("At start:"), self.start_minimized)
        form.addRow(_("At login:"), self.start_at_login)

    def _add_shortcut(self, form: QFormLayout, settings: Settings, hotkey_message: str) -> None:
        """The global shortcut: one chord, cleared for none."""
        self.hotkey = QKeySequenceEdit(QKeySequence.fromString(settings.hotkey,
                                                               QKeySequence.SequenceFormat.PortableText))
        self.hotkey.setMaximumSequenceLength(1)
        self.hotkey.setClearButtonEnabled(True)
        self.hotkey.setToolTip(_("Press the keys; clear it for no shortcut"))
        self.hotkey_note = _note(hotkey_message or _("Shows or hides this window from any program."))

        form.addRow(_("Shortcut:"), self.hotkey)
        form.addRow("", self.hotkey_note)

    def _add_language(self, form: QFormLayout, settings: Settings) -> None:
        """The window's language: each named in itself; applied when the app starts again."""
        self.language = QComboBox()
        self.language.addItem(_("System default ({language})").format(
            language=NATIVE_NAMES[system_language()]), "")
        for code, name in NATIVE_NAMES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language or "")))
        self.language_note = _note(_("The window's language changes when Desktop Search starts "
                                     "again."))
        form.addRow(_("Language:"), self.language)
        form.addRow("", self.language_note)

    def _add_menu_entry(self, form: QFormLayout) -> None:
        """The applications menu entry (Linux)."""
        self.menu_entry = QPushButton(_("Add to the applications menu"))
        self.menu_entry.setAutoDefault(False)
        self.menu_entry.clicked.connect(self._on_menu_entry_clicked)
        self.menu_entry.setVisible(sys.platform.startswith("linux"))
        self.menu_entry_note = _note("")
        self.menu_entry_note.hide()
        if sys.platform.startswith("linux") and desktop.desktop_entry_installed():
            self.menu_entry.setText(_("Update the applications menu entry"))
        if sys.platform.startswith("linux"):
            form.addRow(_("Menu:"), self.menu_entry)
            form.addRow("", self.menu_entry_note)

    def _on_max_cores_value_changed(self, n: int) -> None:
        # "Use at most 2 cores": the words around the number, by the language's plural rule
        before, _sep, after = ngettext("Use at most {count} core", "Use at most {count} cores",
                                       n).partition("{count}")
        self.max_cores.setPrefix(before)
        self.max_cores.setSuffix(after)

    def settings(self) -> Settings:
        """The edited settings (validated); raises ConfigError when one is invalid."""
        patterns = [l.strip() for l in self.excludes.toPlainText().splitlines() if l.strip()]
        s = dataclasses.replace(self._original,
                                model=self.chosen_model(),
                                exclude_patterns=patterns,
                                exclude_dirs=list(self._original.exclude_dirs),
                                max_file_mb=float(self.size_cap.value()),
                                read_text_in_pictures=self.read_pictures.isChecked(),
                                picture_search=self.picture_search.isChecked(),
                                understand_queries=self.understand_queries.isChecked(),
                                index_on_battery=self.index_on_battery.isChecked(),
                                max_cores=int(self.max_cores.value()),
                                close_to_tray=self.close_to_tray.isChecked(),
                                start_minimized=self.start_minimized.isChecked(),
                                hotkey=self.chosen_hotkey(),
                                language=self.language.currentData() or "")
        s.validate()
        return s

    def chosen_hotkey(self) -> str:
        """The chord in the field as the setting writes it ('' for none); ConfigError when
        it cannot be a global shortcut (a bare key, or one no platform can name)."""
        text = self.hotkey.keySequence().toString(QKeySequence.SequenceFormat.PortableText)
        return chords.parse(text).text() if text.strip() else ""

    def chosen_model(self) -> str:
        """The ``model`` setting the dialog stands for now."""
        i = self.languages.currentIndex()
        if i < len(self._presets):
            return self._presets[i][1]
        return self.model.currentText().strip()

    def _on_languages_current_index_changed(self, index: int) -> None:
        self.model_row.setVisible(index >= len(self._presets))

    def _on_model_edit_text_changed(self, text: str) -> None:
        # typing a model name means "another model"
        if text.strip() and self.languages.currentIndex() < len(self._presets):
            self.languages.setCurrentIndex(len(self._presets))

    def _on_accepted(self) -> None:
        try:
            self.result_settings = self.settings()
            if self.start_at_login.isChecked() != desktop.start_at_login_enabled():
                desktop.set_start_at_login(enabled=self.start_at_login.isChecked(),
                                           data_dir=self.data_dir)
        except (ConfigError, OSError) as exc:
            self.error.setText(str(exc) if isinstance(exc, ConfigError)
                               else _("Cannot change start at login: {error}").format(error=exc))
            self.error.show()
            return
        self.accept()

    def _on_menu_entry_clicked(self) -> None:
        try:
            written = desktop.install_desktop_entry(data_dir=self.data_dir)
        except (ConfigError, OSError) as exc:
            self.menu_entry_note.setText(_("Could not add it: {error}").format(error=exc))
        else:
            self.menu_entry_note.setText(_("Added: {path}").format(path=written[0]))
            self.menu_entry.setText(_("Update the applications menu entry"))
        self.menu_entry_note.show()

    def _on_browse_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, _("Model folder"))
        if path:
            self.model.setCurrentText(path)


def _choice_note(choice: ModelChoice | None) -> str:
    if choice is None:
        return _("Chosen for your files: English, or every language when your files, your "
                 "searches or your computer use another.")
    if not choice.auto:
        return _("Now: understands {languages}, your choice.").format(languages=_(choice.label))
    if not choice.reason:
        return _("Now: understands {languages} for now; chosen for your files once they are "
                 "read.").format(languages=_(choice.label))
    return _("Now: understands {languages}, chosen for your files because {reason}.").format(
        languages=_(choice.label), reason=choice.reason_text())
