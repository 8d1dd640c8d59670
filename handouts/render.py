#!/usr/bin/env python3
"""Render the handouts as a small static web site (`make handouts`).

Every handout (handouts/*.md) becomes a page of its own in handouts/site/,
through pandoc, beside an index that lists the labs in order with their
titles and then the other pages. The labs come from the lab catalogue in the
instructor's tree (only the released ones, unless --unreleased) and from
conf/labs.json in a student's tree, which lists the labs it holds.

On the way from Markdown to HTML:
- a link to another handout (kernel.md#layers) points to its page
  (kernel.html#layers), and a link to a file of the tree (../kernel/vm.c)
  still reaches it from the site's folder;
- fenced code with a language (```c) is highlighted by pandoc, and a shell
  session (a block whose first line starts with "$") shows its commands in
  bold, apart from what they print;
- the handout's first heading becomes the page's title, and its sections
  the page's table of contents.

Usage: python3 handouts/render.py [--out DIR] [--unreleased]
"""

import argparse
import concurrent.futures
import html
import json
import os
import re
import shutil
import subprocess
import sys
from typing import Any, Dict, List, NamedTuple, Optional, Sequence

HANDOUTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HANDOUTS)
THEME = os.path.join(HANDOUTS, "theme")
TEMPLATE = os.path.join(THEME, "page.html")
STYLE = "style.css"
DEFAULT_OUT = os.path.join(HANDOUTS, "site")
CONF_LABS = os.path.join(ROOT, "conf", "labs.json")

# Pandoc's Markdown, without "smart" quotes and dashes: students copy
# commands such as `make grade GRADEFLAGS=--list` from the pages.
FROM = "markdown-smart"
HIGHLIGHT_STYLE = "tango"
# A URL with a scheme (https:, mailto:) or a fragment of the same page.
NOT_A_FILE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|#)")


class RenderError(Exception):
    """Something that stops the site from being made; the message says what."""


class LabEntry(NamedTuple):
    """A lab as the index shows it."""
    number: int
    name: str
    title: str
    handout: str  # relative to the tree's root, e.g. handouts/trace.md
    released: bool  # marked available in the catalogue
    listed: bool  # on the site: released, or --unreleased asked for it


class Page(NamedTuple):
    """One handout and the page it becomes."""
    source: str  # file name in handouts/, e.g. trace.md
    title: str
    lab: Optional[LabEntry]
    instructor_only: bool

    @property
    def html_name(self) -> str:
        """The page's file name in the site."""
        return os.path.splitext(self.source)[0] + ".html"


# ---- which pages ----

def catalogue_labs(unreleased: bool) -> Optional[Dict[str, Any]]:
    """The labs and instructor-only paths of the instructor's catalogue, or
    None in a tree without one."""
    if not os.path.isfile(os.path.join(ROOT, "labs", "catalogue.json")):
        return None
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    from labs.catalogue import load  # the instructor's tree only
    from labs.errors import ToolError
    try:
        catalogue = load(ROOT, unreleased=unreleased)
    except ToolError as error:
        raise RenderError(str(error)) from None
    labs = [LabEntry(lab.number, lab.name, lab.title, lab.handout,
                     lab.available, catalogue.is_available(lab))
            for lab in catalogue.labs]
    return {"labs": labs, "instructor_only": catalogue.instructor_only}


def student_labs() -> List[LabEntry]:
    """The labs listed in conf/labs.json, which a student tree carries."""
    try:
        with open(CONF_LABS, encoding="utf-8") as file:
            data = json.load(file)
        return [LabEntry(int(lab["number"]), lab["name"], lab["title"],
                         lab["handout"], True, True) for lab in data["labs"]]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise RenderError("{} cannot be read: {}".format(
            os.path.relpath(CONF_LABS), error)) from None


def first_heading(path: str) -> Optional[str]:
    """The text of the first level-1 heading of a Markdown file."""
    with open(path, encoding="utf-8") as file:
        for line in file:
            if line.startswith("# "):
                return line[2:].strip()
    return None


