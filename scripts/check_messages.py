"""Find texts a person reads that are not marked for translation.

    python scripts/check_messages.py [FILE...]      (default: every file in USER_FACING)

A text is a string literal that reads as words: a word with a capital and small letters ("Brand"), or two
words with a space between ("no posts"). It must sit inside ``_()``, ``N_()`` or ``ngettext()``, whose
messages Babel extracts into the catalogues (``make messages``). An f-string inside them is reported too:
gettext would look up the filled-in text, which no catalogue holds; write ``_("{n} posts").format(n=n)``.

Not texts: docstrings, SQL, regular expressions, dictionary lookups (``row["brand"]``), comparisons, widget keys, icons, formats
and other arguments named in ``NOT_TEXT``, logging, and a line ending in ``# i18n: not text`` (say why, as
with ``noqa``): CSS, a data value, a file name. The comment may sit on the line before the string, any of its
lines, or the line after it (where a formatter puts it).
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USER_FACING = [
    "app.py",
    "pages/*.py",
    "pipeline/read/reports.py",
    "pipeline/read/charts.py",
    "pipeline/read/summary.py",
    "pipeline/read/compare.py",
    "pipeline/monitor/alerts.py",
    "pipeline/monitor/notify.py",
    "pipeline/metrics/crises.py",
    "pipeline/metrics/playbook.py",
    "pipeline/metrics/themes.py",
    "pipeline/cli.py",
    "pipeline/read/queries.py",
    "pipeline/read/room.py",
    "pipeline/read/topics.py",
    "pipeline/read/selection.py",
    "pipeline/read/export.py",
    "pipeline/monitor/plan.py",
    "pipeline/monitor/targets.py",
    "pipeline/ingest/__init__.py",
    "pipeline/watch.py",
    "pipeline/ingest/reader.py",
    "pipeline/ingest/load.py",
    "pipeline/ingest/formats/__init__.py",
    "pipeline/ingest/formats/base.py",
    "pipeline/analytics.py",
    "pipeline/core/brands.py",
    "pipeline/normalize.py",
    "pipeline/read/lake.py",
    "pipeline/read/export_parquet.py",
    "pipeline/spark/build.py",
    "pipeline/spark/stage.py",
]
# dictionary entries whose values are data, not texts (a theme's keywords)
DATA_KEYS = {"any", "phrases", "all", "exclude"}
MARKERS = {"_", "N_", "Nn_", "ngettext"}
NOT_TEXT = {
    "key",
    "icon",
    "page_icon",
    "type",
    "mime",
    "selection_mode",
    "on_select",
    "width",
    "height",
    "url_path",
    "label_visibility",
    "delta_color",
    "format",
    "file_name",
    "layout",
    "position",
    "anchor",
    "mode",
    "color",
    "barmode",
    "hovermode",
    "tickformat",
    "xhoverformat",
    "template",
    "encoding",
    "name_column",
    "dtype",
    "orient",
    "how",
    "on",
    "sep",
    "unit",
    "freq",
    "tz",
    "errors",
    "columns",
    "x",
    "y",
    "color_discrete_map",
    "category_orders",
    "vertical_alignment",
    "border",
    "gap",
    "shape",
    "fill",
    "line_dash",
    "dash",
    "xref",
    "yref",
    "textposition",
    "hoverinfo",
    "marker_color",
    "font_family",
    "pattern",
}
LOGGING = {"log", "logger", "logging", "_log", "LOG", "_log_once", "warnings"}  # the log of whoever runs it
SQL = re.compile(
    r"^\s*(SELECT|WITH|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|FROM|WHERE|ORDER BY|GROUP BY|BEGIN|COMMIT)\b|\bFROM\s+\w"
    r"|\$\w+|\b(AND|OR|NOT|IS NULL|INTERVAL|CASE WHEN|COALESCE)\b"
)
REGEX = re.compile(r"\\[bBwWdDsS]|\(\?[:=!<]|\([^()]*\|[^()]*\)|\)\?|\w\|\w")
WORDS = re.compile(r"[A-Z][a-z]{2,}|[A-Za-z]{2,}\s+[A-Za-z]{2,}")
IGNORE = "# i18n: not text"


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}: {self.text[:70]!r}"


def _reads_as_words(text: str) -> bool:
    text = re.sub(r"<[^>]*>|\{[^{}]*\}|&\w+;|:material/\w+:|`[^`]*`", " ", text)
    return bool(WORDS.search(text)) and not SQL.search(text) and not REGEX.search(text)


def _literal_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _call_root(node: ast.Call) -> str:
    func = node.func
    while isinstance(func, ast.Attribute):
        func = func.value
    return func.id if isinstance(func, ast.Name) else ""


def find_unmarked(path: Path) -> list[Finding]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    skip: set[int] = set()  # ids of nodes that are not texts
    findings: list[Finding] = []
    relative = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                skip.add(id(body[0].value))  # a docstring
        if isinstance(node, ast.JoinedStr):
            for inner in ast.walk(node):
                literal = isinstance(inner, ast.Call) and any(_literal_text(arg) is not None for arg in inner.args)
                if literal and _call_name(inner) in MARKERS:  # type: ignore[arg-type]
                    findings.append(
                        Finding(
                            relative, inner.lineno, ast.unparse(inner)[:70], "marked inside an f-string (not extracted)"
                        )
                    )
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name in MARKERS:
                for arg in node.args:
                    if isinstance(arg, ast.JoinedStr):
                        findings.append(
                            Finding(relative, arg.lineno, _literal_text(arg) or "", "f-string inside " + name)
                        )
                    for inner in ast.walk(arg):
                        skip.add(id(inner))
            elif _call_root(node) in LOGGING:
                for inner in ast.walk(node):
                    skip.add(id(inner))
            for keyword in node.keywords:
                if keyword.arg in NOT_TEXT:
                    for inner in ast.walk(keyword.value):
                        skip.add(id(inner))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value in DATA_KEYS:
                    for inner in ast.walk(value):
                        skip.add(id(inner))
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
            for inner in ast.walk(node.value):
                skip.add(id(inner))
        elif isinstance(node, ast.Subscript):
            for inner in ast.walk(node.slice):
                skip.add(id(inner))
        elif isinstance(node, ast.Compare):
            for inner in [node.left, *node.comparators]:
                for sub in ast.walk(inner):
                    if isinstance(sub, ast.Constant):
                        skip.add(id(sub))

    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr):
            for value in node.values:
                skip.add(id(value))
        text = _literal_text(node)
        if text is None or not _reads_as_words(text):
            continue
        around = lines[
            max(node.lineno - 2, 0) : (node.end_lineno or node.lineno) + 1
        ]  # the line before to the one after
        if any(IGNORE in line for line in around):
            continue
        problem = "f-string text not marked for translation" if isinstance(node, ast.JoinedStr) else "not marked"
        findings.append(Finding(relative, node.lineno, text, problem))
    if not _is_page_script(path):
        findings += _translated_at_import(tree, relative)
    return sorted(findings, key=lambda f: f.line)


def _is_page_script(path: Path) -> bool:
    """app.py and a page: Streamlit runs their top level on every page view, in the reader's language."""
    return path.name == "app.py" or (path.parent.name == "pages" and not path.name.startswith("_"))


