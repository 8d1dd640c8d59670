"""The handouts' site in a real browser: every page loads and every link works.

handouts/render.py makes the site in tests/logs/handouts/site; headless
Chromium, driven through its DevTools protocol on a pipe (no extra Python
package), then opens the index and every page in turn and checks that:
- nothing on the page fails to load (style sheet, images) and no script
  error or console error appears;
- every link to a file leads to one that exists, and every #fragment to an
  element of that page with this id;
- every image has loaded, and no figure or code block is wider than the
  text column at a desktop window's width (1280 pixels), so figures read
  without scrolling;
and saves a screenshot of the whole page as tests/logs/handouts/<page>.png.
Links to other sites are listed in the log, not followed (no network).

tests/run_tests.py runs this as the check "handouts"; run it alone with
python3 tests/handouts_check.py.
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
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from typing import Any, Dict, List, Optional, Set, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RENDER = os.path.join(ROOT, "handouts", "render.py")
WIDTH, HEIGHT = 1280, 900
BROWSERS = ("chromium", "chromium-browser", "google-chrome")

# What the page itself reports, collected in one call: its links, images
# that did not load, and blocks of code or figures wider than their box.
PAGE_FACTS = """JSON.stringify({
  links: Array.from(document.querySelectorAll('a[href]'), a => a.href),
  brokenImages: Array.from(document.images).filter(
      img => !img.complete || img.naturalWidth === 0).map(img => img.src),
  wideBlocks: Array.from(document.querySelectorAll('main pre')).filter(
      pre => pre.scrollWidth > pre.clientWidth + 1).map(
      pre => pre.textContent.split('\\n').find(line => line.trim()) || ''),
  pageWidth: document.documentElement.scrollWidth,
  title: document.title
})"""


class SiteProblem(Exception):
    """The site is wrong; `details` lists every problem found."""

    def __init__(self, reason: str, details: str = "") -> None:
        super().__init__(reason)
        self.details = details


class Browser:
    """Headless Chromium driven through the DevTools protocol on a pipe.

    Chromium reads commands on its file descriptor 3 and writes answers and
    events on 4, each message a JSON text ended by a NUL byte.
    """

    def __init__(self, binary: str, profile: str, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.next_id = 0
        self.buffer = b""
        self.events: List[Dict[str, Any]] = []
        commands_read, self.commands = os.pipe()
        self.answers, answers_write = os.pipe()
        arguments = ["--headless=new", "--remote-debugging-pipe", "--no-sandbox",
                     "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                     "--disable-extensions", "--disable-background-networking",
                     "--user-data-dir=" + profile, "--window-size={},{}".format(WIDTH, HEIGHT),
                     "--hide-scrollbars", "about:blank"]
        # The shell puts the pipes on descriptors 3 and 4 for the browser.
        script = 'exec "$0" "$@" 3<&{} 4>&{}'.format(commands_read, answers_write)
        self.process = subprocess.Popen(["sh", "-c", script, binary] + arguments,
                                        pass_fds=(commands_read, answers_write),
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        os.close(commands_read)
        os.close(answers_write)

    def close(self) -> None:
        """Ask the browser to quit; kill it if it does not."""
        try:
            self.send("Browser.close", timeout=5)
        except (SiteProblem, OSError):
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self.commands, self.answers):
            try:
                os.close(fd)
            except OSError:
                pass

    def _message(self, deadline: float) -> Dict[str, Any]:
        """The next message from the browser."""
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.answers], [], [], max(0.0, left))
            if not ready:
                raise SiteProblem("the browser did not answer within {:g} s"
                                  .format(self.timeout))
            chunk = os.read(self.answers, 65536)
            if not chunk:
                raise SiteProblem("the browser quit (is it installed and working? "
                                  "try: chromium --headless=new --dump-dom about:blank)")
            self.buffer += chunk
        text, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(text.decode("utf-8"))

    def send(self, method: str, params: Optional[Dict[str, Any]] = None,
             session: Optional[str] = None, timeout: Optional[float] = None) -> Dict[str, Any]:
        """Send a command and wait for its answer; events meanwhile are kept."""
        self.next_id += 1
        message: Dict[str, Any] = {"id": self.next_id, "method": method,
                                   "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            answer = self._message(deadline)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise SiteProblem("{} failed: {}".format(method, answer["error"]))
                return answer.get("result", {})
            if "method" in answer:
                self.events.append(answer)

    def wait_event(self, method: str, session: str) -> None:
        """Wait until the browser sends the event method for session."""
        deadline = time.monotonic() + self.timeout
        while True:
            for event in self.events:
                if event.get("method") == method and event.get("sessionId") == session:
                    return
            self.events.append(self._message(deadline))


class IdCollector(HTMLParser):
    """The id attributes of an HTML page, for checking #fragments."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: Set[str] = set()

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)


def page_ids(path: str, cache: Dict[str, Set[str]]) -> Set[str]:
    """The ids in the HTML file at path (remembered in cache)."""
    if path not in cache:
        collector = IdCollector()
        with open(path, encoding="utf-8", errors="replace") as file:
            collector.feed(file.read())
        cache[path] = collector.ids
    return cache[path]