def find_pages(unreleased: bool) -> List[Page]:
    """The pages of the site: released labs in order, then the rest by name."""
    instructor = catalogue_labs(unreleased)
    labs = instructor["labs"] if instructor else student_labs()
    hidden = instructor["instructor_only"] if instructor else []
    sources = sorted(name for name in os.listdir(HANDOUTS) if name.endswith(".md"))
    pages = []
    lab_sources = set()
    for lab in labs:
        source = os.path.relpath(os.path.join(ROOT, lab.handout), HANDOUTS)
        lab_sources.add(source)
        if lab.listed and source in sources:
            pages.append(Page(source, lab.title, lab, False))
    for source in sources:
        if source in lab_sources:
            continue
        title = first_heading(os.path.join(HANDOUTS, source)) or source[:-3]
        pages.append(Page(source, title, None, "handouts/" + source in hidden))
    return pages


# ---- pandoc and its document tree ----

def pandoc(arguments: Sequence[str], stdin: str) -> str:
    """Run pandoc; its output, or a RenderError with its complaint."""
    try:
        proc = subprocess.run(["pandoc"] + list(arguments), input=stdin,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True)
    except FileNotFoundError:
        raise RenderError("pandoc is not installed; install it (Debian/Ubuntu: "
                          "sudo apt-get install pandoc; macOS: brew install "
                          "pandoc) and try again") from None
    if proc.returncode != 0:
        raise RenderError("pandoc failed: " + proc.stderr.strip())
    return proc.stdout


