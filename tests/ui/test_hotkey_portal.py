"""The Wayland path: the GlobalShortcuts portal over a real D-Bus (a private
dbus-daemon), answered by a stand-in portal that speaks the portal's documented
protocol: CreateSession, BindShortcuts (each answered by a Request's Response signal),
then Activated when the desktop sees the chord."""
from __future__ import annotations

import shutil
import subprocess
import threading

import pytest

jeepney = pytest.importorskip("jeepney")
pytestmark = pytest.mark.skipif(shutil.which("dbus-daemon") is None, reason="needs dbus-daemon")

from jeepney import DBusAddress, HeaderFields, MessageType, new_method_return, new_signal  # noqa: E402
from jeepney.bus_messages import message_bus  # noqa: E402
from jeepney.io.blocking import open_dbus_connection  # noqa: E402

from desktop_search.ui.hotkey import GlobalHotkey  # noqa: E402
from desktop_search.ui.hotkey.portal import PORTAL_NAME, PORTAL_PATH, SHORTCUTS  # noqa: E402


class StandInPortal:
    """Owns org.freedesktop.portal.Desktop on the bus and answers like a desktop whose
    user accepts the shortcut."""

    def __init__(self, address: str) -> None:
        self.conn = open_dbus_connection(address)
        self.conn.send_and_get_reply(message_bus.RequestName(PORTAL_NAME))
        self.bound: list = []
        self.session = ""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _respond(self, msg, body_results: dict) -> None:
        sender = msg.header.fields[HeaderFields.sender]
        opts = msg.body[-1]
        token = opts["handle_token"][1]
        path = f"{PORTAL_PATH}/request/{sender.lstrip(':').replace('.', '_')}/{token}"
        self.conn.send(new_method_return(msg, "o", (path,)))
        req = DBusAddress(path, interface="org.freedesktop.portal.Request")
        self.conn.send(new_signal(req, "Response", "ua{sv}", (0, body_results)))

    def _serve(self) -> None:
        try:
            while True:
                msg = self.conn.receive()
                if msg.header.message_type != MessageType.method_call:
                    continue
                member = msg.header.fields.get(HeaderFields.member)
                if member == "Get":
                    self.conn.send(new_method_return(msg, "v", (("u", 1),)))
                elif member == "CreateSession":
                    self.session = f"{PORTAL_PATH}/session/x/{msg.body[0]['session_handle_token'][1]}"
                    self._respond(msg, {"session_handle": ("o", self.session)})
                elif member == "BindShortcuts":
                    self.bound = msg.body[1]
                    shortcuts = [(sid, {"description": props["description"],
                                        "trigger_description": ("s", "Ctrl+Alt+Space")})
                                 for sid, props in msg.body[1]]
                    self._respond(msg, {"shortcuts": ("a(sa{sv})", shortcuts)})
        except (OSError, ConnectionError, EOFError):
            return

    def press(self, shortcut_id: str) -> None:
        """The user pressed the chord: the desktop says so."""
        portal = DBusAddress(PORTAL_PATH, interface=SHORTCUTS)
        self.conn.send(new_signal(portal, "Activated", "osta{sv}",
                                  (self.session, shortcut_id, 0, {})))

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def private_bus():
    p = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                         stdout=subprocess.PIPE, text=True)
    address = p.stdout.readline().strip()
    yield address
    p.terminate()
    p.wait(10)


def test_the_portal_binds_the_chord_and_its_presses_toggle(qtbot, private_bus, monkeypatch):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", private_bus)
    portal = StandInPortal(private_bus)
    hk = GlobalHotkey(platform="wayland")
    try:
        with qtbot.waitSignal(hk.state_changed, timeout=10_000,
                              check_params_cb=lambda ok, text: ok) as bound:
            hk.set_chord("Ctrl+Alt+Space")
        assert "the desktop binds it to Ctrl+Alt+Space" in bound.args[1]
        assert [(sid, props["preferred_trigger"]) for sid, props in portal.bound] == \
            [("toggle-window", ("s", "CTRL+ALT+space"))]
        with qtbot.waitSignal(hk.activated, timeout=10_000):
            portal.press("toggle-window")
        with qtbot.assertNotEmitted(hk.activated, wait=300):
            portal.press("someone-else's")
    finally:
        hk.stop()
        portal.close()
