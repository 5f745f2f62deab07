"""companion.grading.edition: the student edition's sources, from executed notebooks."""
import nbformat
import pytest
import yaml

from companion.grading import edition, notebooks

CHAPTER = """---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {display_name: Python 3, language: python, name: python3}
---
# A chapter

See {glue:text}`02_other.md::speed` and {glue:text}`local_value`.

```{code-cell} ipython3
:tags: [exercise, hide-input]
def f(x):
    ### BEGIN SOLUTION
    return x + 41
    ### END SOLUTION
```

```{code-cell} ipython3
check_exercise(f)
```

```{solution-start} ex
:class: dropdown
```
The secret is forty-one.
```{solution-end}
```
"""


def _cache_execution(text, folder):
    """Put an 'execution' of the chapter in a jupyter-cache, as the full build would."""
    import jupytext
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    notebook = nbformat.from_dict(jupytext.reads(text, fmt="md:myst"))
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", text="PASSED: f\n")]
    get_cache(folder).cache_notebook_bundle(CacheBundleIn(notebook, "01_first.md"), check_validity=False)


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "repo"
    book, cache = root / "book", tmp_path / "cache"
    book.mkdir(parents=True)
    (root / "_config.yml").write_text("title: The course\nexecute:\n  execute_notebooks: cache\n")
    (root / "_toc.yml").write_text("format: jb-book\nroot: book/intro\n")
    (root / "companion").mkdir()
    (book / "01_first.md").write_text(CHAPTER)
    (book / "intro.md").write_text("# Intro\n\n{glue:text}`01_first.md::local_value`\n")
    (book / "guide.md").write_text("(guide)=\n# For instructors\n\n    return x + 41\n")
    (book / "references.bib").write_text("")
    _cache_execution(CHAPTER, cache)
    return root, book, cache, tmp_path / "student"


def test_the_student_sources_hold_no_solution_and_no_check_result(project):
    root, book, cache, out = project
    (written,) = edition.write_sources(root, book, cache, out, ("companion",), ("guide.md",))
    notebook = nbformat.read(written, as_version=4)
    text = nbformat.writes(notebook)
    assert "return x + 41" not in text and notebooks.BEGIN not in text and "forty-one" not in text
    assert "raise NotImplementedError" in text and "PASSED" not in text
    (exercise,) = [c for c in notebook.cells if "exercise" in c.metadata.get("tags", [])]
    assert exercise.metadata["tags"] == ["exercise"] and exercise.outputs == []
    assert "02_other.ipynb::speed" in text and "02_other.md::" not in text
    assert "01_first.ipynb::local_value" in (out / "book" / "intro.md").read_text()
    assert (out / "book" / "references.bib").is_symlink() and (out / "companion").is_symlink()
    config = yaml.safe_load((out / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["sphinx"]["config"]["hide_solutions"] is True
    assert config["title"] == "The course (student edition)"
    guide = (out / "book" / "guide.md").read_text()
    assert guide.startswith("(guide)=\n# For instructors\n") and "41" not in guide


def test_a_chapter_whose_code_changed_since_the_build_is_refused(project):
    root, book, cache, out = project
    (book / "01_first.md").write_text(CHAPTER.replace("check_exercise(f)", "check_exercise(f)\nprint(2)"))
    with pytest.raises(ValueError, match="no execution of the current code .* for 01_first.md: build the full book"):
        edition.write_sources(root, book, cache, out, ())
    assert not out.exists()
    with pytest.raises(ValueError, match="no execution cache"):
        edition.write_sources(root, book, root / "nowhere", out, ())
