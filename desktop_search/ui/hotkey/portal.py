"""The global shortcut on Wayland: the xdg-desktop-portal GlobalShortcuts portal.

Wayland lets no program grab keys; the desktop binds them and tells the program over
D-Bus. This speaks the portal (CreateSession, BindShortcuts, then the Activated signal)
with jeepney, a small pure-Python D-Bus library, on one thread that sleeps on the bus
socket: nothing runs while the chord is not pressed. (QtDBus was tried first: PySide6
cannot marshal the portal's ``a(sa{sv})`` argument.) The session lives as long as our
bus connection; closing the socket ends both.
"""
from __future__ import annotations

import logging
import secrets
import socket
import threading
from typing import Any, Callable

from desktop_search.i18n import _
from desktop_search.ui.hotkey.chord import Chord
from desktop_search.ui.hotkey.x11 import HotkeyUnavailable

log = logging.getLogger(__name__)

PORTAL_NAME = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
SHORTCUTS = "org.freedesktop.portal.GlobalShortcuts"
SHORTCUT_ID = "toggle-window"
#: how long the portal may take to answer (BindShortcuts may wait for the user's OK)
ANSWER_S = 120.0


class PortalHotkey:
    """Calls ``on_press`` on each activation; ``on_state(text)`` says how binding went."""

    def __init__(self, chord: Chord, on_press: Callable[[], None], *,
                 on_state: Callable[[bool, str], None] | None = None,
                 bus_address: str = "SESSION") -> None:
        self.chord = chord
        self.on_press = on_press
        self.on_state = on_state or (lambda ok, text: None)
        self._bus = bus_address
        self._conn: Any = None   # jeepney's blocking connection, once started
        self._thread: threading.Thread | None = None
        self._stopping = False

    def start(self) -> None:
        """Connect and check that the portal offers GlobalShortcuts (raises
        HotkeyUnavailable); the binding itself goes on on the thread."""
        try:
            from jeepney import DBusAddress, Properties
            from jeepney.io.blocking import open_dbus_connection
        except ImportError:
            raise HotkeyUnavailable(_("the jeepney library is not installed")) from None
        try:
            conn = open_dbus_connection(bus=self._bus)
        except Exception as exc:  # noqa: BLE001 - no session bus, refused, ...
            raise HotkeyUnavailable(_("no D-Bus session bus: {error}").format(error=exc)) from None
        addr = DBusAddress(PORTAL_PATH, bus_name=PORTAL_NAME, interface=SHORTCUTS)
        try:
            reply = conn.send_and_get_reply(Properties(addr).get("version"), timeout=5)
            if reply.header.message_type.name == "error":
                raise HotkeyUnavailable(_("the desktop offers no GlobalShortcuts portal"))
        except HotkeyUnavailable:
            conn.close()
            raise
        except Exception as exc:  # noqa: BLE001 - a timeout, the bus went away
            conn.close()
            raise HotkeyUnavailable(
                _("the desktop portal did not answer: {error}").format(error=exc)) from None
        self._conn = conn
        self._thread = threading.Thread(target=self._run, args=(addr,), name="portal-hotkey",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._conn is None:
            return
        self._stopping = True
        try:
            self._conn.sock.shutdown(socket.SHUT_RDWR)   # wakes the thread's recv
        except OSError:
            pass
        if self._thread is not None:
            self._thread.join(5)
        self._conn.close()
        self._conn = self._thread = None

    # -- the thread ---------------------------------------------------------------------
    def _run(self, addr) -> None:
        from jeepney import MatchRule, message_bus

        conn = self._conn
        try:
            activated = MatchRule(type="signal", interface=SHORTCUTS, member="Activated",
                                  path=PORTAL_PATH)
            conn.send_and_get_reply(message_bus.AddMatch(activated), timeout=5)
            with conn.filter(activated, bufsize=64) as presses:
                code, results = self._request(conn, addr, "CreateSession", "a{sv}", (
                    {"session_handle_token": ("s", "desktop_search_" + secrets.token_hex(4))},))
                if code != 0 or "session_handle" not in results:
                    self.on_state(False, _("the desktop refused a shortcut session"))
                    return
                session = results["session_handle"][1]
                shortcut = (SHORTCUT_ID, {
                    "description": ("s", _("Show or hide Desktop Search")),
                    "preferred_trigger": ("s", self.chord.portal_trigger())})
                code, results = self._request(conn, addr, "BindShortcuts", "oa(sa{sv})sa{sv}",
                                              (session, [shortcut], ""))
                if code != 0:
                    self.on_state(False, _("the shortcut was not confirmed in the desktop's dialog"))
                    return
                bound = {sid: props for sid, props in results.get("shortcuts", ("", []))[1]}
                trigger = bound.get(SHORTCUT_ID, {}).get("trigger_description", ("s", ""))[1]
                self.on_state(True, _("the desktop binds it to {keys}").format(
                    keys=trigger or self.chord.text()))
                while True:
                    msg = conn.recv_until_filtered(presses)
                    sess, sid = msg.body[0], msg.body[1]
                    if sess == session and sid == SHORTCUT_ID:
                        try:
                            self.on_press()
                        except Exception:  # noqa: BLE001 - the listener must outlive it
                            log.exception("the hotkey's handler failed")
        except Exception as exc:  # noqa: BLE001 - the bus closed (stop) or failed
            if not self._stopping:
                log.warning("the GlobalShortcuts portal stopped: %s", exc)
                self.on_state(False, _("the desktop portal stopped answering: {error}").format(error=exc))

    def _request(self, conn, addr, method: str, signature: str, args: tuple):
        """Call a portal method that answers through a Request object's Response signal.
        The handle's path is known before the call (handle_token), so the signal cannot
        come before we listen for it."""
        from jeepney import MatchRule, message_bus, new_method_call

        token = "ds" + secrets.token_hex(6)
        sender = conn.unique_name.lstrip(":").replace(".", "_")
        path = f"{PORTAL_PATH}/request/{sender}/{token}"
        rule = MatchRule(type="signal", interface="org.freedesktop.portal.Request",
                         member="Response", path=path)
        conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=5)
        options = {"handle_token": ("s", token)}
        if signature == "a{sv}":      # CreateSession: the options are its only argument
            args = ({**args[0], **options},)
        else:
            args = args + (options,)
        with conn.filter(rule) as answers:
            reply = conn.send_and_get_reply(new_method_call(addr, method, signature, args),
                                            timeout=ANSWER_S)
            if reply.header.message_type.name == "error":
                raise HotkeyUnavailable(f"{method}: {reply.body[0] if reply.body else 'refused'}")
            resp = conn.recv_until_filtered(answers, timeout=ANSWER_S)
        return resp.body[0], resp.body[1]
