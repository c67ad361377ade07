"""Write the generated reference pages of the docs: the CLI reference and the export formats.

    .venv/bin/python scripts/build_reference.py            # write docs/cli.md and docs/formats.md
    .venv/bin/python scripts/build_reference.py --check    # exit 1, naming the stale file, if either differs

``docs/cli.md`` comes from the argparse parser (``pipeline.cli.build_parser``): every subcommand, nested ones
such as ``report weekly`` included, with its usage, description and arguments. ``docs/formats.md`` comes from
the format registry (``pipeline.ingest.formats``): each layout, the headers that identify it and what it maps
onto the canonical post, the generic layout's aliases and the columns a hand-made mapping may name.

The output depends only on the code: no dates, no terminal width (usage lines are wrapped at a fixed width),
no colour, no environment-dependent defaults (an option's default is stated only where its help says it). A
test (``tests/test_docs.py``) fails when a page is stale, so the reference cannot drift from the code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The worktree's own code, not another checkout installed in the virtualenv (`pip install -e`).
sys.path.insert(0, str(ROOT))

USAGE_WIDTH = 100  # usage lines are wrapped at this width whatever the terminal is
GENERATED = (
    "<!-- Generated from {source} by scripts/build_reference.py: do not edit by hand; change the code and run "
    "`.venv/bin/python scripts/build_reference.py`. -->"
)


# --- Markdown helpers -------------------------------------------------------------------------------------


def _escape(text: str) -> str:
    """Text from the code as Markdown prose: ``<``, ``>``, ``&`` and ``|`` shown as themselves, except inside
    backtick code spans (which Markdown already shows literally)."""
    parts = text.split("`")
    for index in range(0, len(parts), 2):  # even parts are outside code spans
        parts[index] = (
            parts[index]
            .replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace("|", "\\|")
            .replace("*", "\\*")
        )
    return "`".join(parts)


def _code(text: str) -> str:
    """``text`` as one inline code span (backticks in it are not expected)."""
    return f"`{text}`"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


# --- the CLI reference --------------------------------------------------------------------------------------


def _fixed_width(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Make ``parser`` format its usage at USAGE_WIDTH, without colour, whatever the terminal."""
    parser.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=USAGE_WIDTH)
    if hasattr(parser, "color"):  # Python 3.14 colours help on a terminal
        parser.color = False
    return parser


def _subcommands(parser: argparse.ArgumentParser) -> Iterator[tuple[str, str, argparse.ArgumentParser]]:
    """(name, one-line help, parser) of each subcommand of ``parser``, in the order they were added."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, subparser in action.choices.items():
                yield name, helps.get(name, ""), subparser


def walk_commands(parser: argparse.ArgumentParser) -> Iterator[tuple[str, str, argparse.ArgumentParser]]:
    """Every subcommand, depth first: (``"report weekly"``, help, parser); a command with subcommands of its
    own comes before them."""
    for name, summary, subparser in _subcommands(parser):
        yield name, summary, subparser
        for child, child_summary, grandchild in walk_commands(subparser):
            yield f"{name} {child}", child_summary, grandchild


def _metavar(action: argparse.Action) -> str:
    if action.metavar is not None:
        return action.metavar if isinstance(action.metavar, str) else " ".join(action.metavar)
    if action.choices is not None:
        return "{" + ",".join(str(choice) for choice in action.choices) + "}"
    return action.dest if not action.option_strings else action.dest.upper()


def _arguments(action: argparse.Action) -> str:
    """What follows the option, the way argparse's usage writes it (``FILE [FILE ...]``, ``[NAME ...]``)."""
    metavar = _metavar(action)
    nargs = action.nargs
    if nargs == 0:
        return ""
    if nargs is None:
        return metavar
    if nargs == argparse.OPTIONAL:
        return f"[{metavar}]"
    if nargs == argparse.ZERO_OR_MORE:
        return f"[{metavar} ...]"
    if nargs == argparse.ONE_OR_MORE:
        return f"{metavar} [{metavar} ...]"
    if isinstance(nargs, int):
        return " ".join([metavar] * nargs)
    return metavar


