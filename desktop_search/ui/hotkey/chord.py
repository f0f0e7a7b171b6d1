"""A key chord as the user writes it ("Ctrl+Alt+Space"), and as each platform names it.

The setting holds Qt's portable text (what a ``QKeySequenceEdit`` gives back), so the
Settings dialog and ``settings.json`` say the same thing. X11 wants a keysym name and a
modifier mask, pynput its ``<ctrl>+<alt>+<space>`` form, the Wayland portal the
``CTRL+ALT+space`` form of the XDG shortcuts spec. No Qt here: the grabbers run on their
own threads.
"""
from __future__ import annotations

from dataclasses import dataclass

from desktop_search.i18n import _
from desktop_search.errors import ConfigError

MODIFIERS = ("Ctrl", "Alt", "Shift", "Meta")
_MOD_ALIASES = {"ctrl": "Ctrl", "control": "Ctrl", "alt": "Alt", "shift": "Shift",
                "meta": "Meta", "super": "Meta", "win": "Meta", "cmd": "Meta"}
#: Qt's portable key names -> X keysym names (letters, digits and F-keys map by themselves)
_X_KEYS = {"Space": "space", "Return": "Return", "Enter": "KP_Enter", "Esc": "Escape",
           "Escape": "Escape", "Tab": "Tab", "Backspace": "BackSpace", "Del": "Delete",
           "Delete": "Delete", "Ins": "Insert", "Insert": "Insert", "Home": "Home",
           "End": "End", "PgUp": "Prior", "PgDown": "Next", "Left": "Left", "Right": "Right",
           "Up": "Up", "Down": "Down", "Pause": "Pause", "Print": "Print",
           "`": "grave", "-": "minus", "=": "equal", "[": "bracketleft",
           "]": "bracketright", ";": "semicolon", "'": "apostrophe", ",": "comma",
           ".": "period", "/": "slash", "\\": "backslash"}
#: pynput's names for the special keys it knows as ``<name>``
_PYNPUT_KEYS = {"Space": "space", "Return": "enter", "Esc": "esc", "Escape": "esc",
                "Tab": "tab", "Backspace": "backspace", "Del": "delete", "Delete": "delete",
                "Ins": "insert", "Insert": "insert", "Home": "home", "End": "end",
                "PgUp": "page_up", "PgDown": "page_down", "Left": "left", "Right": "right",
                "Up": "up", "Down": "down", "Pause": "pause", "Print": "print_screen"}


@dataclass(frozen=True, slots=True)
class Chord:
    """Modifiers (a subset of MODIFIERS, in that order) and one key, in Qt's names."""

    modifiers: tuple[str, ...]
    key: str

    def text(self) -> str:
        """'Ctrl+Alt+Space': the setting, and what the window shows."""
        return "+".join(self.modifiers + (self.key,))

    def x11_keysym_name(self) -> str:
        if len(self.key) == 1 and self.key.isalnum():
            return self.key.lower()
        if self.key.startswith("F") and self.key[1:].isdigit():
            return self.key
        try:
            return _X_KEYS[self.key]
        except KeyError:
            raise ConfigError(_("the key {key} cannot be a global shortcut here").format(
                key=repr(self.key))) from None

    def pynput_text(self) -> str:
        """'<ctrl>+<alt>+<space>' for ``pynput.keyboard.GlobalHotKeys``."""
        mods = {"Ctrl": "<ctrl>", "Alt": "<alt>", "Shift": "<shift>", "Meta": "<cmd>"}
        if len(self.key) == 1:
            key = self.key.lower()
        elif self.key.startswith("F") and self.key[1:].isdigit():
            key = f"<{self.key.lower()}>"
        elif self.key in _PYNPUT_KEYS:
            key = f"<{_PYNPUT_KEYS[self.key]}>"
        else:
            raise ConfigError(_("the key {key} cannot be a global shortcut here").format(
                key=repr(self.key)))
        return "+".join([mods[m] for m in self.modifiers] + [key])

    def portal_trigger(self) -> str:
        """'CTRL+ALT+space': the XDG shortcuts spec, for the GlobalShortcuts portal."""
        mods = {"Ctrl": "CTRL", "Alt": "ALT", "Shift": "SHIFT", "Meta": "LOGO"}
        return "+".join([mods[m] for m in self.modifiers] + [self.x11_keysym_name()])


def parse(text: str) -> Chord:
    """'Ctrl+Alt+Space' (any case, 'Control' and 'Super' too) -> Chord; ConfigError when
    it is not one key with at least one of Ctrl, Alt or Meta (a bare key, or Shift+key,
    would swallow what the user types in every other program)."""
    raw = (text or "").strip()
    if not raw:
        raise ConfigError(_("the shortcut is empty"))
    parts = raw.split("+")
    if parts[-1] == "" and len(parts) > 1:       # "Ctrl++": the plus key itself
        parts = parts[:-2] + ["+"]
    *mod_parts, key = [p.strip() for p in parts]
    mods: set[str] = set()
    for p in mod_parts:
        name = _MOD_ALIASES.get(p.lower())
        if name is None:
            raise ConfigError(_("unknown modifier {modifier} in the shortcut {keys}: "
                                "use Ctrl, Alt, Shift or Meta").format(modifier=repr(p), keys=repr(raw)))
        mods.add(name)
    if not key or key.lower() in _MOD_ALIASES:
        raise ConfigError(_("the shortcut {keys} has no key besides its modifiers").format(keys=repr(raw)))
    if not mods & {"Ctrl", "Alt", "Meta"}:
        raise ConfigError(_("the shortcut {keys} needs Ctrl, Alt or Meta: a bare key "
                            "would be taken from every other program").format(keys=repr(raw)))
    if len(key) == 1:
        key = key.upper()
    elif key.lower() == "space":
        key = "Space"
    elif key[0] in "fF" and key[1:].isdigit():
        key = "F" + key[1:]
    chord = Chord(tuple(m for m in MODIFIERS if m in mods), key)
    chord.x11_keysym_name()          # a key no platform can name is refused now
    return chord
