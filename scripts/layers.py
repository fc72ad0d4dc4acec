"""The package's shape, from its source: stages, imports that cross them the wrong way, sizes.

    python scripts/layers.py                 # this tree's audiocoach/
    python scripts/layers.py OTHER/audiocoach  # another checkout's, e.g. an older commit's

Prints the number of modules, the import levels (the longest chain of modules each importing
the next as it loads), the longest modules and functions, and each
import that goes from a stage to a later one. A stage may import the shared base and earlier
stages only: routine -> speech -> voice -> audio -> publish, with the commands and the API on top.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "audiocoach"
BASE = ("errors", "files", "hooks", "ffmpeg")
STAGES = ("routine", "speech", "voice", "audio", "publish")
MAX_MODULE_LINES = 400
MAX_CLI_LINES = 300


@dataclass(frozen=True)
class Module:
    name: str  # dotted, without the package: `routine.model`, `cli`
    path: Path
    lines: int
    imports: frozenset[str]  # the package's modules it imports, dotted the same way
    top_imports: frozenset[str]  # those imported as it loads (not inside a function)
    functions: tuple[tuple[str, int], ...]  # (qualified name, lines)


def modules(package: Path = PACKAGE) -> dict[str, Module]:
    """Every module of the package by its dotted name (a package's `__init__` by the package's)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "__init__"
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        top = ast.Module(body=[node for node in tree.body
                               if isinstance(node, (ast.Import, ast.ImportFrom))], type_ignores=[])
        found[name] = Module(name, path, len(text.splitlines()), frozenset(_imports(tree, name)),
                             frozenset(_imports(top, name)), tuple(_functions(tree)))
    names = set(found)

    def known(imports: frozenset[str], own: str) -> frozenset[str]:
        return frozenset(k for k in (_known(i, names) for i in imports) if k and k != own)

    return {name: Module(m.name, m.path, m.lines, known(m.imports, name),
                         known(m.top_imports, name), m.functions) for name, m in found.items()}


def _imports(tree: ast.AST, own: str) -> list[str]:
    """The package's modules a module imports, at any depth of its code."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith("audiocoach")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the module's own package
                base = own.split(".")[:-node.level] if "." in own else []
                module = ".".join(["audiocoach", *base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if module.startswith("audiocoach"):  # each name: a submodule, or one of the module's
                found += [f"{module}.{alias.name}" for alias in node.names]
    return [name.removeprefix("audiocoach").lstrip(".") or "__init__" for name in found]


def _known(name: str, names: set[str]) -> str | None:
    """The module `name` is or lies in (an imported function's name dropped)."""
    while name and name not in names:
        name = name.rpartition(".")[0]
    return name or None


def _functions(tree: ast.AST, prefix: str = "") -> list[tuple[str, int]]:
    found = []
    for node in getattr(tree, "body", []):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append((prefix + node.name, node.end_lineno - node.lineno + 1))
            found += _functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            found += _functions(node, f"{prefix}{node.name}.")
    return found


def stage(name: str) -> int:
    """0 for the shared base, 1 to 5 for the stages in order, 6 for what sits on top."""
    first = name.split(".")[0]
    if first in BASE:
        return 0
    return STAGES.index(first) + 1 if first in STAGES else len(STAGES) + 1


def wrong_way(found: dict[str, Module]) -> list[tuple[str, str]]:
    """(importer, imported) for each import of a later stage, or of the top from a stage."""
    return sorted((m.name, other) for m in found.values() for other in m.imports
                  if stage(other) > stage(m.name) and not other.startswith(m.name + "."))


def longest_chain(found: dict[str, Module]) -> list[str]:
    """The longest chain of modules each importing the next as it loads; its length is the
    number of import levels. Imports inside functions are left out, as they break circles."""
    @lru_cache(maxsize=None)
    def chain(name: str) -> tuple[str, ...]:
        nexts = [chain(i) for i in sorted(found[name].top_imports) if not name.startswith(i + ".")]
        return (name, *max(nexts, key=len, default=()))

    return list(max((chain(name) for name in sorted(found)), key=len, default=()))


def report(package: Path = PACKAGE) -> str:
    found = modules(package)
    longest = sorted(found.values(), key=lambda m: -m.lines)[:5]
    functions = sorted(((f"{m.name}.{name}", size) for m in found.values()
                        for name, size in m.functions), key=lambda f: -f[1])[:5]
    lines = [f"modules: {len(found)}",
             f"import levels: {len(longest_chain(found))} ({' -> '.join(longest_chain(found))})",
             "longest modules: " + ", ".join(f"{m.name} {m.lines}" for m in longest),
             "longest functions: " + ", ".join(f"{name} {size}" for name, size in functions),
             f"modules over {MAX_MODULE_LINES} lines: "
             + (", ".join(m.name for m in found.values() if m.lines > MAX_MODULE_LINES) or "none")]
    wrong = wrong_way(found)
    lines.append("imports against the stages: "
                 + (", ".join(f"{a} -> {b}" for a, b in wrong) if wrong else "none"))
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(Path(sys.argv[1]) if len(sys.argv) > 1 else PACKAGE))
