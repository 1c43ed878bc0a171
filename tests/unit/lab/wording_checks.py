"""Checks every world's ticket wording must pass, shared by the per-world wording tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def assert_clean_ticket(subject: str, body: str) -> None:
    """A subject on one line, and no unfilled slot, marker, double space or edge whitespace."""
    assert subject.strip() and body.strip()
    assert "\n" not in subject
    for text in (subject, body):
        assert not re.search(r"\{[^{}]*\}", text), text
        assert "\x01" not in text and "\x02" not in text
        assert "  " not in text, text
        assert text == text.strip()


def outputs_under_hash_seeds(code: str, seeds: tuple[str, ...] = ("0", "4242")) -> list[str]:
    """What `code` prints in fresh interpreters with each PYTHONHASHSEED (set iteration order differs)."""
    outputs = []
    for hash_seed in seeds:
        env = dict(os.environ, PYTHONHASHSEED=hash_seed, PYTHONPATH=str(ROOT))
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        outputs.append(done.stdout)
    return outputs