def _argument_line(action: argparse.Action) -> str:
    """One bullet: the argument as typed, then its help and what the parser says of it."""
    if action.option_strings:
        value = _arguments(action)
        shown = ", ".join(_code(option) for option in action.option_strings[:-1])
        last = _code(f"{action.option_strings[-1]} {value}".rstrip())
        invocation = f"{shown}, {last}" if shown else last
    else:
        invocation = _code(_arguments(action))
    facts = []
    if action.help:
        facts.append(_escape(action.help))
    if action.choices is not None and action.metavar is not None:
        facts.append("one of " + ", ".join(_code(str(choice)) for choice in action.choices))
    if action.option_strings and action.required:
        facts.append("required")
    if isinstance(action, argparse._AppendAction) and "repeatable" not in (action.help or ""):
        facts.append("repeatable")
    if not action.option_strings and action.nargs in (argparse.OPTIONAL, argparse.ZERO_OR_MORE):
        optional = "optional"
        if isinstance(action.default, str):
            optional += f", default {_code(action.default)}"
        facts.append(optional)
    return f"- {invocation}" + (f": {'; '.join(facts)}" if facts else "")


def _command_section(level: int, title: str, parser: argparse.ArgumentParser, summary: str) -> list[str]:
    _fixed_width(parser)
    lines = [f"{'#' * level} {title}", ""]
    if summary:
        lines += [f"*{_escape(_sentence(summary[0].upper() + summary[1:]))}*", ""]
    lines += ["```text", parser.format_usage().strip(), "```", ""]
    if parser.description:
        lines += [_escape(parser.description), ""]
    shown = [action for action in parser._actions if not isinstance(action, argparse._HelpAction)]
    positionals = [a for a in shown if not a.option_strings and not isinstance(a, argparse._SubParsersAction)]
    options = [a for a in shown if a.option_strings]
    children = list(_subcommands(parser))
    if positionals:
        lines += ["Arguments:", ""] + [_argument_line(a) for a in positionals] + [""]
    if options:
        lines += ["Options:", ""] + [_argument_line(a) for a in options] + [""]
    if children:
        lines += ["Subcommands:", ""]
        lines += [
            f"- [{_code(name)}](#{_anchor(f'{parser.prog} {name}')}): {_escape(help_)}" for name, help_, _ in children
        ]
        lines += [""]
    return lines


def _anchor(title: str) -> str:
    """The id MkDocs (and GitHub) give a heading such as ``radar report weekly``."""
    return "-".join("".join(ch for ch in title.lower() if ch.isalnum() or ch in " -_").split())


def render_cli() -> str:
    from pipeline.cli import build_parser

    parser = _fixed_width(build_parser())
    prog = parser.prog
    commands = list(walk_commands(parser))
    lines = [
        GENERATED.format(source="the parser in pipeline/cli.py"),
        "",
        "# The `radar` command",
        "",
        _escape(parser.description or ""),
        "",
        "```text",
        parser.format_usage().strip(),
        "```",
        "",
        f"`{prog}` is installed into `.venv` (`.venv/bin/{prog}`, the same as `python -m pipeline`). Every "
        "command below takes `-h` / `--help`, which prints what this page shows for it. What the commands "
        "print, their exit status and the environment variables they read are described in "
        "[Getting started](getting-started.md#the-radar-command).",
        "",
        "| command | what it does |",
        "|---|---|",
    ]
    for name, summary, _ in commands:
        title = f"{prog} {name}"
        lines.append(f"| [{_code(title)}](#{_anchor(title)}) | {_escape(summary)} |")
    lines.append("")
    for name, summary, subparser in commands:
        level = 2 + name.count(" ")
        lines += _command_section(level, f"{prog} {name}", subparser, summary)
    return "\n".join(lines).rstrip() + "\n"


# --- the formats reference ----------------------------------------------------------------------------------


def formats_table() -> str:
    """The table ``radar formats --markdown`` prints: built-in formats, what each is, what identifies it."""
    from pipeline.ingest.formats import describe_formats

    lines = ["| format | what | identified by |", "|---|---|---|"]
    lines += [f"| `{row.name}` | {row.description} | {row.identified_by} |" for row in describe_formats()]
    return "\n".join(lines)


def _headers(candidates: tuple[str, ...]) -> str:
    return ", ".join(_code(name) for name in candidates)


