"""Every import of the runtime packages comes from a runtime dependency, so `make serve` (which installs the
project without its test extra) runs every command, `followup eval` included. Checked on the import statements of
the source, those inside functions too, against what the installed project's runtime requirements pull in."""

from __future__ import annotations

import ast
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]

RUNTIME_PACKAGES = ("corpus", "index", "rag", "api", "eval")


def _runtime_distributions() -> set[str]:
    """The project's runtime requirements and theirs, as installed (extras left out), by normalised name."""
    seen: set[str] = set()
    stack = ["followup"]
    while stack:
        name = stack.pop()
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            key = _normal(requirement.name)
            if key not in seen:
                seen.add(key)
                try:
                    metadata.distribution(requirement.name)
                except metadata.PackageNotFoundError:
                    continue
                stack.append(requirement.name)
    return seen


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_runtime_code_imports_only_runtime_dependencies() -> None:
    runtime = _runtime_distributions()
    providers = metadata.packages_distributions()
    outside: list[str] = []
    for package in RUNTIME_PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            for module in sorted(_imported_modules(path)):
                if module in sys.stdlib_module_names or module in RUNTIME_PACKAGES or module == "__future__":
                    continue
                distributions = {_normal(d) for d in providers.get(module, [])}
                if not distributions & runtime:
                    outside.append(f"{path.relative_to(REPO)} imports {module} ({', '.join(sorted(distributions))})")
    assert not outside, "imports from outside the runtime dependencies:\n" + "\n".join(outside)