def link_problem(url: str, cache: Dict[str, Set[str]]) -> Optional[str]:
    """Why a link of the site does not resolve, or None if it does."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "file":
        return None
    path = urllib.request.url2pathname(parts.path)
    if not os.path.exists(path):
        return "{} does not exist".format(path)
    if parts.fragment and path.endswith(".html"):
        fragment = urllib.parse.unquote(parts.fragment)
        if fragment not in page_ids(path, cache):
            return "{} has no element with id '{}'".format(os.path.basename(path), fragment)
    return None


def find_browser() -> str:
    """The Chromium binary: $CHROMIUM or the first one on PATH."""
    for name in ((os.environ.get("CHROMIUM"),) + BROWSERS):
        if name and shutil.which(name):
            return shutil.which(name) or name
    raise SiteProblem("no headless browser found: install Chromium (Debian: sudo "
                      "apt-get install chromium) or name one in $CHROMIUM")


def render_site(site: str) -> str:
    """Run handouts/render.py into site; its output, or SiteProblem."""
    if os.path.isdir(site):
        shutil.rmtree(site)
    proc = subprocess.run([sys.executable, RENDER, "--out", site], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=120)
    if proc.returncode != 0:
        raise SiteProblem("handouts/render.py failed", proc.stdout)
    if "warning:" in proc.stdout:
        raise SiteProblem("handouts/render.py warned about links", proc.stdout)
    return proc.stdout


def check_page(browser: Browser, session: str, path: str, shot: str,
               cache: Dict[str, Set[str]]) -> Tuple[List[str], List[str]]:
    """Open one page; return its problems and its links to other sites."""
    browser.events.clear()
    url = "file://" + urllib.request.pathname2url(path)
    name = os.path.basename(path)
    navigation = browser.send("Page.navigate", {"url": url}, session)
    if navigation.get("errorText"):
        return ["{}: the page does not open: {}".format(name, navigation["errorText"])], []
    browser.wait_event("Page.loadEventFired", session)
    problems = []
    for event in browser.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Network.loadingFailed":
            problems.append("{}: a resource failed to load: {}".format(
                name, params.get("errorText")))
        elif method == "Runtime.exceptionThrown":
            problems.append("{}: script error: {}".format(
                name, params.get("exceptionDetails", {}).get("text")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            problems.append("{}: {} ({})".format(name, entry.get("text"), entry.get("url", "")))
    facts = json.loads(browser.send("Runtime.evaluate", {
        "expression": PAGE_FACTS, "returnByValue": True}, session)["result"]["value"])
    external = []
    for link in facts["links"]:
        if not link.startswith("file:"):
            external.append(link)
            continue
        trouble = link_problem(link, cache)
        if trouble:
            problems.append("{}: broken link {}: {}".format(name, link, trouble))
    problems += ["{}: an image did not load: {}".format(name, src)
                 for src in facts["brokenImages"]]
    problems += ["{}: a code block or figure is wider than the text column: {!r}"
                 .format(name, line.strip()[:60]) for line in facts["wideBlocks"]]
    if facts["pageWidth"] > WIDTH:
        problems.append("{}: the page is {} pixels wide, wider than the window ({})"
                        .format(name, facts["pageWidth"], WIDTH))
    if not facts["title"]:
        problems.append("{}: the page has no title".format(name))
    metrics = browser.send("Page.getLayoutMetrics", session=session)
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    image = browser.send("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": WIDTH, "height": min(size["height"], 16000),
                 "scale": 1}}, session)
    with open(shot, "wb") as file:
        file.write(base64.b64decode(image["data"]))
    return problems, external


def check(log_dir: str) -> str:
    """Render the site into log_dir, open every page; the summary, or SiteProblem."""
    os.makedirs(log_dir, exist_ok=True)
    site = os.path.join(log_dir, "site")
    summary = [render_site(site).strip()]
    binary = find_browser()
    pages = ["index.html"] + sorted(name for name in os.listdir(site)
                                    if name.endswith(".html") and name != "index.html")
    problems: List[str] = []
    cache: Dict[str, Set[str]] = {}
    with tempfile.TemporaryDirectory(prefix="kiln-chromium-") as profile:
        browser = Browser(binary, profile)
        try:
            target = browser.send("Target.createTarget", {"url": "about:blank"})
            session = browser.send("Target.attachToTarget", {
                "targetId": target["targetId"], "flatten": True})["sessionId"]
            for method in ("Page.enable", "Network.enable", "Runtime.enable", "Log.enable"):
                browser.send(method, session=session)
            browser.send("Emulation.setDeviceMetricsOverride", {
                "width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1,
                "mobile": False}, session)
            for page in pages:
                shot = os.path.join(log_dir, page[:-len(".html")] + ".png")
                found, external = check_page(browser, session, os.path.join(site, page),
                                             shot, cache)
                problems += found
                summary.append("{}: {} problem(s); screenshot {}{}".format(
                    page, len(found), os.path.relpath(shot, ROOT),
                    "; links to other sites (not followed): " + ", ".join(external)
                    if external else ""))
        finally:
            browser.close()
    summary += problems
    if problems:
        raise SiteProblem("{} problem(s) on the handouts' site, first: {}".format(
            len(problems), problems[0]), "\n".join(summary))
    return "\n".join(summary)


def main() -> int:
    log_dir = os.path.join(ROOT, "tests", "logs", "handouts")
    try:
        print(check(log_dir))
    except SiteProblem as problem:
        print("FAIL: {}\n{}".format(problem, problem.details), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
