"""The layers import one way: rag/ ← index/ ← api/, eval/, bench/, cli/; nothing imports api/;
and inside rag/, the ground floor (types, vectors) imports nothing of the project."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What each package may import from the project's own packages.
ALLOWED = {
    "rag": {"rag"},
    "index": {"rag", "index"},
    "api": {"rag", "index", "api"},
    "eval": {"rag", "index", "eval"},
    "bench": {"rag", "index", "eval", "bench"},
}
PROJECT = {"rag", "index", "api", "eval", "bench", "cli"}
GROUND_FLOOR = ("rag/types.py", "rag/vectors.py")


def _imports(path: Path) -> list[str]:
    """Modules imported by the file, at run time (not under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    checking = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in checking:
            continue
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def test_each_layer_imports_only_the_layers_below_it() -> None:
    wrong = []
    for package, allowed in ALLOWED.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            for module in _imports(path):
                top = module.split(".")[0]
                if top in PROJECT and top not in allowed:
                    wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert wrong == []


def test_the_ground_floor_imports_nothing_of_the_project() -> None:
    for name in GROUND_FLOOR:
        imported = [m for m in _imports(ROOT / name) if m.split(".")[0] in PROJECT]
        assert imported == [], name


def test_lexical_modules_do_not_import_retrieval() -> None:
    for path in sorted((ROOT / "rag" / "lexical").glob("*.py")):
        assert not [m for m in _imports(path) if m.startswith("rag.retrieval")], path.name
