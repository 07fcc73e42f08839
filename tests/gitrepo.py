"""A git repository builder for tests: commits with set authors and dates, branches and
merges. Shared by the history tests and the `scimform history` CLI tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class Repo:
    """A git repository in a temporary directory; each commit's author and day are set."""

    def __init__(self, top: Path) -> None:
        self.top = top
        top.mkdir(parents=True)
        self.git("init", "-q", "-b", "main")

    def git(
        self, *args: str, author: str = "Ops Bot", day: str = "2026-01-01", landed: str = ""
    ) -> str:
        """Run git with the author and the day set; `landed` (a day) sets the commit date
        apart from the author date, as a merge or a squash on GitHub does."""
        email = author.lower().replace(" ", ".") + "@corp.example"
        stamp = f"{day}T09:00:00+00:00"
        committed = f"{landed}T15:00:00+00:00" if landed else stamp
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": author,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_NAME": author,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_COMMITTER_DATE": committed,
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        done = subprocess.run(
            ["git", *args], cwd=self.top, env=env, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    def write(self, files: dict[str, str | None]) -> None:
        """Write each file (None deletes it)."""
        for name, text in files.items():
            path = self.top / name
            if text is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)

    def commit(
        self,
        message: str,
        files: dict[str, str | None],
        author: str = "Ops Bot",
        day: str = "",
        landed: str = "",
    ) -> str:
        """Commit the files (`landed`: a commit date other than the author date); the full
        sha."""
        self.write(files)
        self.git("add", "-A")
        self.git(
            "commit", "-q", "-m", message, author=author, day=day or "2026-01-01", landed=landed
        )
        return self.git("rev-parse", "HEAD")

    def merge_pull_request(self, branch: str, number: int, merger: str, day: str) -> str:
        """Merge `branch` into the checked-out branch as GitHub's merge button does: a merge
        commit "Merge pull request #N from corp/BRANCH" by `merger` on `day`; its sha."""
        message = f"Merge pull request #{number} from corp/{branch}"
        self.git("merge", "-q", "--no-ff", "-m", message, branch, author=merger, day=day)
        return self.git("rev-parse", "HEAD")

    @staticmethod
    def user(name: str, external_id: str | None = None, title: str = "Engineer") -> str:
        """One user entry in the direct form, indented for a `users:` list."""
        given = name.split("@")[0].capitalize()
        lines = [f"  - userName: {name}"]
        if external_id:
            lines.append(f"    externalId: {external_id}")
        lines += [
            f"    givenName: {given}",
            "    familyName: Example",
            f"    displayName: {given} Example",
            f"    email: {name}",
            f"    title: {title}",
        ]
        return "\n".join(lines) + "\n"
