"""The package's shape, read from its import graph: every module imports only its own layer or
a lower one, peers of a layer leave each other alone, exactly one module assembles the judge
stack, and nobody asks a judge what it wraps."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "reviewer"
CORE = ("reviewer", "reviewer.model", "reviewer.errors", "reviewer.rules", "reviewer.controls")
# Lowest first. Groups on one line are peers: neither may import the other.
LAYERS: tuple[tuple[str, ...], ...] = (
    CORE,
    ("reviewer.files",),
    ("reviewer.parse",),
    ("reviewer.project",),
    ("reviewer.extract",),
    ("reviewer.draw",),
    ("reviewer.judge", "reviewer.render"),
    ("reviewer.gate",),
    ("reviewer.pipeline",),
    ("reviewer.batch", "reviewer.evaluate", "reviewer.fix"),
    ("reviewer.commands",),
    ("reviewer.cli",),
    ("reviewer.__main__",),
)
# The judge stack's parts: only the assembly builds them.
STACK = {"LLMJudge", "Cached", "Retried", "RateLimited", "Breaker", "OpenAIChat"}
ASSEMBLY = "reviewer.judge.build"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _group(module: str) -> str:
    if module in CORE:
        return "core"
    groups = [g for layer in LAYERS[1:] for g in layer]
    return next(g for g in groups if module == g or module.startswith(g + "."))


def _rank(group: str) -> int:
    return 0 if group == "core" else next(n for n, layer in enumerate(LAYERS) if group in layer)


def _imported(module: str, path: Path) -> Iterator[str]:
    """Every reviewer module `module` imports, at the top or inside a function."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            names = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != module:
                yield name


def edges() -> set[tuple[str, str]]:
    return {(m, i) for m, path in MODULES.items() for i in _imported(m, path)}


def test_every_module_belongs_to_a_layer() -> None:
    for module in MODULES:
        assert _group(module), module


def test_no_module_imports_a_higher_layer_or_a_peer() -> None:
    wrong = []
    for importer, imported in sorted(edges()):
        a, b = _group(importer), _group(imported)
        if a != b and _rank(a) <= _rank(b):
            wrong.append(f"{importer} -> {imported}")
    assert wrong == []


def _calls(path: Path) -> Iterator[tuple[str, ast.Call]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            yield name, node


def test_exactly_one_module_assembles_the_judge_stack() -> None:
    builders = {m for m, path in MODULES.items() for name, _ in _calls(path) if name in STACK}
    assert builders == {ASSEMBLY}


def test_nobody_asks_a_judge_what_it_wraps() -> None:
    asked = [
        f"{m}: isinstance(..., {ast.unparse(call.args[1])})"
        for m, path in MODULES.items()
        for name, call in _calls(path)
        if name == "isinstance"
        and len(call.args) == 2
        and set(ast.unparse(call.args[1]).strip("()").replace(" ", "").split(",")) & STACK
    ]
    assert asked == []


def test_only_the_core_and_the_pipeline_are_loose_at_the_top() -> None:
    """The folders show the pipeline: every stage is a folder of its own."""
    loose = {m for m, path in MODULES.items() if path.parent == PACKAGE and m not in CORE}
    assert loose == {"reviewer.pipeline", "reviewer.__main__"}


def main() -> None:
    """Print the graph's size and its edges between groups, for notes on the structure."""
    found = edges()
    between = {(_group(a), _group(b)) for a, b in found if _group(a) != _group(b)}
    print(f"{len(MODULES)} modules, {len(found)} import edges, {len(between)} between groups")
    for a, b in sorted(between, key=lambda e: (-_rank(e[0]), e)):
        count = sum(1 for x, y in found if (_group(x), _group(y)) == (a, b))
        print(f"  {a} -> {b}: {count}")


if __name__ == "__main__":
    main()