class Converter:
    """Rewrites one handout's document tree for the site."""

    def __init__(self, page: Page, pages: Sequence[Page], out: str) -> None:
        self.page = page
        self.by_source = {p.source: p for p in pages}
        self.out = out
        self.warnings: List[str] = []

    def target(self, url: str) -> str:
        """Where a link of the handout points to from the site."""
        if not url or NOT_A_FILE.match(url):
            return url
        path, hash_mark, fragment = url.partition("#")
        if path.endswith(".md") and "/" not in path:
            if path in self.by_source:
                return self.by_source[path].html_name + hash_mark + fragment
            self.warnings.append("{} links to {}, which has no page on this site"
                                 .format(self.page.source, path))
            return url
        # Any other file of the tree, reached from wherever the site is.
        absolute = os.path.normpath(os.path.join(HANDOUTS, path))
        return os.path.relpath(absolute, self.out).replace(os.sep, "/") + \
            hash_mark + fragment

    def block(self, block: Dict[str, Any]) -> Dict[str, Any]:
        """A code block that shows a shell session, as HTML; others as they are."""
        if block["t"] != "CodeBlock":
            return block
        (_, classes, _), text = block["c"]
        if classes or not text.startswith("$"):
            return block
        lines = []
        for line in text.split("\n"):
            escaped = html.escape(line, quote=False)
            command = line == "$" or line.startswith("$ ")
            lines.append('<span class="command">{}</span>'.format(escaped)
                         if command else escaped)
        return {"t": "RawBlock",
                "c": ["html", '<pre class="session"><code>{}</code></pre>'
                      .format("\n".join(lines))]}

    def walk(self, node: Any) -> Any:
        """The tree with links, images and session blocks rewritten."""
        if isinstance(node, list):
            return [self.walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        if node.get("t") == "CodeBlock":
            return self.block(node)
        if node.get("t") in ("Link", "Image"):
            attr, inlines, (url, title) = node["c"]
            return {"t": node["t"], "c": [attr, self.walk(inlines),
                                          [self.target(url), title]]}
        return {key: self.walk(value) for key, value in node.items()}

    def document(self, tree: Dict[str, Any]) -> Dict[str, Any]:
        """The rewritten tree, its first heading moved into the title."""
        blocks = tree["blocks"]
        for index, block in enumerate(blocks):
            if block["t"] == "Header" and block["c"][0] == 1:
                tree["meta"]["title"] = {"t": "MetaInlines", "c": block["c"][2]}
                blocks = blocks[:index] + blocks[index + 1:]
                break
        tree["blocks"] = self.walk(blocks)
        return tree


# ---- the site ----

def neighbours(page: Page, pages: Sequence[Page]) -> List[str]:
    """Pandoc variables for the links to the previous and next lab."""
    labs = [p for p in pages if p.lab is not None]
    if page not in labs:
        return []
    index = labs.index(page)
    variables = []
    for name, other in (("prev", labs[index - 1] if index else None),
                        ("next", labs[index + 1] if index + 1 < len(labs) else None)):
        if other is not None:
            variables += ["-V", "{}_href={}".format(name, other.html_name),
                          "-V", "{}_title=Lab {}: {}".format(name, other.lab.number,
                                                             other.lab.name)]
    return variables


def render_page(page: Page, pages: Sequence[Page], out: str) -> List[str]:
    """Write one page; return the warnings about its links."""
    with open(os.path.join(HANDOUTS, page.source), encoding="utf-8") as file:
        markdown = file.read()
    tree = json.loads(pandoc(["--from", FROM, "--to", "json"], markdown))
    converter = Converter(page, pages, out)
    tree = converter.document(tree)
    title = page.title if page.lab is None else \
        "Lab {}: {}".format(page.lab.number, page.lab.title)
    arguments = ["--from", "json", "--to", "html5", "--standalone", "--wrap", "none",
                 "--template", TEMPLATE, "--toc", "--toc-depth", "2",
                 "--highlight-style", HIGHLIGHT_STYLE,
                 "--metadata", "pagetitle=" + title + " - Kiln"]
    arguments += neighbours(page, pages)
    text = pandoc(arguments, json.dumps(tree))
    with open(os.path.join(out, page.html_name), "w", encoding="utf-8") as file:
        file.write(text)
    return converter.warnings


def index_markdown(pages: Sequence[Page]) -> str:
    """The index page, in Markdown: the labs in order, then the other pages."""
    lines = ["# Kiln handouts", ""]
    labs = [p for p in pages if p.lab is not None]
    if labs:
        lines += ["## Labs", ""]
        for page in labs:
            lab = page.lab
            note = "" if lab.released else " *(not released)*"
            lines.append("{}. [{}]({}): branch `{}`{}".format(
                lab.number, lab.title, page.source, lab.name, note))
        lines.append("")
        lines += ["Each lab starts from the reference solution of the labs "
                  "before it.", ""]
    others = [p for p in pages if p.lab is None]
    if others:
        lines += ["## Other pages", ""]
        for page in others:
            note = " *(instructors only: not in student trees)*" \
                if page.instructor_only else ""
            lines.append("- [{}]({}){}".format(page.title, page.source, note))
        lines.append("")
    return "\n".join(lines)


def render_index(pages: Sequence[Page], out: str) -> List[str]:
    """Write index.html; return the warnings about its links (none)."""
    index = Page("index.md", "Kiln handouts", None, False)
    tree = json.loads(pandoc(["--from", FROM, "--to", "json"], index_markdown(pages)))
    tree = Converter(index, pages, out).document(tree)
    text = pandoc(["--from", "json", "--to", "html5", "--standalone", "--wrap", "none",
                   "--template", TEMPLATE, "--metadata",
                   "pagetitle=Kiln handouts", "-V", "is_index=1"], json.dumps(tree))
    with open(os.path.join(out, "index.html"), "w", encoding="utf-8") as file:
        file.write(text)
    return []


def render(out: str, unreleased: bool = False) -> List[str]:
    """Make the site in out; return the warnings. Raises RenderError."""
    pages = find_pages(unreleased)
    os.makedirs(out, exist_ok=True)
    # Pages of an earlier run whose handout is gone must not linger.
    for name in os.listdir(out):
        if name.endswith(".html"):
            os.remove(os.path.join(out, name))
    shutil.copyfile(os.path.join(THEME, STYLE), os.path.join(out, STYLE))
    # Each page is two runs of pandoc of its own: run them side by side.
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        done = [pool.submit(render_page, page, pages, out) for page in pages]
        done.append(pool.submit(render_index, pages, out))
        return [warning for future in done for warning in future.result() or []]


def shown(path: str) -> str:
    """path relative to the working directory when it lies beneath it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        description="Render handouts/*.md as a static web site.")
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                        help="the site's folder (default: handouts/site)")
    parser.add_argument("--unreleased", action="store_true",
                        help="also render the labs not released yet "
                             "(instructor's tree)")
    options = parser.parse_args(argv)
    try:
        warnings = render(options.out, options.unreleased)
    except RenderError as error:
        print(error, file=sys.stderr)
        return 1
    for warning in warnings:
        print("warning: " + warning, file=sys.stderr)
    print("Wrote the handouts to {}; open {} in a browser.".format(
        shown(options.out), shown(os.path.join(options.out, "index.html"))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
