"""A private X11 desktop for end-to-end tests and benchmarks: Xvfb, the openbox window
manager, xdotool to press keys, and the real window (``hotkey_window.py``) in its own
process. ``missing()`` names what this machine lacks, so a test can skip cleanly."""
from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("Xvfb", "openbox", "xdotool", "xmessage", "xprop")


def missing() -> str | None:
    """Why an X11 end-to-end run cannot happen here; None when it can."""
    if not sys.platform.startswith("linux"):
        return "X11 end-to-end runs on Linux only"
    lacking = [t for t in TOOLS if shutil.which(t) is None]
    if lacking:
        return f"needs {', '.join(lacking)} (apt-get install xvfb openbox xdotool x11-utils)"
    try:
        import Xlib  # noqa: F401
    except ImportError:
        return "needs python-xlib"
    return None


class XSession:
    """Xvfb on a free display, with openbox running on it."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = Path(tmp)
        self.procs: list[subprocess.Popen] = []
        self.display = ""

    def __enter__(self) -> "XSession":
        r, w = os.pipe()
        xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1280x800x24",
                                 "-nolisten", "tcp"], pass_fds=(w,),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        self.procs.append(xvfb)
        with os.fdopen(r) as f:
            number = f.readline().strip()
        if not number:
            self.__exit__(None, None, None)
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"
        self.procs.append(subprocess.Popen(["openbox"], env=self.env(),
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 20
        while "window id" not in self.x("xprop", "-root", "_NET_SUPPORTING_WM_CHECK", check=False):
            if time.monotonic() > deadline:
                raise RuntimeError("openbox did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

    def env(self, **extra: str) -> dict:
        env = dict(os.environ, DISPLAY=self.display, **extra)
        env.pop("WAYLAND_DISPLAY", None)
        return env

    def x(self, *cmd: str, check: bool = True) -> str:
        """Run an X client (xdotool, xprop) on this display; its stdout."""
        p = subprocess.run(list(cmd), env=self.env(), capture_output=True, text=True, timeout=30)
        if check and p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {p.stderr.strip()}")
        return p.stdout

    def spawn(self, *cmd: str, **env: str) -> subprocess.Popen:
        p = subprocess.Popen(list(cmd), env=self.env(**env), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        self.procs.append(p)
        return p

    def active_window(self) -> int:
        return int(self.x("xdotool", "getactivewindow").strip() or 0)

    def other_window(self) -> int:
        """Open another program's window (xmessage) and make it the active one."""
        self.spawn("xmessage", "-name", "other-app", "another program")
        wid = self.x("xdotool", "search", "--sync", "--name", "^other-app$").split()[0]
        self.x("xdotool", "windowactivate", "--sync", wid)
        return int(wid)


class WindowProcess:
    """The real window in its own process; its report lines arrive on a queue."""

    def __init__(self, session: XSession, data_dir: Path) -> None:
        self.session = session
        py_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        self.proc = session.spawn(sys.executable, str(ROOT / "tests" / "e2e" / "hotkey_window.py"),
                                  str(data_dir), QT_QPA_PLATFORM="xcb", HF_HUB_OFFLINE="1",
                                  PYTHONPATH=py_path, TOKENIZERS_PARALLELISM="false")
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.log.append(line.rstrip("\n"))
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, kind: str, timeout: float = 30.0) -> list[str]:
        """The next report line of this kind, split: [kind, ...]."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(0.01, left))
            except queue.Empty:
                line = None
            if line is not None and line.split(" ", 1)[0] == kind:
                return line.split(" ", 2)
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no {kind!r} from the window; it said:\n" + "\n".join(self.log))

    def drain(self) -> None:
        while not self.lines.empty():
            self.lines.get_nowait()