def render_formats() -> str:
    from pipeline.ingest.formats import FORMATS, GENERIC_ALIASES, MAPPABLE_COLUMNS

    lines = [
        GENERATED.format(source="the format registry (pipeline.ingest.formats)"),
        "",
        "# Supported export formats",
        "",
        "Each format is an entry in the registry (`pipeline.ingest.formats`): the headers that identify the "
        "layout and which of its headers fill each column of the canonical post. Header names are compared "
        "after normalising them (case, surrounding spaces, `_`, `-` and repeated spaces do not matter, and a "
        "trailing unit in brackets such as `Date (UTC)` is dropped). Where a column lists several headers, "
        "the first one with a value wins. How a layout is recognised, what the vendor layouts do beyond "
        "renaming columns, the reading rules and mapping a layout no format knows are in "
        "[Importing exports](importing.md).",
        "",
        "The summary, as `radar formats --markdown` prints it (`radar formats -v` adds every column mapping; "
        "`radar formats --db FILE` also lists the custom formats saved in that database):",
        "",
        formats_table(),
        "",
    ]
    for fmt in FORMATS:
        lines += [f"## `{fmt.name}`", "", _escape(_sentence(fmt.description)), ""]
        if fmt.generic:
            identified = "any header with a text and a timestamp column under the aliases below (tried last)"
        else:
            identified = "; ".join(" or ".join(_code(option) for option in entry.split("|")) for entry in fmt.identify)
        facts = [f"- Identified by: {identified}."]
        facts.append(f"- Required: {', '.join(_code(column) for column in fmt.required)}.")
        facts.append(
            f"- Platform: {_code(fmt.platform)}."
            if fmt.platform
            else "- Platform: from the export's columns (see the mapping), else as described in "
            "[Importing exports](importing.md)."
        )
        if fmt.header_rows > 1:
            facts.append(f"- Header rows: {fmt.header_rows} (the rows after the first are skipped, not quarantined).")
        if fmt.carries is not None:
            facts.append(
                "- A row can hold two posts: the one it carries is stored once per file, before the row's own."
            )
        if fmt.notes:
            facts.append(f"- {_escape(_sentence(fmt.notes))}")
        lines += facts + [""]
        if fmt.generic:
            lines += ["Columns: every column of the canonical post under the aliases in the next section.", ""]
        else:
            lines += ["| column | headers (the first with a value wins) |", "|---|---|"]
            lines += [f"| `{column}` | {_headers(heads)} |" for column, heads in fmt.columns.items()]
            lines += [
                f"| *{name}* (used by the layout's rule) | {_headers(heads)} |" for name, heads in fmt.extras.items()
            ]
            lines += [""]
        if fmt.generic and fmt.extras:
            lines += [
                "Also read by the layout's rule: "
                + "; ".join(f"*{name}* from {_headers(heads)}" for name, heads in fmt.extras.items())
                + ".",
                "",
            ]
    lines += [
        "## Generic layout aliases",
        "",
        "The headers the `generic` layout accepts for each column (compared after normalising, as above); "
        "`thread_key` is a conversation id: messages sharing one form a thread in time order.",
        "",
        "| column | accepted headers |",
        "|---|---|",
    ]
    lines += [f"| `{column}` | {_headers(heads)} |" for column, heads in GENERIC_ALIASES.items()]
    lines += [
        "",
        "## Columns a mapping may name",
        "",
        "A layout no format knows is read with a column mapping (`radar ingest --map COLUMN=HEADER`, or the "
        "mapping step of the Data page); these are the columns it may name:",
        "",
        "| column | meaning |",
        "|---|---|",
    ]
    lines += [f"| `{column}` | {_escape(meaning)} |" for column, meaning in MAPPABLE_COLUMNS.items()]
    return "\n".join(lines).rstrip() + "\n"


# --- writing and checking -----------------------------------------------------------------------------------


def outputs() -> dict[str, str]:
    """Each generated page's name under docs/ and its text."""
    return {"cli.md": render_cli(), "formats.md": render_formats()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write (or check) docs/cli.md and docs/formats.md from the code.")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a page is missing or stale")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs", help="the docs folder (default: docs/)")
    args = parser.parse_args(argv)
    stale = []
    for name, text in outputs().items():
        path = args.docs / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(path)
            print(
                f"{path} is {'missing' if current is None else 'stale'}: run "
                "`.venv/bin/python scripts/build_reference.py` and commit the result",
                file=sys.stderr,
            )
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
