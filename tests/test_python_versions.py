"""The Pythons scimform supports are said in three places that must agree: requires-python,
pyproject's classifiers and the CI matrix that tests each of them."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml
from trove_classifiers import classifiers as known_classifiers

ROOT = Path(__file__).resolve().parents[1]
_VERSION_CLASSIFIER = "Programming Language :: Python :: 3."


def project() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        table: dict[str, Any] = tomllib.load(file)["project"]
    return table


def ci_matrix() -> list[str]:
    ci = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    versions: list[str] = ci["jobs"]["test"]["strategy"]["matrix"]["python-version"]
    return versions


def minor(version: str) -> int:
    major, number = version.split(".")
    assert major == "3", version
    return int(number)


def classified() -> list[str]:
    prefix = len("Programming Language :: Python :: ")
    found = [c[prefix:] for c in project()["classifiers"] if c.startswith(_VERSION_CLASSIFIER)]
    return sorted(found, key=minor)


def test_the_ci_matrix_tests_every_classified_python() -> None:
    assert all(isinstance(version, str) for version in ci_matrix()), "quote them: 3.10 != 3.1"
    assert sorted(ci_matrix(), key=minor) == classified()


def test_the_versions_run_without_a_gap_from_requires_python_up() -> None:
    versions = [minor(version) for version in classified()]
    assert project()["requires-python"] == f">=3.{versions[0]}"
    assert versions == list(range(versions[0], versions[-1] + 1))
    assert versions[-1] >= 14, "3.14 is stable and setup-python offers it: test it"


def test_the_classifiers_are_ones_pypi_accepts() -> None:
    listed = project()["classifiers"]
    assert "Programming Language :: Python :: 3 :: Only" in listed
    assert set(listed) <= known_classifiers, set(listed) - known_classifiers
