"""The API reference documents every public name of the companion, each with a docstring."""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(p for p in (ROOT / "companion").rglob("*.py")
                 if p.name != "__main__.py" and p != ROOT / "companion" / "__init__.py")


def module_name(path: Path) -> str:
    """``companion/data/dates.py`` -> ``companion.data.dates``; a package's ``__init__.py`` is
    the package."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def public_names(path: Path) -> dict[str, ast.AST]:
    """Functions, classes and constants defined (not imported) at the top of a module."""
    found = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id.isupper():
                    found[target.id] = node
    return {name: node for name, node in found.items() if not name.startswith("_")}


def documented_members() -> dict[str, set[str]]:
    api = (ROOT / "book" / "api.md").read_text()
    members = {}
    for block in re.finditer(r"\.\. automodule:: ([\w.]+)\n((?:   .*\n|\s{4,}.*\n)*)", api):
        listed = re.search(r":members:(.*?)(?:\n   :|\Z)", block.group(2), re.S)
        members[block.group(1)] = set(re.findall(r"\w+", listed.group(1))) if listed else set()
    return members


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_every_public_name_is_in_the_api_reference(path):
    documented = documented_members()
    name = module_name(path)
    assert name in documented, f"book/api.md has no automodule for {name}"
    missing = set(public_names(path)) - documented[name]
    assert not missing, f"{name}: public names missing from book/api.md: {sorted(missing)}"


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_every_public_function_and_class_has_a_docstring(path):
    tree = ast.parse(path.read_text())
    assert ast.get_docstring(tree), f"{module_name(path)} has no module docstring"
    for name, node in public_names(path).items():
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            assert ast.get_docstring(node), f"{module_name(path)}.{name} has no docstring"
