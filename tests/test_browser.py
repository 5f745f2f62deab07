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
STUDENT_HTML = ROOT / "_build" / "student" / "html"
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


def _serve(folder: Path, how_to_build: str):
    """Serve a built book from 127.0.0.1 for the test session; yields its base URL."""
    if not (folder / "index.html").exists():
        pytest.fail(f"no built book in {folder.relative_to(ROOT)}: run `make test` (it builds it first) "
                    f"or `{how_to_build}`")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def base_url():
    yield from _serve(HTML, "make book")


@pytest.fixture(scope="session")
def student_url():
    yield from _serve(STUDENT_HTML, "make student")


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


# ----- the student edition ---------------------------------------------------------------------

def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="session")
def solution_texts(base_url, browser) -> dict[str, list[str]]:
    """Per chapter, what only the full edition may show: the text of every sphinx-exercise
    solution and every line of solution code from the chapter's exercise cells, less what the page
    also shows outside them (a solution may repeat a line of the chapter's own code)."""
    from companion.grading import notebooks

    found = {}
    page = browser.new_page()
    for name in CHAPTERS:
        page.goto(urljoin(base_url, f"{name}.html"), wait_until="load")
        prose = page.evaluate("() => [...document.querySelectorAll('div.solution')].map(e => e.textContent)")
        lines = []
        for block in prose:
            lines += [line for line in (_normalised(p) for p in block.split("\n")) if len(line) > 40]
        source = (ROOT / f"{name}.md").read_text()
        for cell in re.findall(rf"{re.escape(notebooks.BEGIN)}(.*?){re.escape(notebooks.END)}", source, re.S):
            lines += [line.strip() for line in cell.splitlines() if len(line.strip()) > 25]
        public = _normalised(page.evaluate("""() => { const body = document.body.cloneNode(true);
            body.querySelectorAll('div.solution, .tag_exercise').forEach(e => e.remove());
            return body.textContent; }"""))
        found[name] = [line for line in lines if _normalised(line) not in public]
    page.close()
    return found


@pytest.mark.parametrize("name", PAGES)
def test_the_student_edition_has_every_page(student_url, browser, name):
    page = browser.new_page()
    response = page.goto(urljoin(student_url, f"{name}.html"), wait_until="load")
    assert response is not None and response.ok, name
    assert "(student edition)" in page.title() or name != toc_pages()[0]
    page.close()


def _leaks(browser, url: str, needles: list[str]) -> tuple[list[str], str, int]:
    page = browser.new_page()
    page.goto(url, wait_until="load")
    text = _normalised(page.evaluate("() => document.body.textContent"))
    solutions = page.locator("div.solution").count()
    page.close()
    return [line for line in needles if _normalised(line) in text], text, solutions


@pytest.mark.parametrize("name", CHAPTERS)
def test_no_solution_reaches_the_student_edition(student_url, browser, solution_texts, name):
    assert solution_texts[name], f"{name}: found no solution text in the full edition to look for"
    leaked, text, solutions = _leaks(browser, urljoin(student_url, f"{name}.html"), solution_texts[name])
    assert not leaked, f"{name}: {len(leaked)} solution lines in the student edition, e.g. {leaked[:2]}"
    assert solutions == 0 and "raise NotImplementedError" in text and "PASSED" not in text


def test_the_leak_check_finds_the_solutions_of_the_full_edition(base_url, browser, solution_texts):
    name = CHAPTERS[0]
    leaked, _, solutions = _leaks(browser, urljoin(base_url, f"{name}.html"), solution_texts[name])
    assert solutions > 0 and len(leaked) == len(solution_texts[name])


def test_a_feedback_page_reads_well_in_the_browser(browser):
    from companion.exercises import EXERCISES, compare
    from companion.grading.exports import feedback_html
    from companion.grading.gradebook import StudentResult, TestResult

    import numpy as np

    exercise = EXERCISES["rnn_step"]
    wrong = compare({"h": np.array([0.25, 0.5])}, {"h": np.array([0.75, 0.5])}, 1e-6, 1e-9)
    tests = {f"rnn_step/{case.name}": TestResult(k % 2 == 0, case.points * (k % 2 == 0), case.points,
                                                 "passed" if k % 2 == 0 else f"on {case.description}: {wrong}")
             for k, case in enumerate(exercise.cases)}
    result = StudentResult("ben", "rnn_basics", "graded", sum(t.points for t in tests.values()),
                           exercise.max_points, tests)
    page = browser.new_page()
    page.set_content(feedback_html(result, {t: t.replace("/", ": ") for t in tests}))
    assert page.locator("h1").inner_text() == "Feedback on rnn_basics for ben"
    assert page.locator("tbody tr").count() == len(tests)
    assert page.locator("tr.fail").count() == 2 and "0.25" not in page.inner_text("body")
    assert serious_accessibility_violations(page) == []
    page.close()
