"""This repository is a pre-commit hook repository: pre-commit installs scimform from it into a
virtualenv of its own and runs `scimform-validate` and `scimform-fmt` on a config in another
git repository, both through `try-repo` and through the README's `.pre-commit-config.yaml`.

Offline: pip may read only a wheelhouse repacked from the distributions installed here (the
package index is switched off and any HTTP goes to a closed port), so the test needs nothing
but `pip install -e '.[test]'`."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml
from gitrepo import Repo
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
_NOT_REPACKED = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}

GOOD = """\
users:
  - userName: alice@corp.example
    externalId: 6f1c0a52-8d3e-4b7a-9c21-5e0f3a7b2d14
    givenName: Alice
    familyName: Smith
    displayName: Alice Smith
    email: alice@corp.example
  - userName: bob@corp.example
    externalId: 9b3e7d21-4c5a-4f60-8e19-2d7a6c0b3f85
    givenName: Bob
    familyName: Okafor
    displayName: Bob Okafor
    email: bob@corp.example
groups:
  - displayName: admins
    members:
      - alice@corp.example
      - bob@corp.example
"""
# What GOOD says, in no canonical layout: four-space indents, keys out of order, a flow list.
MESSY = """\
users:
    - givenName: Alice
      userName: alice@corp.example
      externalId: 6f1c0a52-8d3e-4b7a-9c21-5e0f3a7b2d14
      familyName: Smith
      displayName: Alice Smith
      email: alice@corp.example
    - userName: bob@corp.example
      externalId: 9b3e7d21-4c5a-4f60-8e19-2d7a6c0b3f85
      givenName: Bob
      familyName: Okafor
      displayName: Bob Okafor
      email: bob@corp.example
groups:
    - members: [bob@corp.example, alice@corp.example]
      displayName: admins
"""
# A member nobody declares: formatted (BAD), and as a messy file that fmt turns into BAD.
BAD = GOOD + "      - nobody@corp.example\n"
BAD_MESSY = MESSY.replace("alice@corp.example]", "alice@corp.example, nobody@corp.example]")
BAD_LINE = BAD.splitlines().index("      - nobody@corp.example") + 1
SETTINGS = "require_external_id: true\n"
# Not scimform's: validating the root instead of people/ would fail on it.
COMPOSE = "services:\n    web:\n        image: nginx\n"


def requirement_closure(roots: list[str]) -> dict[str, metadata.Distribution]:
    """The installed distributions that `roots` need, with their extras' requirements."""
    found: dict[str, metadata.Distribution] = {}
    seen: set[tuple[str, str]] = set()
    todo = [(root, "") for root in roots]
    while todo:
        name, extra = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if (key, extra) in seen:
            continue
        seen.add((key, extra))
        dist = found.setdefault(key, metadata.distribution(name))
        for line in dist.requires or []:
            needed = Requirement(line)
            if needed.marker is None or needed.marker.evaluate({"extra": extra}):
                todo += [(needed.name, e) for e in ["", *needed.extras]]
    return found


def wheel_tag(dist: metadata.Distribution) -> str:
    """The compressed tag set (`cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64`)."""
    lines = (dist.read_text("WHEEL") or "").splitlines()
    tags = [line.split(":", 1)[1].strip().split("-") for line in lines if line.startswith("Tag:")]
    return "-".join(".".join(dict.fromkeys(tag[part] for tag in tags)) for part in range(3))


