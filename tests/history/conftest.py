"""Fixtures for the history tests: new git repositories under tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from gitrepo import Repo


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[[str], Repo]:
    """New repositories under tmp_path, by name."""
    return lambda name: Repo(tmp_path / name)
