"""A small driver for headless Chromium over the Chrome DevTools Protocol, for tests that open a
self-contained HTML file and check its DOM.

    with Browser.start(need_chromium()) as page:
        page.open(path)
        page.click("#toggle")
        page.press("j")
        assert page.evaluate("document.body.className") == "open"

Chromium runs as a subprocess with a fresh profile, no proxy it can reach and a host resolver
that fails every name, so a page that tries to fetch anything from the network fails instead of
leaking; `requests()` lists what it tried. The protocol is spoken synchronously over one
websocket: a command is sent and the replies are read until its answer arrives, and the events
read on the way are kept, by method name, for `wait_event`.

Chromium is started through this file run as a script (`_reap`), which reaps the helper
processes Chromium orphans, so no zombies are left even where PID 1 does not reap them; closing
the Browser (or leaving its `with` block, however it is left) stops all of it and deletes the
temporary profile. Linux only.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import weakref
from collections import defaultdict
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import websocket

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
START_TIMEOUT = 20.0
COMMAND_TIMEOUT = 30.0
LOAD_TIMEOUT = 15.0

# key -> (code, windowsVirtualKeyCode, text the key types or "")
_KEYS: dict[str, tuple[str, int, str]] = {
    "Tab": ("Tab", 9, ""),
    "Enter": ("Enter", 13, "\r"),
    " ": ("Space", 32, " "),
    "Escape": ("Escape", 27, ""),
    "Backspace": ("Backspace", 8, ""),
    "ArrowLeft": ("ArrowLeft", 37, ""),
    "ArrowUp": ("ArrowUp", 38, ""),
    "ArrowRight": ("ArrowRight", 39, ""),
    "ArrowDown": ("ArrowDown", 40, ""),
    "Home": ("Home", 36, ""),
    "End": ("End", 35, ""),
    "PageUp": ("PageUp", 33, ""),
    "PageDown": ("PageDown", 34, ""),
    **{c: (f"Key{c.upper()}", ord(c.upper()), c) for c in "abcdefghijklmnopqrstuvwxyz"},
    **{c: (f"Digit{c}", ord(c), c) for c in "0123456789"},
}
_SHIFT = 8  # the Shift bit of CDP's `modifiers`
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36


class CDPError(RuntimeError):
    """Chromium answered a command with an error."""


def chromium_path() -> str | None:
    """The Chromium (or Chrome) executable on PATH, or None."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def need_chromium() -> str:
    """The browser's path; without one the test is skipped, or fails where CI requires it."""
    found = chromium_path()
    if found:
        return found
    message = (
        f"no Chromium on PATH (looked for {', '.join(CHROMIUM_NAMES)}); "
        "install it with `apt-get install chromium`"
    )
    from tests.conftest import unavailable  # here: the reaper runs this file without pytest

    unavailable(message)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _children() -> list[int]:
    """The live and dead processes whose parent is this one."""
    me, found = os.getpid(), []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = Path(entry.path, "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                found.append(int(entry.name))
    return found


def _reap(root: str, command: list[str]) -> int:
    """Run `command` (Chromium) and outlive it, to reap every process it leaves behind.

    Chromium's helpers (zygotes, the crash handler it daemonizes) are orphaned when it exits, and
    where PID 1 does not reap orphans (as in many containers) they would stay zombies. This
    process, `python browser.py --reap ROOT CHROMIUM ARGS...`, is their subreaper: it waits until
    all of them are gone, killing any that linger, and exits with Chromium's status. SIGTERM makes
    it stop Chromium first. It gets SIGTERM by itself if the thread that started it ends, and then
    also deletes ROOT, Chromium's temporary directory, as nobody else will.
    """
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    stop: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda signum, _frame: stop.append(signum))
    browser = os.posix_spawnp(command[0], command, os.environ, setsid=True)
    status: int | None = None
    kill_at = math.inf
    while True:
        try:
            pid, raw = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break  # nobody left
        if pid == browser:
            status = os.waitstatus_to_exitcode(raw)
            kill_at = min(kill_at, time.monotonic() + 3.0)
        if pid:
            continue
        if stop and kill_at == math.inf:
            _signal_group(browser, signal.SIGTERM)
            kill_at = time.monotonic() + 5.0
        if time.monotonic() > kill_at:
            _signal_group(browser, signal.SIGKILL)
            for child in _children():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
        time.sleep(0.02)
    if os.getppid() != parent:
        shutil.rmtree(root, ignore_errors=True)
    if status is None:
        return 1
    return status if status >= 0 else 128 - status


def _shutdown(proc: subprocess.Popen[bytes], root: str, grace: float) -> None:
    """Let Chromium's reaper finish within `grace` seconds, else stop it; delete the files."""
    try:
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.terminate()  # the reaper stops Chromium and all its helpers, then exits
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _log_tail(root: Path) -> str:
    try:
        text = (root / "chromium.log").read_text(errors="replace")
    except OSError:
        return ""
    return "\n--- chromium's output ---\n" + text[-2000:]


