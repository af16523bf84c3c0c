#!/usr/bin/env python3
"""Check that the C++ sources under src/ respect the layer order and have no include cycles.

Each top-level folder of the source root is a layer. Dependencies must point one way, downwards,
so that each layer can be understood, built and tested on its own, with only the layers below it.
This script reads every quoted `#include "..."` and reports:

  * an include of a file in a higher layer,
  * an include of a layer file that does not exist,
  * a top-level folder that is not a layer, or a source file directly in the root,
  * every include cycle closed by a depth-first search of the file-level include graph.

    python3 tools/check_layers.py [--root PATH] [--layers base,io,...] [--list]

Exit status: 0 when clean, 1 when problems were found, 2 for bad usage. Standard library only.
"""

from __future__ import annotations

import argparse
import posixpath
import re
import sys
from pathlib import Path, PurePosixPath

# The layers, lowest first. A file in layer L may include files of L or of any layer before L
# in this list, never of a layer after it. Each layer is a top-level folder of the source root.
LAYERS = ("base", "io", "auth", "s3", "source", "csv", "export", "tenant", "job", "web", "cli")

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCE_SUFFIXES = {".hpp", ".h", ".cpp", ".cc", ".ipp"}

# Comments (blanked), raw strings (blanked) and ordinary string/char literals (kept), so that
# a "/*" inside a string is not mistaken for a comment and a commented-out include vanishes.
TOKEN_RE = re.compile(
    r"""(?P<comment>/\*.*?(?:\*/|\Z)|//(?:\\\n|[^\n])*)
      | (?P<raw>(?<!\w)(?:u8|[uUL])?R"(?P<delim>[^()\\\s]{0,16})\(.*?\)(?P=delim)")
      | "(?:\\.|[^"\\\n])*"? | (?<!\w)'(?:\\.|[^'\\\n])*'?""",
    re.S | re.X,
)
INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"\n]+)"', re.M)


def strip_comments(text: str) -> str:
    """Blank out comments and raw strings, keeping newlines so line numbers stay right."""

    def blank(match: re.Match) -> str:
        if match.group("comment") or match.group("raw"):
            return re.sub(r"[^\n]", " ", match.group(0))
        return match.group(0)

    return TOKEN_RE.sub(blank, text)


def quoted_includes(path: Path) -> list[tuple[int, str]]:
    """Return (line number, target) for each quoted include of a file, outside comments."""
    text = strip_comments(path.read_text(encoding="utf-8", errors="replace"))
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in INCLUDE_RE.finditer(text)]


def source_files(root: Path) -> list[str]:
    """Relative POSIX paths of the scanned sources under root, sorted, hidden folders skipped."""
    found = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if path.suffix in SOURCE_SUFFIXES and path.is_file() and not any(
            part.startswith(".") for part in rel.parts
        ):
            found.append(rel.as_posix())
    return sorted(found)


def resolve(root: Path, including: str, target: str) -> str | None:
    """Resolve a quoted include: first against the root, then the including file's folder."""
    for candidate in (target, posixpath.join(posixpath.dirname(including), target)):
        rel = posixpath.normpath(candidate)
        if rel.startswith(("/", "../")) or rel == "..":
            continue
        if (root / rel).is_file():
            return rel
    return None


def layer_of(rel: str, layers: tuple[str, ...]) -> str | None:
    """The layer of a root-relative path, or None when it is not inside a layer folder."""
    top, sep, _ = rel.partition("/")
    return top if sep and top in layers else None


def find_cycles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """Distinct elementary cycles closed by DFS back edges, each rotated to start at its minimum."""
    cycles: set[tuple[str, ...]] = set()
    state: dict[str, str] = {}
    for start in sorted(graph):
        if start in state:
            continue
        path, pending = [start], [iter(sorted(graph[start]))]
        state[start] = "open"
        while pending:
            nxt = next(pending[-1], None)
            if nxt is None:
                state[path.pop()] = "done"
                pending.pop()
            elif state.get(nxt) == "open":
                loop = path[path.index(nxt):]
                first = loop.index(min(loop))
                cycles.add(tuple(loop[first:] + loop[:first]))
            elif nxt not in state:
                state[nxt] = "open"
                path.append(nxt)
                pending.append(iter(sorted(graph.get(nxt, ()))))
    return sorted(cycles)


