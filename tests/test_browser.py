"""The built book as readers see it: every page of the table of contents, loaded in a real browser.

`make test` builds the book (reusing the execution cache) before running pytest, so these tests
read the real HTML in `_build/html`. They serve it from 127.0.0.1 and drive Debian's `chromium`
(headless, background networking off: these machines have no internet, and the book must not need
it) through Playwright. A PNG of each chapter's first screen is saved in `_build/screenshots/`.
Every page is also checked with axe-core (WCAG 2.1 A and AA), from the copy of its script that the
`axe-playwright-python` package ships.
"""
from __future__ import annotations

import functools
import http.server
import importlib.resources
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
import yaml

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
AXE_SOURCE = (importlib.resources.files("axe_playwright_python") / "axe.min.js").read_text()


def toc_pages() -> list[str]:
    """Every page of `_toc.yml`, as paths without suffix (e.g. ``book/01_rnn_basics``)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc["parts"]:
        pages += [entry["file"] for entry in part["chapters"]]
    return pages


def chapter_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [entry["file"] for part in toc["parts"] if part.get("numbered") for entry in part["chapters"]]


PAGES = toc_pages()
CHAPTERS = chapter_pages()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def base_url():
    if not (HTML / "index.html").exists():
        pytest.fail("no built book in _build/html: run `make test` (it builds the book first) or `make book`")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("the browser test needs Debian's chromium: `apt-get install chromium` "
                    "(`make test` installs it when it can)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=["--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-default-apps", "--disable-sync"])
        yield browser
        browser.close()


def serious_accessibility_violations(page) -> list[dict]:
    """axe-core's serious and critical violations of WCAG 2.1 A and AA on the loaded page (the
    copy of axe inside axe-playwright-python, so nothing is fetched)."""
    page.add_script_tag(content=AXE_SOURCE)
    # preload: false, or axe fetches the theme's @import-ed sheets from the wrong folder (404s)
    return page.evaluate("""() => axe.run(document, {preload: false, runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
        .then(r => r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => ({rule: v.id, impact: v.impact, count: v.nodes.length,
                        first: v.nodes[0].target.join(' '), why: v.nodes[0].failureSummary})))""")


def test_the_accessibility_check_finds_planted_violations(browser):
    page = browser.new_page()
    page.set_content('<html lang="en"><head><title>t</title></head><body><main>'
                     '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
                     '<p style="color:#777;background:#888">faint text</p></main></body></html>')
    rules = {v["rule"] for v in serious_accessibility_violations(page)}
    page.close()
    assert {"image-alt", "color-contrast"} <= rules


def _visit(page, url: str, screenshot: Path | None) -> dict:
    """Load one page, wait for MathJax, and collect what the tests check."""
    console, failures = [], []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: failures.append(r.url))
    page.goto(url, wait_until="load")
    has_math = page.locator(".math").count() > 0
    if has_math:  # MathJax 3 typesets asynchronously; its startup promise resolves when done
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=30_000)
        page.evaluate("() => MathJax.startup.promise.then(() => true)")
    info = page.evaluate("""() => ({
        title: document.title,
        h1: (document.querySelector('main h1') || {}).textContent || '',
        ids: [...document.querySelectorAll('[id]')].map(e => e.id),
        links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
        images: [...document.querySelectorAll('img')].map(i => ({
            src: i.getAttribute('src'), alt: i.getAttribute('alt'),
            loaded: i.complete && i.naturalWidth > 0})),
        math: document.querySelectorAll('.math').length,
        rendered: document.querySelectorAll('.math mjx-container').length,
        mathErrors: document.querySelectorAll('mjx-merror').length,
        binder: [...document.querySelectorAll('a[href*="mybinder.org"]')].length,
        prevNext: [...document.querySelectorAll('.prev-next-area a')].map(a => a.className),
        favicon: (document.querySelector('link[rel="icon"]') || {}).href || '',
        figures: document.querySelectorAll('figure').length,
        numberedFigures: document.querySelectorAll('figure .caption-number').length,
        downloads: [...document.querySelectorAll('.dropdown-download-buttons a, .dropdown-download-buttons button')]
            .map(a => (a.getAttribute('href') || '') + ' ' + a.className),
    })""")
    info["axe"] = serious_accessibility_violations(page)
    # Every audio element: load it and wait (at most 10 s) for its metadata or its error.
    info["audio"] = page.evaluate("""() => Promise.all([...document.querySelectorAll('audio')]
        .map(a => new Promise(resolve => {
            const done = () => resolve({duration: a.duration, error: a.error ? a.error.code : null,
                                        sources: a.querySelectorAll('source').length + (a.src ? 1 : 0)});
            if (a.readyState >= 1 || a.error) { done(); return; }
            a.addEventListener('loadedmetadata', done, {once: true});
            a.addEventListener('error', done, {once: true});
            setTimeout(done, 10000);
            a.load();
        })))""")
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot))
    info["console"], info["failed_requests"] = console, failures
    return info


@pytest.fixture(scope="session")
def visits(base_url, browser) -> dict[str, dict]:
    """Every table-of-contents page, visited once: ``page -> what it showed``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    found = {}
    for name in PAGES:
        page = context.new_page()
        shot = SCREENSHOTS / f"{Path(name).name}.png" if name in CHAPTERS else None
        found[name] = _visit(page, urljoin(base_url, f"{name}.html"), shot)
        found[name]["url"] = urljoin(base_url, f"{name}.html")
        page.close()
    context.close()
    return found


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_with_its_title(visits, name):
    info = visits[name]
    assert info["h1"].strip(), f"{name}: no heading"
    heading = re.sub(r"[#\s]+", " ", info["h1"]).strip()
    assert heading.split(" ")[-1] in info["title"], (heading, info["title"])


@pytest.mark.parametrize("name", PAGES)
def test_no_javascript_errors_and_no_failed_requests(visits, name):
    assert visits[name]["console"] == [], visits[name]["console"]
    assert visits[name]["failed_requests"] == [], visits[name]["failed_requests"]


def _ids_of(html_file: Path, cache: dict) -> set[str]:
    if html_file not in cache:
        cache[html_file] = set(re.findall(r'\bid="([^"]+)"', html_file.read_text(errors="replace")))
    return cache[html_file]


@pytest.mark.parametrize("name", PAGES)
def test_every_internal_link_and_anchor_resolves(visits, name):
    info, cache, broken = visits[name], {}, []
    page_file = HTML / f"{name}.html"
    for href in info["links"]:
        parsed = urlparse(href)
        if parsed.scheme or href.startswith(("mailto:", "javascript:", "//")):
            continue
        target = (page_file.parent / unquote(parsed.path)).resolve() if parsed.path else page_file
        if target.is_dir():
            target = target / "index.html"
        if not target.exists():
            broken.append(f"{href} (no file)")
        elif parsed.fragment and target.suffix == ".html":
            if unquote(parsed.fragment) not in _ids_of(target, cache):
                broken.append(f"{href} (no anchor)")
    assert not broken, f"{name}: {broken}"


@pytest.mark.parametrize("name", PAGES)
def test_every_image_loads_and_has_alt_text(visits, name):
    for image in visits[name]["images"]:
        assert image["loaded"], f"{name}: image {image['src']} did not load"
        assert image["alt"] and image["alt"].strip(), f"{name}: image {image['src']} has no alt text"


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_or_critical_accessibility_violations(visits, name):
    violations = visits[name]["axe"]
    assert not violations, f"{name}: axe-core (WCAG 2.1 A/AA) found " + "; ".join(
        f"{v['rule']} ({v['impact']}, {v['count']}x, first at {v['first']}): {v['why']}"
        for v in violations)


@pytest.mark.parametrize("name", PAGES)
def test_every_audio_element_loads_and_has_a_duration(visits, name):
    for k, audio in enumerate(visits[name]["audio"]):
        assert audio["sources"] >= 1, f"{name}: audio element {k} has no source"
        assert audio["error"] is None, f"{name}: audio element {k} failed with media error {audio['error']}"
        assert audio["duration"] and audio["duration"] > 0, f"{name}: audio element {k} has no duration"
    if name.endswith("12_music"):  # one real and two generated melodies
        assert len(visits[name]["audio"]) >= 3


@pytest.mark.parametrize("name", PAGES)
def test_math_renders(visits, name):
    info = visits[name]
    assert info["mathErrors"] == 0
    assert info["rendered"] == info["math"], f"{name}: {info['rendered']} of {info['math']} rendered"


@pytest.mark.parametrize("name", PAGES)
def test_navigation_favicon_and_numbered_figures(visits, name):
    info = visits[name]
    assert info["favicon"].endswith("logo.svg"), info["favicon"]
    links = " ".join(info["prevNext"])
    if name != PAGES[0]:
        assert "left-prev" in links, f"{name}: no link to the previous page"
    if name != PAGES[-1]:
        assert "right-next" in links, f"{name}: no link to the next page"
    if name in CHAPTERS:
        assert info["numberedFigures"] == info["figures"], f"{name}: a figure without a number"


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapters_have_launch_and_download_buttons(visits, name):
    info = visits[name]
    assert info["binder"] >= 1, f"{name}: no Binder launch button"
    kinds = " ".join(info["downloads"])
    assert "download-source-button" in kinds and "download-notebook-button" in kinds, kinds


@pytest.mark.parametrize("name", CHAPTERS)
def test_exercise_solutions_are_hidden_until_clicked(base_url, browser, name):
    page = browser.new_page()
    page.goto(urljoin(base_url, f"{name}.html"), wait_until="load")
    solutions = page.locator("div.solution.dropdown")
    assert solutions.count() >= 1, f"{name}: no solution"
    for i in range(solutions.count()):
        solution = solutions.nth(i)
        body = solution.locator(".admonition-title ~ *").first
        assert not body.is_visible(), f"{name}: solution {i + 1} is shown before a click"
        solution.locator(".admonition-title").click()
        body.wait_for(state="visible", timeout=5_000)
    hidden_code = page.locator("details.hide.above-input")
    assert hidden_code.count() >= 1, f"{name}: no exercise cell with hidden solution code"
    assert all(hidden_code.nth(i).get_attribute("open") is None for i in range(hidden_code.count()))
    page.close()


def test_search_finds_the_forget_gate(base_url, browser):
    page = browser.new_page()
    page.goto(urljoin(base_url, "search.html?q=forget+gate"), wait_until="load")
    results = page.locator("#search-results ul.search li")
    results.first.wait_for(timeout=30_000)
    linked = " ".join(results.nth(i).inner_text() for i in range(results.count()))
    assert "LSTM" in linked or "lstm" in linked.lower(), linked[:500]
    page.close()


def test_a_screenshot_of_every_chapter_was_saved(visits):
    for name in CHAPTERS:
        shot = SCREENSHOTS / f"{Path(name).name}.png"
        assert shot.exists() and shot.stat().st_size > 10_000, shot
