"""The rendered book as a reader sees it, in a real Chromium: every page of the table of contents
loads without JavaScript errors, its images have loaded, its equations are typeset, its links
and anchors resolve, it offers its notebook for download, and the search finds the chapters.

Run by ``make test`` after the book is built (``make book-check``); ``COURSE_BOOK_HTML`` points
at another build. Screenshots land in ``_build/screenshots/`` for a reviewer to look at.
"""

from __future__ import annotations

import functools
import html as entities
import http.server
import os
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml

from tests.browser.chromium import INSTALL_HINT, browser_required, find_browser

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("COURSE_BOOK_HTML", ROOT / "_build" / "committed" / "_build" / "html"))
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM_FLAGS = [  # as root in a container, on a closed network: no sandbox, no background calls
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def toc_pages() -> list[str]:
    """Every page of the book, as paths relative to the HTML root (``book/05_lstm.html``)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [entry["file"] for part in toc["parts"] for entry in part["chapters"]]
    return [f"{name}.html" for name in files]


PAGES = toc_pages()
SCREENSHOT_PAGES = {"book/intro.html", "book/05_lstm.html", "book/07_forecasting.html"}


class _Links(HTMLParser):
    """Collects every ``href``/``src`` and every element ``id`` of one HTML page."""

    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        for name in ("href", "src"):
            if attributes.get(name) and not (tag == "link" and attributes.get("rel") == "preconnect"):
                self.links.append(attributes[name])


@functools.cache
def parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def serve(folder: Path):
    """Serve ``folder`` on a free loopback port in a background thread; returns the server."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="session")
def site() -> str:
    if not (HTML / PAGES[0]).is_file():
        pytest.fail(f"No rendered book at {HTML}. Build it first: `make book-check` (or `make book`).")
    server = serve(HTML)
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output readable
        pass


@pytest.fixture(scope="session")
def browser():
    executable = find_browser()
    if executable is None:
        message = f"No Chromium or Chrome found: {INSTALL_HINT}."
        if browser_required():
            pytest.fail(message + " CI=true requires the browser checks (.ci/run installs it).")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def open_page(browser, url: str):
    """Load ``url``, wait for MathJax to finish, and return the page with the JavaScript
    errors it logged."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfailed", lambda request: errors.append(f"failed to load {request.url}"))
    page.goto(url, wait_until="load")
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    page.wait_for_load_state("networkidle")
    return page, errors


def page_problems(page, path: str, errors: list[str]) -> list[str]:
    """What a reader would find wrong on a loaded page: script errors, images that did not
    load, equations MathJax left as TeX source."""
    problems = [f"JavaScript error: {error}" for error in errors]
    broken = page.evaluate(
        "() => Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src.slice(0, 80))"
    )
    problems += [f"image did not load: {src}" for src in broken]
    untypeset = page.evaluate(
        "() => Array.from(document.querySelectorAll('.math')).filter(m => !m.querySelector('mjx-container')).length"
    )
    if untypeset:
        problems.append(f"{untypeset} equations left untypeset")
    return problems


def dangling_links(html_root: Path, path: str) -> list[str]:
    """Internal links of one page whose file or anchor does not exist."""
    page = html_root / path
    dangling = []
    for link in parse(page).links:
        parts = urlsplit(link)
        if parts.scheme or link.startswith(("mailto:", "javascript:", "data:", "//")):
            continue
        target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            dangling.append(link)
        elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in parse(target).ids:
            dangling.append(link)
    return dangling


class ReaderView(NamedTuple):
    """What one load of a page showed: its problems, its figures' alt texts, its code lines
    wider than their cells, and how many equations MathJax typeset."""

    problems: list[str]
    alts: list[str]
    wide: list[str]
    equations: int


@pytest.fixture(scope="session")
def reader_view(browser, site):
    """Each page loaded once, however many tests look at it (a load waits for MathJax and
    for the network to go quiet, so loading every page twice doubled this test's time)."""
    views = {}

    def view(path: str) -> ReaderView:
        if path not in views:
            page, errors = open_page(browser, site + path)
            try:
                problems = page_problems(page, path, errors)
                alts, wide = figures_and_wide_code(page)
                equations = page.locator("mjx-container").count()
                if path in SCREENSHOT_PAGES:
                    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                    name = path.replace("/", "_").replace(".html", ".png")
                    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
            finally:
                page.close()
            views[path] = ReaderView(problems, alts, wide, equations)
        return views[path]

    return view


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_cleanly_with_images_and_typeset_equations(reader_view, path):
    assert reader_view(path).problems == [], path


def test_the_gate_equations_are_typeset(reader_view):
    assert reader_view("book/05_lstm.html").equations >= 6  # the LSTM's gates and state updates


@pytest.mark.parametrize("path", PAGES)
def test_every_internal_link_and_anchor_resolves(path):
    if not (HTML / path).is_file():
        pytest.fail(f"{path} is in _toc.yml but was not rendered; build the book first.")
    assert dangling_links(HTML, path) == [], path


def test_the_checks_catch_a_broken_image_a_dangling_link_and_untypeset_math(browser, tmp_path):
    """The checks above must be able to fail: break a copy of the book three ways."""
    broken = tmp_path / "html"
    shutil.copytree(HTML, broken)
    chapter = broken / "book" / "05_lstm.html"
    html = chapter.read_text(encoding="utf-8")
    image = re.search(r'<img[^>]*src="([^"]+\.png)"', html).group(1)
    (chapter.parent / image).unlink()
    html, replaced = re.subn(r'src="\.\./_static/mathjax/tex-chtml\.js[^"]*"',
                             'src="../_static/mathjax/missing.js"', html)
    assert replaced == 1, "the MathJax script tag changed: update this test"
    html = html.replace("</article>", '<a href="06_gru.html#no-such-anchor">x</a><a href="nowhere.html">y</a></article>', 1)
    chapter.write_text(html, encoding="utf-8")
    server = serve(broken)
    try:
        page, errors = open_page(browser, f"http://127.0.0.1:{server.server_port}/book/05_lstm.html")
        problems = page_problems(page, "book/05_lstm.html", errors)
        page.close()
    finally:
        server.shutdown()
    assert any(p.startswith("image did not load") for p in problems), problems
    assert any(p.endswith("equations left untypeset") for p in problems), problems
    assert {"06_gru.html#no-such-anchor", "nowhere.html", image} <= set(dangling_links(broken, "book/05_lstm.html"))


@pytest.mark.parametrize("path", [p for p in PAGES if Path(p).stem[:2].isdigit() or Path(p).stem == "errata"])
def test_each_chapter_offers_its_notebook_and_says_how_to_rerun_it(path):
    page = HTML / path
    chapter = Path(path).stem
    downloads = [link for link in parse(page).links if link.endswith(f"{chapter}.ipynb")]
    assert downloads and (page.parent / downloads[0]).resolve().is_file(), f"{path}: no .ipynb download"
    text = " ".join(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")).split())
    assert f"course-lib run --chapter {chapter}" in text, f"{path}: no line on how to rerun it"


CHAPTERS = [p for p in PAGES if Path(p).stem[:2].isdigit()]
FIGURES_AND_CODE = """() => ({
  alts: Array.from(document.querySelectorAll('article img')).map(i => i.alt),
  wide: Array.from(document.querySelectorAll(
      'article div.cell_input pre, article div[class^="highlight-"] pre, ' +
      'article div.cell_output pre'))
    .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
    .map(pre => pre.textContent.split('\\n').reduce((a, b) => a.length >= b.length ? a : b)),
})"""


def figures_and_wide_code(page) -> tuple[list[str], list[str]]:
    """The alt text of every figure of a chapter, and the longest line of every code block or
    printed output that is wider than its box (a reader would have to scroll sideways)."""
    found = page.evaluate(FIGURES_AND_CODE)
    return found["alts"], [line.strip()[:70] for line in found["wide"]]


@pytest.mark.parametrize("path", CHAPTERS)
def test_each_chapter_has_described_figures_and_code_that_fits_its_cells(reader_view, path):
    alts, wide = reader_view(path).alts, reader_view(path).wide
    assert alts, f"{path}: no figure"
    assert all(alt.strip() for alt in alts), f"{path}: {alts.count('')} figure(s) without alt text"
    assert wide == [], f"{path}: code wider than its cell: {wide}"


def test_the_figure_and_width_checks_can_fail(browser, tmp_path):
    """Strip the alt text and widen a code line in a copy of one chapter: both must show."""
    broken = tmp_path / "html"
    shutil.copytree(HTML, broken)
    chapter = broken / "book" / "05_lstm.html"
    html = re.sub(r'(<img[^>]*?) alt="[^"]*"', r'\1 alt=""', chapter.read_text(encoding="utf-8"))
    html = html.replace('<div class="cell_input docutils container">',
                        '<div class="cell_input docutils container"><pre>' + "x" * 300 + "</pre>", 1)
    html = html.replace('<div class="cell_output docutils container">',
                        '<div class="cell_output docutils container"><pre>' + "y" * 300 + "</pre>", 1)
    chapter.write_text(html, encoding="utf-8")
    server = serve(broken)
    try:
        page, _ = open_page(browser, f"http://127.0.0.1:{server.server_port}/book/05_lstm.html")
        alts, wide = figures_and_wide_code(page)
        page.close()
    finally:
        server.shutdown()
    assert alts and not any(alts)
    assert wide and wide[0].startswith("x" * 70) and any(line.startswith("y" * 70) for line in wide)


def test_search_finds_the_lstm_chapter(browser, site):
    page, errors = open_page(browser, site + "search.html?q=LSTM")
    try:
        page.wait_for_selector("#search-results li a", timeout=20_000)
        hits = page.eval_on_selector_all("#search-results li a", "links => links.map(a => a.href)")
        assert any(urljoin(site, "book/05_lstm.html") in hit for hit in hits), hits
        assert errors == []
    finally:
        page.close()


def test_pages_are_light():
    sizes = {path: (HTML / path).stat().st_size for path in PAGES}
    heaviest = max(sizes, key=sizes.get)
    total = sum(f.stat().st_size for f in HTML.rglob("*") if f.is_file())
    print(f"\nrendered book: {total / 2**20:.1f} MiB in all; heaviest page {heaviest}, {sizes[heaviest] / 2**10:.0f} KiB")
    assert sizes[heaviest] < 2 * 2**20, f"{heaviest} weighs {sizes[heaviest]:,} bytes"
    images = [f for f in HTML.rglob("*.png") if "_static" not in f.parts]
    assert all(f.stat().st_size < 400 * 2**10 for f in images), "a figure is embedded at print resolution"


MACHINERY = re.compile(r"glue\(|\brun_folder\b|\breport_lessons\b|architecture\(|\.record\(|"
                       r"record_baseline\(|(?<![\w.])check\(")
TRAINING_CHAPTERS = {f"book/{name}.html" for name in (
    "03_word_embeddings", "04_simple_rnn", "05_lstm", "06_gru", "07_forecasting",
    "08_recurrent_dropout", "09_stacking", "10_bidirectional", "11_conv1d", "12_conv_gru")}
LECTURE_PIPELINE = {  # chapter 7 shows the lecture's data preparation, step by step
    "the CSV read into an array": "float_data[i, :] = ",
    "the normalisation": "float_data -= mean",
    "the generator's test-set branch": "if max_index is None:",
    "three generators": "test_gen = lecture_generator(",
    "the step counts": "val_steps = (val_end",
    "the naive method as a loop": "def evaluate_naive_method():",
}


def shown_code(path: Path) -> list[str]:
    """The text of every code cell a reader of the rendered page sees."""
    page = path.read_text(encoding="utf-8")
    blocks = re.findall(r'<div class="cell_input docutils container">(.*?)</pre>', page, re.S)
    return [entities.unescape(re.sub(r"<[^>]+>", "", block)) for block in blocks]


@pytest.mark.parametrize("path", CHAPTERS)
def test_each_page_shows_the_lectures_code_and_hides_the_machinery(path):
    code = shown_code(HTML / path)
    assert code, f"{path}: no code cell found"
    leaks = [m.group(0) for block in code for m in MACHINERY.finditer(block)]
    assert not leaks, f"{path}: the book's machinery on the page: {leaks}"
    if path in TRAINING_CHAPTERS:
        assert any(".fit(" in block for block in code), f"{path}: no `fit` call on the page"
    if path == "book/07_forecasting.html":
        text = "\n".join(code)
        missing = [name for name, line in LECTURE_PIPELINE.items() if line not in text]
        assert not missing, f"{path}: the page does not show {missing}"


def test_the_machinery_check_reads_the_rendered_code(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<div class="cell_input docutils container"><pre><span>check</span>'
                    '(&quot;x&quot;, 1)\nmodel.fit(x)</pre></div>', encoding="utf-8")
    assert shown_code(page) == ['check("x", 1)\nmodel.fit(x)']
    assert MACHINERY.search(shown_code(page)[0])
