"""A small Chrome DevTools Protocol client over --remote-debugging-pipe (no
npm, no websocket module): Chromium reads commands on its fd 3 and writes
replies and events on its fd 4, each a JSON text ended by a NUL byte.

    with Browser(chromium) as b:
        p = b.page("file:///…/page.html")   # a tab, navigated, load event seen
        p.eval("document.title")            # Runtime.evaluate, by value
        p.key("Tab")                        # Input.dispatchKeyEvent down + up
        pdf = p.pdf()                       # Page.printToPDF, bytes
"""
import base64
import json
import os
import select
import subprocess
import time

KEYS = {  # key, code, windowsVirtualKeyCode, text
    "Tab": ("Tab", "Tab", 9, None),
    "Enter": ("Enter", "Enter", 13, "\r"),
    " ": (" ", "Space", 32, " "),
}


class CdpError(Exception):
    pass


class Browser:
    def __init__(self, chromium, timeout=60):
        self.timeout = timeout
        r_to_chrome, w_to_chrome = os.pipe()
        r_from_chrome, w_from_chrome = os.pipe()
        # Chromium's fd 3 is what we write into, its fd 4 what we read from
        def child():
            # through fresh copies: a pipe end already on fd 3 or 4 would stay close-on-exec
            a, b = os.dup(r_to_chrome), os.dup(w_from_chrome)
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--no-first-run", "--no-default-browser-check", "--hide-scrollbars", "--window-size=1280,900",
             "about:blank"],
            close_fds=False, preexec_fn=child,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(r_to_chrome)
        os.close(w_from_chrome)
        self.w, self.r = w_to_chrome, r_from_chrome
        self.buf = b""
        self.next_id = 0
        self.events = []

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.w, self.r):
            try:
                os.close(fd)
            except OSError:
                pass

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CdpError("timeout waiting for Chromium")
            ready, _, _ = select.select([self.r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise CdpError("Chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None):
        self.next_id += 1
        mid = self.next_id
        m = {"id": mid, "method": method, "params": params or {}}
        if session:
            m["sessionId"] = session
        os.write(self.w, json.dumps(m).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            r = self._read_message(deadline)
            if r.get("id") == mid:
                if "error" in r:
                    raise CdpError(f"{method}: {r['error']}")
                return r.get("result", {})
            self.events.append(r)

    def wait_event(self, method, session=None, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        for i, e in enumerate(self.events):
            if e.get("method") == method and (session is None or e.get("sessionId") == session):
                return self.events.pop(i)
        while True:
            e = self._read_message(deadline)
            if e.get("method") == method and (session is None or e.get("sessionId") == session):
                return e
            self.events.append(e)

    def page(self, url, width=1280, height=900):
        t = self.call("Target.createTarget", {"url": "about:blank"})
        s = self.call("Target.attachToTarget", {"targetId": t["targetId"], "flatten": True})["sessionId"]
        p = Page(self, s, t["targetId"])
        p.call("Page.enable")
        p.call("Emulation.setDeviceMetricsOverride",
               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.events = [e for e in self.events if e.get("sessionId") != s]
        p.call("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired", s)
        return p


class Page:
    def __init__(self, browser, session, target):
        self.b, self.s, self.target = browser, session, target

    def call(self, method, params=None):
        return self.b.call(method, params, self.s)

    def eval(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise CdpError(f"script: {r['exceptionDetails'].get('exception', {}).get('description', r)}")
        return r["result"].get("value")

    def key(self, name, shift=False):
        key, code, vk, text = KEYS[name]
        base = {"key": key, "code": code, "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk,
                "modifiers": 8 if shift else 0}
        down = dict(base, type="keyDown" if text else "rawKeyDown")
        if text:
            down["text"] = text
        self.call("Input.dispatchKeyEvent", down)
        self.call("Input.dispatchKeyEvent", dict(base, type="keyUp"))

    def pdf(self):
        r = self.call("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": False})
        return base64.b64decode(r["data"])

    def close(self):
        self.b.call("Target.closeTarget", {"targetId": self.target})
