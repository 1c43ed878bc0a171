"""What each package may import (docs/architecture.md): the daemon never imports the lab or the
stack, the pure middle imports nothing of the I/O edge, correlators never import each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fault_correlator.cli import main
from stack.settings import repo_root

ROOT = repo_root()


def imported(package: str) -> dict[str, set[str]]:
    """module file -> the dotted names of everything it imports (lazily inside functions too):
    `from correlators import alerts` counts as `correlators.alerts`, and a relative import as the
    absolute name it stands for."""
    out = {}
    for path in (ROOT / package).rglob("*.py"):
        here = list(path.relative_to(ROOT).with_suffix("").parts)
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = ".".join([*here[:len(here) - node.level], *([node.module] if node.module else [])]) if node.level else node.module
                names.add(base)
                names |= {f"{base}.{alias.name}" for alias in node.names}
        out[str(path.relative_to(ROOT))] = names
    assert out, f"no module found under {package}/"  # a moved package must not pass unchecked
    return out


@pytest.mark.parametrize("package", ["worker", "correlators", "triage", "backends"])
def test_the_daemon_never_imports_the_lab_or_the_stack(package):
    for module, names in imported(package).items():
        assert not {name for name in names if name.split(".")[0] in ("lab", "stack", "fault_correlator")}, module


def test_the_pure_middle_does_no_io():
    for module, names in imported("triage").items():
        assert not {name for name in names if name.split(".")[0] in ("worker", "correlators", "backends", "elasticsearch", "kafka", "httpx")}, module


def test_correlators_never_import_each_other():
    own = {path.stem for path in (ROOT / "correlators").glob("*.py")}
    shared = {"base", "log_search", "metric_series", "request_log_facts", "__init__"}  # helpers, not correlators
    for module, names in imported("correlators").items():
        others = {name.split(".")[1] for name in names if name.startswith("correlators.") and name.count(".") >= 1}
        stem = Path(module).stem
        assert not (others - shared - {stem}) & own, module


def test_the_front_door_lists_every_command(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for command in ("run", "incidents", "knowledge", "demo", "lab", "stack"):
        assert f"  {command} " in text
    assert main(["no-such-command"]) == 2