def _translated_at_import(tree: ast.Module, relative: str) -> list[Finding]:
    """``_()`` run when the module is imported (a module constant, a default argument): it translates into
    whichever language is current then, not the reader's. Mark such texts with ``N_`` and translate where shown."""
    found = []

    def visit(node: ast.AST, at_import: bool) -> None:
        if isinstance(node, ast.Lambda):
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for default in [*node.args.defaults, *node.args.kw_defaults]:
                if default is not None:
                    visit(default, True)
            for decorator in node.decorator_list:
                visit(decorator, at_import)
            return
        if at_import and isinstance(node, ast.Call) and _call_name(node) in {"_", "ngettext"}:
            found.append(Finding(relative, node.lineno, ast.unparse(node)[:70], "translated at import time"))
        for child in ast.iter_child_nodes(node):
            visit(child, at_import)

    for statement in tree.body:
        visit(statement, True)
    return found


def user_facing_files() -> list[Path]:
    return sorted({path for pattern in USER_FACING for path in ROOT.glob(pattern)})


def main(argv: list[str]) -> int:
    paths = [Path(arg).resolve() for arg in argv] or user_facing_files()
    findings = [finding for path in paths for finding in find_unmarked(path)]
    for finding in findings:
        print(finding)
    print(f"{len(findings)} unmarked text(s) in {len(paths)} file(s)", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