class Browser:
    """One headless Chromium with one page, driven over CDP. Use `Browser.start()` as a context
    manager; leaving it closes the browser and removes its profile, whatever happened inside."""

    def __init__(self, proc: subprocess.Popen[bytes], root: Path, ws: websocket.WebSocket) -> None:
        self._proc = proc
        self._root = root
        self._ws = ws
        self._next_id = 0
        self._events: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        self._requests: list[str] = []
        self._errors: list[str] = []
        self._closed = False
        # A safety net for a Browser that is never closed: it still goes when collected or at exit.
        self._finalizer = weakref.finalize(self, _shutdown, proc, str(root), 0.0)

    # --- starting and stopping -----------------------------------------------------------------

    @classmethod
    def start(
        cls,
        executable: str | None = None,
        *,
        width: int = 1280,
        height: int = 900,
        timeout: float = START_TIMEOUT,
    ) -> Browser:
        """Launch Chromium and attach to its blank page."""
        executable = executable or chromium_path()
        if executable is None:
            raise RuntimeError("no Chromium found; install it with `apt-get install chromium`")
        root = Path(tempfile.mkdtemp(prefix="cdp-browser-"))
        profile = root / "profile"
        profile.mkdir()
        command = [
            sys.executable,
            "-I",
            str(Path(__file__).resolve()),
            "--reap",
            str(root),
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--proxy-server=127.0.0.1:9",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            "about:blank",
        ]
        # Crash reports and caches go under ~/.config and ~/.cache unless told otherwise.
        env = {
            **os.environ,
            "XDG_CONFIG_HOME": str(root / "config"),
            "XDG_CACHE_HOME": str(root / "cache"),
        }
        with open(root / "chromium.log", "wb") as log:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + timeout
            port = cls._wait_port(proc, profile / "DevToolsActivePort", deadline, root)
            url = cls._page_socket_url(port, deadline, root)
            ws = websocket.create_connection(
                url,
                timeout=max(1.0, deadline - time.monotonic()),
                suppress_origin=True,
                http_no_proxy=["127.0.0.1"],
            )
        except BaseException:
            _shutdown(proc, str(root), 0.0)
            raise
        return cls(proc, root, ws)

    @staticmethod
    def _wait_port(proc: subprocess.Popen[bytes], file: Path, deadline: float, root: Path) -> int:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"Chromium exited with {proc.returncode} while starting" + _log_tail(root)
                )
            with contextlib.suppress(OSError):
                first = file.read_text().split("\n", 1)[0].strip()
                if first.isdigit():
                    return int(first)
            if time.monotonic() > deadline:
                raise TimeoutError(f"Chromium wrote no {file.name} in time" + _log_tail(root))
            time.sleep(0.05)

    @staticmethod
    def _page_socket_url(port: int, deadline: float, root: Path) -> str:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while True:
            with contextlib.suppress(OSError, ValueError):
                with opener.open(f"http://127.0.0.1:{port}/json", timeout=2) as response:
                    targets: list[dict[str, Any]] = json.load(response)
                for target in targets:
                    if target.get("type") == "page" and target.get("webSocketDebuggerUrl"):
                        return str(target["webSocketDebuggerUrl"])
            if time.monotonic() > deadline:
                raise TimeoutError(f"Chromium on port {port} showed no page" + _log_tail(root))
            time.sleep(0.05)

    def close(self) -> None:
        """Ask Chromium to quit, make sure it has, and delete its profile. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            with contextlib.suppress(Exception):
                # Chromium may drop the socket before it answers; either way it is on its way out.
                self.send("Browser.close", timeout=2.0)
            with contextlib.suppress(Exception):
                self._ws.close()
        finally:
            self._finalizer.detach()
            _shutdown(self._proc, str(self._root), 5.0)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- the protocol --------------------------------------------------------------------------

    def send(
        self, method: str, params: dict[str, Any] | None = None, timeout: float = COMMAND_TIMEOUT
    ) -> dict[str, Any]:
        """Send one CDP command and return its result, keeping the events that arrive first."""
        self._next_id += 1
        ident = self._next_id
        self._ws.send(json.dumps({"id": ident, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(deadline, f"an answer to {method}")
            if message.get("id") != ident:
                continue  # an event (already kept) or a late answer to an abandoned command
            if "error" in message:
                error = message["error"]
                raise CDPError(f"{method} failed: {error.get('message')} ({error.get('data', '')})")
            result: dict[str, Any] = message.get("result", {})
            return result

    def wait_event(self, method: str, timeout: float = LOAD_TIMEOUT) -> dict[str, Any]:
        """The params of the oldest unclaimed event `method`, waiting for one if none came yet."""
        deadline = time.monotonic() + timeout
        while not self._events[method]:
            self._receive(deadline, f"the event {method}")
        return self._events[method].pop(0)

    def _receive(self, deadline: float, waiting_for: str) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"Chromium sent no {waiting_for} in time")
        self._ws.settimeout(remaining)
        try:
            raw = self._ws.recv()
        except websocket.WebSocketTimeoutException:
            raise TimeoutError(f"Chromium sent no {waiting_for} in time") from None
        message: dict[str, Any] = json.loads(raw)
        method = message.get("method")
        if isinstance(method, str):
            params: dict[str, Any] = message.get("params", {})
            self._events[method].append(params)
            if method == "Network.requestWillBeSent":
                self._requests.append(str(params["request"]["url"]))
            elif method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                self._errors.append(_exception_text(details))
        return message

    def _flush(self) -> None:
        """Read every event Chromium sent before now (it answers commands in order)."""
        self.send("Runtime.evaluate", {"expression": "0"})

    # --- what tests use ------------------------------------------------------------------------

    def open(self, path: Path, timeout: float = LOAD_TIMEOUT) -> None:
        """Load a local file and wait until it has fully loaded."""
        self.send("Page.enable")
        self.send("Network.enable")
        self.send("Runtime.enable")
        self._flush()
        self._events.clear()
        self._requests.clear()
        self._errors.clear()
        result = self.send("Page.navigate", {"url": path.resolve().as_uri()})
        if result.get("errorText"):
            raise AssertionError(f"could not open {path}: {result['errorText']}")
        self.wait_event("Page.loadEventFired", timeout)
        self.wait_for("document.readyState === 'complete'", timeout)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises are awaited)."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            text = _exception_text(result["exceptionDetails"])
            raise AssertionError(f"the page threw evaluating {expression!r}: {text}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 5.0) -> Any:
        """Evaluate `expression` until it is truthy, and return that value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"{expression!r} was still {value!r} after {timeout} s")
            time.sleep(0.02)

    def click(self, selector: str) -> None:
        """A real left click at the centre of the first element `selector` matches."""
        box = self.evaluate(
            f"""(() => {{
                const el = document.querySelector({json.dumps(selector)});
                if (!el) return null;
                el.scrollIntoView({{block: "center", inline: "center"}});
                const r = el.getBoundingClientRect();
                return {{x: r.left + r.width / 2, y: r.top + r.height / 2,
                         width: r.width, height: r.height}};
            }})()"""
        )
        if box is None:
            raise AssertionError(f"no element matches {selector!r}")
        if not box["width"] or not box["height"]:
            raise AssertionError(f"{selector!r} has no size on screen, so it cannot be clicked")
        where = {"x": box["x"], "y": box["y"]}
        self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", **where})
        for kind, buttons in (("mousePressed", 1), ("mouseReleased", 0)):
            self.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "button": "left", "buttons": buttons, "clickCount": 1, **where},
            )

    def press(self, key: str) -> None:
        """A real key press: `key` is a KeyboardEvent.key such as "Tab", "Enter", "j" or " "."""
        modifiers = 0
        if key in _KEYS:
            code, vk, text = _KEYS[key]
        elif len(key) == 1 and key.lower() in _KEYS and key.isupper():
            code, vk, _ = _KEYS[key.lower()]
            text, modifiers = key, _SHIFT
        elif len(key) == 1 and key.isprintable():
            code, vk, text = "", 0, key
        else:
            raise ValueError(f"press() does not know the key {key!r}")
        event: dict[str, Any] = {
            "key": key,
            "code": code,
            "windowsVirtualKeyCode": vk,
            "nativeVirtualKeyCode": vk,
            "modifiers": modifiers,
        }
        if text:
            self.send("Input.dispatchKeyEvent", {"type": "keyDown", "text": text, **event})
        else:
            self.send("Input.dispatchKeyEvent", {"type": "rawKeyDown", **event})
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", **event})

    def screenshot(self, path: Path, full_page: bool = True) -> None:
        """Save a PNG of the viewport, or of the whole page."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {
                "x": 0,
                "y": 0,
                "width": math.ceil(size["width"]),
                "height": math.ceil(size["height"]),
                "scale": 1,
            }
            params["captureBeyondViewport"] = True
        data = self.send("Page.captureScreenshot", params)["data"]
        path.write_bytes(base64.b64decode(data))

    def requests(self) -> list[str]:
        """The URL of every request the page has made since `open`, in order."""
        self._flush()
        return list(self._requests)

    def errors(self) -> list[str]:
        """Uncaught exceptions the page has thrown since `open`."""
        self._flush()
        return list(self._errors)


def _exception_text(details: dict[str, Any]) -> str:
    exception = details.get("exception") or {}
    return str(exception.get("description") or details.get("text") or details)


if __name__ == "__main__":
    if sys.argv[1:2] != ["--reap"] or len(sys.argv) < 4:
        sys.exit("usage: python browser.py --reap ROOT CHROMIUM [ARGS...]")
    sys.exit(_reap(sys.argv[2], sys.argv[3:]))
