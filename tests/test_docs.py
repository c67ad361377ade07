"""The documentation: the generated reference is the code's, every command has --help and a section in it,
every relative link points to a file (and a heading), the README stays short, and the site builds strictly."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import build_parser, main
from tests.conftest import ROOT

DOCS = ROOT / "docs"
README_MAX_LINES = 160


def _load_build_reference():
    spec = importlib.util.spec_from_file_location("build_reference", ROOT / "scripts" / "build_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_reference = _load_build_reference()
COMMANDS = [name for name, _, _ in build_reference.walk_commands(build_parser())]


# --- the generated reference ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["cli.md", "formats.md"])
def test_generated_page_is_current(name):
    expected = build_reference.outputs()[name]
    current = (DOCS / name).read_text(encoding="utf-8")
    assert current == expected, f"docs/{name} is stale: run `.venv/bin/python scripts/build_reference.py`"


def test_check_mode_names_the_stale_page(tmp_path, capsys):
    for name, text in build_reference.outputs().items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert build_reference.main(["--check", "--docs", str(tmp_path)]) == 0
    (tmp_path / "formats.md").write_text("# old\n", encoding="utf-8")
    assert build_reference.main(["--check", "--docs", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "formats.md is stale" in err and "cli.md" not in err
    assert (tmp_path / "formats.md").read_text(encoding="utf-8") == "# old\n"  # --check writes nothing


def test_reference_does_not_depend_on_the_terminal(monkeypatch):
    before = build_reference.render_cli()
    monkeypatch.setenv("COLUMNS", "40")
    assert build_reference.render_cli() == before


def test_nested_commands_are_walked():
    assert {"ingest", "report", "report weekly", "report crisis"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_a_section_in_the_reference(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*command.split(), "--help"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: radar {command}")
    reference = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert re.search(rf"^#+ radar {re.escape(command)}$", reference, re.MULTILINE), f"radar {command} in docs/cli.md"


def test_formats_table_in_the_docs_is_the_registry(capsys):
    main(["formats", "--markdown"])
    table = capsys.readouterr().out.strip()
    assert table in (DOCS / "formats.md").read_text(encoding="utf-8")


# --- links and length -----------------------------------------------------------------------------------

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*$", re.MULTILINE)


def _links(path: Path) -> list[str]:
    text = _CODE_SPAN.sub("", _FENCE.sub("", path.read_text(encoding="utf-8")))
    return _LINK.findall(text)


def _anchor(heading: str) -> str:
    """The id MkDocs and GitHub give a heading (for the ASCII headings these docs use)."""
    words = "".join(ch for ch in heading.lower() if ch.isalnum() or ch in " -_")
    return "-".join(words.split())


def _anchors(path: Path) -> set[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    return {_anchor(heading) for heading in _HEADING.findall(text)}


MARKDOWN_FILES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("path", MARKDOWN_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_points_to_a_file_and_heading(path):
    for target in _links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        assert linked.exists(), f"{path.name}: {target} points to no file"
        if anchor and linked.suffix == ".md":
            assert anchor in _anchors(linked), f"{path.name}: {target}: no heading with that anchor"


def test_readme_is_short_and_leads_into_the_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= README_MAX_LINES
    linked = {target.partition("#")[0] for target in _links(ROOT / "README.md")}
    for page in ("docs/getting-started.md", "docs/cli.md", "docs/formats.md", "docs/metrics.md", "docs/schema.md"):
        assert page in linked, f"the README links to {page}"


# --- the site ---------------------------------------------------------------------------------------------


def test_site_builds_strictly(tmp_path):
    if importlib.util.find_spec("mkdocs") is None:
        pytest.fail("mkdocs is not installed: `make install-test` installs the test extras")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml")]
        + ["--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for page in ("index.html", "cli/index.html", "formats/index.html", "CONTRIBUTING/index.html"):
        assert (tmp_path / "site" / page).exists(), page
