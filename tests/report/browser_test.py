#!/usr/bin/env python3
"""Real-browser test of `crmcore report` (issue 16).

Writes the CDNOW report in English and Chinese, then loads each page from disk in headless
Chromium with the network disabled and, speaking the DevTools protocol over
--remote-debugging-pipe (standard library only), fails on:
  - any console error, uncaught exception or browser log error (CSP violations included);
  - any request other than the page itself (and data: URLs), and any failed request;
  - a rendered height that is implausible for the page, or sections / charts missing.
It renders each page to PNG (full page) and PDF; they are kept in the artifact folder.

Usage: browser_test.py CRMCORE_BINARY DATA_DIR ARTIFACT_DIR
Exit 77 (ctest's SKIP_RETURN_CODE) when Chromium is not installed
(scripts/install-deps.sh --report installs it).
"""
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
SECTIONS = ["headline", "pyramid", "ladder", "rfm", "model-grids", "holdout", "value",
            "customers", "model"]
# The CDNOW page at 1280 px is about 7,000 px tall; far less means charts collapsed, far
# more means something grew without bound.
MIN_HEIGHT, MAX_HEIGHT = 3000, 30000


class DevTools:
    """A DevTools protocol session over Chromium's --remote-debugging-pipe (fds 3 and 4:
    NUL-separated JSON messages)."""

    def __init__(self, chromium, profile):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def child_fds():
            # Copies first: a pipe end may itself be fd 3 or 4, and dup2 onto itself would
            # keep its close-on-exec flag.
            read_end, write_end = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        args = [
            chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
            "--remote-debugging-pipe", f"--user-data-dir={profile}",
            # Network disabled: every proxied request goes to the discard port and fails,
            # and nothing bypasses the proxy (not even loopback).
            "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update",
            "--disable-default-apps", "--disable-sync", "--hide-scrollbars",
            "--force-device-scale-factor=1", "about:blank",
        ]
        self.proc = subprocess.Popen(args, preexec_fn=child_fds, close_fds=False,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events = []

    def _read_message(self, deadline):
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the pipe: "
                                       + self.proc.stderr.read().decode(errors="replace")[-2000:])
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=None, timeout=60):
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method, timeout=60):
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._read_message(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except Exception:  # the browser may already be gone
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


def check_page(chromium, page, artifacts, name):
    """Loads `page` and returns a list of problems (empty when the page passes)."""
    problems = []
    url = "file://" + os.path.abspath(page)
    with tempfile.TemporaryDirectory() as profile:
        tools = DevTools(chromium, profile)
        try:
            target = tools.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = tools.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                tools.call(f"{domain}.enable", session=session)
            tools.call("Emulation.setDeviceMetricsOverride",
                       {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
                       session=session)
            tools.call("Page.navigate", {"url": url}, session=session)
            tools.wait_for("Page.loadEventFired")

            def evaluate(expression):
                result = tools.call("Runtime.evaluate",
                                    {"expression": expression, "returnByValue": True},
                                    session=session)
                if "exceptionDetails" in result:
                    raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
                return result["result"].get("value")

            height = evaluate("document.documentElement.scrollHeight")
            sections = evaluate("Array.from(document.querySelectorAll('section')).map(s => s.id)")
            charts = evaluate("Array.from(document.querySelectorAll('svg')).filter("
                              "s => s.getBoundingClientRect().height > 50).length")
            svgs = evaluate("document.querySelectorAll('svg').length")
            # The sorting touch works: a click on a header reorders the rows.
            sorted_ok = evaluate(
                "(() => { const t = document.querySelector('#customers table.sortable:last-of-type');"
                " if (!t) return false; const th = t.tHead.rows[0].cells[0];"
                " th.click(); const first = t.tBodies[0].rows[0].cells[0].textContent;"
                " th.click(); return first !== t.tBodies[0].rows[0].cells[0].textContent; })()")

            shot = tools.call("Page.captureScreenshot",
                              {"format": "png", "captureBeyondViewport": True,
                               "clip": {"x": 0, "y": 0, "width": 1280, "height": height,
                                        "scale": 1}},
                              session=session, timeout=120)
            png = base64.b64decode(shot["data"])
            with open(os.path.join(artifacts, f"{name}.png"), "wb") as f:
                f.write(png)
            pdf = base64.b64decode(tools.call("Page.printToPDF", {"printBackground": True},
                                              session=session, timeout=120)["data"])
            with open(os.path.join(artifacts, f"{name}.pdf"), "wb") as f:
                f.write(pdf)
        finally:
            tools.close()

    for event in tools.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            problems.append(f"console error: {params.get('args')}")
        elif method == "Runtime.exceptionThrown":
            problems.append(f"uncaught exception: {params.get('exceptionDetails')}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            problems.append(f"browser log error: {params['entry'].get('text')}")
        elif method == "Network.requestWillBeSent":
            requested = params.get("request", {}).get("url", "")
            if requested != url and not requested.startswith("data:"):
                problems.append(f"request other than the page: {requested}")
        elif method == "Network.loadingFailed":
            problems.append(f"failed request: {params.get('errorText')} ({params.get('requestId')})")

    if not isinstance(height, int) or not MIN_HEIGHT <= height <= MAX_HEIGHT:
        problems.append(f"implausible rendered height {height} px (expected "
                        f"{MIN_HEIGHT}..{MAX_HEIGHT})")
    if sections != SECTIONS:
        problems.append(f"sections {sections}, expected {SECTIONS}")
    if charts < 10 or charts != svgs:
        problems.append(f"{charts} of {svgs} charts rendered taller than 50 px (expected >= 10, all)")
    if not sorted_ok:
        problems.append("clicking a header of the top customers table did not sort it")
    if not png.startswith(b"\x89PNG") or len(png) < 50_000:
        problems.append(f"screenshot of {len(png)} bytes is not a plausible PNG of the page")
    if not pdf.startswith(b"%PDF") or len(pdf) < 20_000:
        problems.append(f"PDF of {len(pdf)} bytes is not a plausible print of the page")
    print(f"{name}: {height} px tall, {svgs} charts, PNG {len(png)} bytes, PDF {len(pdf)} bytes")
    return problems


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    crmcore, data, artifacts = sys.argv[1:]
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("SKIP: chromium not installed (bash scripts/install-deps.sh --report)")
        return SKIP
    os.makedirs(artifacts, exist_ok=True)
    problems = []
    for lang in ("en", "zh"):
        page = os.path.join(artifacts, f"report_{lang}.html")
        run = subprocess.run(
            [crmcore, "report", os.path.join(data, "CDNOW_master.txt"), "--delimiter=whitespace",
             "--date-format=%Y%m%d", "--amount-col=dollar_value", "--observation-end=1997-09-30",
             "--time-unit=weeks", f"--lang={lang}", f"--out={page}"],
            capture_output=True, text=True, check=False)
        if run.returncode != 0:
            problems.append(f"crmcore report --lang={lang} exited {run.returncode}: {run.stderr}")
            continue
        problems += [f"{lang}: {p}" for p in check_page(chromium, page, artifacts, f"report_{lang}")]
    for problem in problems:
        print("FAIL:", problem)
    print(f"artifacts in {artifacts}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