def repack(dist: metadata.Distribution, into: Path) -> Path:
    """A wheel of an installed distribution, from the files its RECORD lists. Scripts
    outside site-packages are left out: pip writes console scripts from entry_points.txt."""
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    wheel = into / f"{name}-{dist.version}-{wheel_tag(dist)}.whl"
    record: list[str] = []
    with zipfile.ZipFile(wheel, "w") as archive:
        for file in dist.files or []:
            info = file.parts[0].endswith(".dist-info")
            if file.parts[0] == ".." or "__pycache__" in file.parts:
                continue
            if info and file.name in _NOT_REPACKED:
                continue
            data = Path(str(file.locate())).read_bytes()
            archive.writestr(file.as_posix(), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{file.as_posix()},sha256={digest.decode()},{len(data)}")
        info_dir = next(f.parts[0] for f in dist.files or [] if f.parts[0].endswith(".dist-info"))
        record.append(f"{info_dir}/RECORD,,")
        archive.writestr(f"{info_dir}/RECORD", "\n".join(record) + "\n")
    return wheel


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """scimform's dependencies and its build backend, as wheels; scimform itself is built
    from the repository by pre-commit."""
    into = tmp_path_factory.mktemp("wheelhouse")
    for key, dist in requirement_closure(["scimform", "hatchling"]).items():
        if key != "scimform":
            repack(dist, into)
    return into


def pre_commit(repo: Repo, wheelhouse: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run pre-commit in `repo` with pip confined to the wheelhouse."""
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens, so any download fails
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "VIRTUALENV_")) and not k.lower().endswith("_proxy")
    }
    env |= {"http_proxy": closed, "https_proxy": closed, "HTTP_PROXY": closed}
    env |= {"HTTPS_PROXY": closed, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse)}
    env |= {"PIP_DISABLE_PIP_VERSION_CHECK": "1", "VIRTUALENV_NO_PERIODIC_UPDATE": "1"}
    env |= {"PRE_COMMIT_HOME": str(repo.top.parent / "pre-commit-home")}
    command = [sys.executable, "-m", "pre_commit", *args, "--color", "never"]
    return subprocess.run(
        command, cwd=repo.top, env=env, capture_output=True, text=True, timeout=240
    )


def consumer(top: Path, files: dict[str, str]) -> Repo:
    repo = Repo(top)
    repo.commit("config", files)
    return repo


def status(result: subprocess.CompletedProcess[str], hook: str) -> str:
    """`Passed` or `Failed` (or `(no files to check)Skipped`) for one hook."""
    found = re.search(rf"^{re.escape(hook)}\.+(.*)$", result.stdout, re.M)
    assert found, result.stdout + result.stderr
    return found.group(1)


def readme_config() -> dict[str, Any]:
    """The README's `.pre-commit-config.yaml`, pointed at this repository's HEAD (a commit,
    as `rev:` must be: uncommitted changes to the hooks reach only the try-repo test)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"^## Pre-commit\n.*?^```yaml\n(.*?)^```", readme, re.M | re.S)
    assert block, "the README's Pre-commit section has no yaml block"
    config: dict[str, Any] = yaml.safe_load(block.group(1))
    (entry,) = config["repos"]
    assert entry["repo"] == "https://github.com/OWNER/scimform"
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    entry.update(repo=str(ROOT), rev=head.stdout.strip())
    return config


@pytest.mark.slow
def test_try_repo_formats_a_messy_file_then_fails_on_its_unknown_member(
    tmp_path: Path, wheelhouse: Path
) -> None:
    repo = consumer(tmp_path / "org", {"scimform.yaml": SETTINGS, "people.yaml": BAD_MESSY})
    result = pre_commit(repo, wheelhouse, "try-repo", str(ROOT), "--all-files")
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "id: scimform-fmt" in out and "id: scimform-validate" in out
    assert status(result, "scimform fmt") == "Failed"
    assert "files were modified by this hook" in out and "reformatted people.yaml" in out
    assert (repo.top / "people.yaml").read_text(encoding="utf-8") == BAD
    assert status(result, "scimform validate") == "Failed"
    assert f"people.yaml:{BAD_LINE}:9: error[group.unknown-member]" in out
    assert 'did you mean "bob@corp.example"' in out


@pytest.mark.slow
def test_the_readme_config_checks_and_formats_only_the_config_directory(
    tmp_path: Path, wheelhouse: Path
) -> None:
    config = yaml.safe_dump(readme_config(), sort_keys=False)
    files = {".pre-commit-config.yaml": config, "compose.yaml": COMPOSE}
    repo = consumer(
        tmp_path / "org", {**files, "people/scimform.yaml": SETTINGS, "people/people.yaml": GOOD}
    )
    passed = pre_commit(repo, wheelhouse, "run", "--all-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert status(passed, "scimform validate") == status(passed, "scimform fmt") == "Passed"
    assert (repo.top / "compose.yaml").read_text(encoding="utf-8") == COMPOSE

    repo.commit("an unknown member", {"people/people.yaml": BAD})
    failed = pre_commit(repo, wheelhouse, "run", "--all-files")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert status(failed, "scimform validate") == "Failed"
    assert status(failed, "scimform fmt") == "Passed"
    assert f"people/people.yaml:{BAD_LINE}:9: error[group.unknown-member]" in failed.stdout

    repo.commit("messy", {"people/people.yaml": MESSY})
    formatted = pre_commit(repo, wheelhouse, "run", "--all-files")
    assert formatted.returncode == 1, formatted.stdout + formatted.stderr
    assert status(formatted, "scimform fmt") == "Failed"
    assert status(formatted, "scimform validate") == "Passed"
    assert (repo.top / "people" / "people.yaml").read_text(encoding="utf-8") == GOOD
    repo.git("add", "-A")
    again = pre_commit(repo, wheelhouse, "run", "--all-files")
    assert again.returncode == 0, again.stdout + again.stderr
