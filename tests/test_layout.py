"""The folder layout is the data flow: a stage imports only from the stages before it (and from its own), the
pipeline never imports Streamlit, and pages never open DuckDB. Read from the source with ``ast``, so a lazy
import inside a function counts as much as one at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

# In data-flow order: each stage may import the ones before it.
STAGES = [
    ("core", ["pipeline.core"]),
    ("ingest", ["pipeline.ingest"]),
    ("normalize", ["pipeline.normalize"]),
    ("enrich", ["pipeline.enrich"]),
    ("metrics", ["pipeline.metrics"]),
    ("monitor", ["pipeline.monitor"]),
    ("analytics", ["pipeline.analytics"]),
    ("read", ["pipeline.read"]),
    ("spark", ["pipeline.spark"]),  # the same stages on Spark: reuses every stage's own code
    ("entry points", ["pipeline.cli", "pipeline.demo", "pipeline.watch", "pipeline.__main__", "pipeline"]),
]
# The few imports that reach forward, each inside a function, each with its reason.
ALLOWED_FORWARD = {
    # an older database (schema < 8) has its posts tagged with the themes once, as it is upgraded
    ("pipeline.core.db", "pipeline.metrics.themes"),
    # ingest_files finishes the job for a caller that wants the facts built at once
    ("pipeline.ingest", "pipeline.normalize"),
}


def _stage(module: str) -> int:
    best = None
    for index, (_, prefixes) in enumerate(STAGES):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    assert best is not None, f"{module} belongs to no stage: add it to STAGES"
    return best[0]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module a file imports (``from pipeline.read import charts`` counts as ``pipeline.read.charts``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


PIPELINE_FILES = sorted((ROOT / "pipeline").rglob("*.py"))


def _is_module(name: str) -> bool:
    relative = Path(*name.split("."))
    return (ROOT / relative).with_suffix(".py").exists() or (ROOT / relative / "__init__.py").exists()


@pytest.mark.parametrize("path", PIPELINE_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_a_stage_imports_only_from_the_stages_before_it(path):
    importer = _module_name(path)
    late = []
    for imported in _imports(path):
        if not imported.startswith("pipeline.") or not _is_module(imported):
            continue  # another package, a name imported from a module, or the namespace ``pipeline`` itself
        if _stage(imported) > _stage(importer) and not any(
            importer.startswith(a) and imported.startswith(b) for a, b in ALLOWED_FORWARD
        ):
            late.append(f"{imported} ({STAGES[_stage(imported)][0]})")
    assert not late, f"{importer} ({STAGES[_stage(importer)][0]}) imports a later stage: {', '.join(sorted(late))}"


def test_the_pipeline_never_imports_streamlit():
    users = [
        str(path.relative_to(ROOT))
        for path in PIPELINE_FILES
        if any(name == "streamlit" or name.startswith("streamlit.") for name in _imports(path))
    ]
    assert not users


def test_pages_never_open_duckdb():
    pages = sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]
    users = [str(path.relative_to(ROOT)) for path in pages if "duckdb" in _imports(path)]
    assert not users


def test_every_module_of_the_pipeline_has_a_stage():
    for path in PIPELINE_FILES:
        _stage(_module_name(path))


def test_the_checker_finds_a_forward_import(tmp_path):
    """The rule is not vacuous: a core module importing the reading side is caught."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from pipeline.read.queries import PostFilter\n", encoding="utf-8")
    assert "pipeline.read.queries" in _imports(sample)
    assert _stage("pipeline.read.queries") > _stage("pipeline.core.db")
