"""The package in tiers: nothing imports from a tier above it, and the package never looks for
the repository's folders.

Tiers, lowest first (a module may import its own tier and those below):

0. ``companion.grading.protocol``: how a case is run and its results travel; no companion import
   at all, because the grader's isolated child runs its source;
1. the layers and equations, flat at the top (``companion.rnn``, ``companion.stack``, ...);
2. ``companion.data``: the data sets;
3. ``companion.applications``: the application models of chapters 5 to 8;
4. ``companion.exercises``: the auto-graded exercises and the learner's check;
5. ``companion.grading``: the grader.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "companion"
TIERS = ("protocol", "layers", "data", "applications", "exercises", "grading")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def tier(module: str) -> int:
    if module == "companion.grading.protocol":
        return 0
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in TIERS[2:]:
        return TIERS.index(parts[1])
    return 1


def imports_of(path: Path) -> set[str]:
    """Every companion module ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            # "from companion.data import dates" imports the module companion.data.dates
            found |= {f"{node.module}.{alias.name}" for alias in node.names
                      if (PACKAGE.parent / f"{node.module}.{alias.name}".replace(".", "/")).with_suffix(".py").exists()}
    return {name for name in found if name == "companion" or name.startswith(("companion.", "benchmarks"))}


MODULES = sorted(PACKAGE.rglob("*.py"))
EDGES = [(module_name(path), imported) for path in MODULES for imported in sorted(imports_of(path))]


def test_the_tiers_cover_every_folder_of_the_package():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(TIERS[2:]), folders


@pytest.mark.parametrize("importer, imported", EDGES, ids=[f"{a}->{b}" for a, b in EDGES])
def test_no_module_imports_from_a_tier_above_its_own(importer, imported):
    assert not imported.startswith("benchmarks"), f"{importer} imports {imported}: the package " \
        "does not depend on the benchmarks"
    assert tier(imported) <= tier(importer), (
        f"{importer} (tier {TIERS[tier(importer)]}) imports {imported} "
        f"(tier {TIERS[tier(imported)]}, above it)")


def test_the_protocol_imports_nothing_of_the_companion():
    assert not imports_of(PACKAGE / "grading" / "protocol.py")


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_the_package_does_not_locate_repository_folders(path):
    """Records, the book and the benchmarks are passed in as paths, never found from __file__."""
    text = path.read_text()
    for clue in ('/ "book"', '/ "benchmarks"', "parents[2]", "parent.parent"):
        assert clue not in text, f"{module_name(path)} looks for a repository folder ({clue})"