def check(root: Path, layers: tuple[str, ...], show) -> tuple[list[str], int, int]:
    """Return (problems, files scanned, includes checked) for the tree under root."""
    rank = {name: i + 1 for i, name in enumerate(layers)}
    structure, include_problems = [], []
    for entry in sorted(root.iterdir()):
        if entry.is_dir() and not entry.name.startswith(".") and entry.name not in rank:
            structure.append(f"{show(entry.name)} is not a layer; known layers: {', '.join(layers)}")
    files = source_files(root)
    graph: dict[str, set[str]] = {}
    checked = 0
    for rel in files:
        if "/" not in rel:
            structure.append(f"{show(rel)}: source file outside any layer folder")
        graph[rel] = set()
        source_layer = layer_of(rel, layers)
        for line, target in quoted_includes(root / rel):
            checked += 1
            where = f"{show(rel)}:{line}: includes \"{target}\""
            resolved = resolve(root, rel, target)
            if resolved is None:
                if target.partition("/")[0] in rank and "/" in target:
                    include_problems.append((rel, line, f"{where}: a file that does not exist"))
                continue
            graph[rel].add(resolved)
            target_layer = layer_of(resolved, layers)
            if source_layer and target_layer and rank[target_layer] > rank[source_layer]:
                include_problems.append((rel, line, (
                    f"{where}: {source_layer} (layer {rank[source_layer]} of {len(layers)}) "
                    f"must not depend on {target_layer} (layer {rank[target_layer]})")))
    cycles = [f"cycle: {' -> '.join(show(node) for node in loop + (loop[0],))}"
              for loop in find_cycles(graph)]
    problems = sorted(structure) + [text for *_, text in sorted(include_problems)] + cycles
    return problems, len(files), checked


def parse_layers(parser: argparse.ArgumentParser, value: str | None) -> tuple[str, ...]:
    """The layer order from --layers (names known, none repeated), or the default."""
    if value is None:
        return LAYERS
    names = tuple(name.strip() for name in value.split(","))
    unknown = [name for name in names if name not in LAYERS]
    if unknown:
        parser.error(f"unknown layer name(s) in --layers: {', '.join(map(repr, unknown))}; "
                     f"known layers: {', '.join(LAYERS)}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        parser.error(f"layer name(s) repeated in --layers: {', '.join(repeated)}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(
            "Check the include layering of the C++ sources. Layers, lowest first: "
            f"{', '.join(LAYERS)}. Each is a top-level folder of the source root; a file in a "
            "layer may include files of its own layer or of lower layers only, and includes "
            "must not form cycles. Exit 0 when clean, 1 on problems, 2 on bad usage."),
    )
    parser.add_argument("--root", default=str(REPO_ROOT / "src"),
                        help="source root to check (default: src/ of this repository)")
    parser.add_argument("--layers", metavar="A,B,...",
                        help="comma-separated layer order, lowest first, overriding the default")
    parser.add_argument("--list", action="store_true",
                        help="print each layer and its file count, lowest first, and exit")
    args = parser.parse_args(argv)
    layers = parse_layers(parser, args.layers)
    root = Path(args.root).resolve()
    if not root.is_dir():
        parser.error(f"source root not found: {args.root}")
    try:
        prefix = PurePosixPath(root.relative_to(REPO_ROOT).as_posix())
    except ValueError:
        prefix = PurePosixPath(Path(args.root).as_posix())

    def show(rel: str) -> str:
        return str(prefix / rel)

    if args.list:
        files = source_files(root)
        width = max(map(len, layers))
        for i, name in enumerate(layers, 1):
            count = sum(1 for rel in files if layer_of(rel, layers) == name)
            print(f"{i:2}  {name:<{width}}  {count:4} file(s)  {show(name)}")
        others = sum(1 for rel in files if layer_of(rel, layers) is None)
        if others:
            print(f"    {'(none)':<{width}}  {others:4} file(s) outside any layer")
        return 0
    problems, file_count, include_count = check(root, layers, show)
    if not problems:
        print(f"layers ok: {file_count} files, {include_count} includes checked")
        return 0
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
