"""requirements/action.txt, what the action installs, is a hash lock in step with
pyproject.toml: every runtime dependency pinned within its range, exactly the distributions
they need (plus the build backend), each with its hashes. The installed versions here are
the locked ones, which tests/ci/test_adoption.py relies on to install offline."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "action.txt"
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+?)(?:\s*;\s*(.+?))?\s*\\?$")


def locked() -> dict[str, tuple[str, Marker | None, int]]:
    """name -> (version, marker, number of hashes) of every pin in the lock."""
    pins: dict[str, tuple[str, Marker | None, int]] = {}
    name = ""
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        found = _PIN.match(line)
        if found:
            name = canonicalize_name(found.group(1))
            marker = Marker(found.group(3)) if found.group(3) else None
            pins[name] = (found.group(2), marker, 0)
        elif line.strip().startswith("--hash=sha256:"):
            version, marker, hashes = pins[name]
            pins[name] = (version, marker, hashes + 1)
    return pins


def wanted() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extra = (ROOT / "requirements" / "action.in").read_text(encoding="utf-8").splitlines()
    given = project["dependencies"] + [x for x in extra if x.strip() and not x.startswith("#")]
    return [Requirement(r) for r in given]


def closure(roots: list[Requirement]) -> set[str]:
    """Every distribution the requirements need here, through installed metadata."""
    seen: set[str] = set()
    todo = [(r, frozenset(r.extras)) for r in roots]
    while todo:
        requirement, extras = todo.pop()
        name = canonicalize_name(requirement.name)
        first = name not in seen
        seen.add(name)
        for child in metadata.requires(name) or []:
            need = Requirement(child)
            environments = [{"extra": e} for e in extras] or [{"extra": ""}]
            if need.marker and not any(need.marker.evaluate(e) for e in environments):
                continue
            if first or need.marker:
                todo.append((need, frozenset(need.extras)))
    return seen


def test_every_pin_is_exact_and_hashed() -> None:
    pins = locked()
    assert len(pins) > 20
    for name, (version, _, hashes) in pins.items():
        assert hashes >= 1, f"{name}=={version} has no --hash"


def test_the_lock_satisfies_pyproject() -> None:
    pins = locked()
    for requirement in wanted():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is in pyproject.toml but not in the lock: run scripts/lock"
        assert requirement.specifier.contains(pins[name][0], prereleases=True), (
            f"{name}=={pins[name][0]} does not satisfy {requirement}: run scripts/lock"
        )


def test_the_lock_is_exactly_what_pyproject_needs() -> None:
    pins = locked()
    for name, (version, _, _) in pins.items():
        installed = metadata.version(name) if _installed(name) else None
        assert installed == version, (
            f"{name} is {installed} here but {version} in the lock: "
            "pip install --require-hashes -r requirements/action.txt"
        )
    needed = closure(wanted())
    assert needed <= set(pins), f"missing from the lock: {sorted(needed - set(pins))}"
    extra = {n for n in set(pins) - needed if pins[n][1] is None or pins[n][1].evaluate()}
    assert not extra, f"in the lock but needed by nothing: {sorted(extra)}; run scripts/lock"


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True
