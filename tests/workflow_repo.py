"""A consumer repository as the reusable workflows see it across runs: pull requests planned
(their comments and uploaded plans kept), merged, and applied, with a fake `gh` answering
from what earlier runs posted. Shared by the workflow run tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scimform.ci.outcome import apply_marker
from scimform.model import User

BOT = "github-actions[bot]"
REPOSITORY = "octo/people"
PULLS = "repos/octo/people/pulls?state=closed&base=main&sort=updated&direction=desc&per_page=100"


def person(name: str, **fields: Any) -> User:
    first = name.split("@")[0].capitalize()
    return User(name, first, "Example", f"{first} Example", email=name, **fields)


def yaml_user(user: User) -> dict[str, Any]:
    found = {"userName": user.user_name, "givenName": user.given_name}
    found |= {"familyName": user.family_name, "displayName": user.display_name}
    found |= {"email": user.email} | ({"title": user.title} if user.title else {})
    return found


def write_config(
    workspace: Path,
    url: str,
    users: list[User],
    members: list[User],
    groups: dict[str, list[User]] | None = None,
) -> Path:
    """The config in workspace/people: `users`, a group `admins` of `members`, and more
    `groups` by name."""
    root = workspace / "people"
    root.mkdir(parents=True, exist_ok=True)
    settings = {"target": {"url": url, "token": "env:SCIM_TOKEN"}, "ownership": {"prune": True}}
    (root / "scimform.yaml").write_text(json.dumps(settings), encoding="utf-8")
    every = {"admins": members} | (groups or {})
    listed = [{"displayName": n, "members": [m.user_name for m in ms]} for n, ms in every.items()]
    body = {"users": [yaml_user(u) for u in users], "groups": listed}
    (root / "people.yaml").write_text(json.dumps(body, indent=1), encoding="utf-8")
    return root


def sha(number: int, kind: str = "a") -> str:
    return (kind * 8 + f"{number:032d}")[:40]


@dataclass
class Repo:
    """Pull requests and pushes of octo/people, run through the reusable workflows against
    the store at `url` (the operator's target).

    The approval policy is off here unless `inputs` turns it on (`require-approvals`): it
    reads the config at two commits, and this workspace is no git repository (see
    tests/ci/test_approvals_workflow.py for one that is). `reviews[N]` are #N's reviews."""

    actions: Callable[..., Any]
    url: str
    token: str
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    pulls: list[dict[str, Any]] = field(default_factory=list)
    runs: int = 5000
    options: dict[str, Any] = field(default_factory=dict)  # for every runner
    inputs: dict[str, Any] = field(default_factory=dict)  # for every job
    skip: tuple[str, ...] = ("install",)
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    # More of what `gh api repos/R/pulls/N` says of #N (author, head and base commits).
    pull_info: dict[int, dict[str, Any]] = field(default_factory=dict)
    approvals: Any = None  # the approvals job of the latest plan run
    gather: Any = None  # the gather job of the latest apply run

    def _next_run(self) -> str:
        self.runs += 1
        return str(self.runs)

    def plan(self, number: int, users: list[User], members: list[User], **kw: Any) -> Any:
        """Plan pull request #number whose config declares `users` and `members`; the
        comment job posts (or edits) its comment. Returns (plan job, comment job)."""
        event = {
            "action": "synchronize",
            "pull_request": {
                "number": number,
                "head": {"sha": sha(number), "repo": {"full_name": kw.pop("head", REPOSITORY)}},
            },
        }
        if "head" in self.pull_info.get(number, {}):
            event["pull_request"]["head"]["sha"] = self.pull_info[number]["head"]["sha"]
        secrets = kw.pop("secrets", {"SCIM_TOKEN": self.token})
        name = f"pr{number}-{self.runs}"
        runner = self.actions(event, secrets, name, run_id=self._next_run(), **self.options)
        if kw.pop("write", True):
            write_config(runner.workspace, kw.pop("url", self.url), users, members, **kw)
        runner.answer(f"repos/octo/people/issues/{number}/comments", self.comments.get(number, []))
        inputs = {"directory": "people", "target-url": self.url, "require-approvals": False}
        inputs |= self.inputs
        job, comment = self._plan_jobs(runner, number, event, inputs)
        return runner, job, comment

    def _plan_jobs(
        self, runner: Any, number: int, event: dict[str, Any], inputs: dict[str, Any]
    ) -> tuple[Any, Any]:
        """The plan workflow's jobs as GitHub runs them: plan, approvals, comment."""
        job = runner.run("scimform-plan.yml", "plan", inputs, skip=self.skip)
        work = runner.temp / "scimform"
        names = ("plan.json", "plan.txt", "reviewed.json", "comment.json")
        if job.outputs.get("artifact"):
            runner.upload(job.outputs["artifact"], *(work / n for n in names))
        self._answer_pull(runner, number, event["pull_request"])
        needs = {"plan": job.outputs}
        self.approvals = runner.run("scimform-plan.yml", "approvals", inputs, needs, self.skip)
        needs["approvals"] = self.approvals.outputs
        comment = runner.run("scimform-plan.yml", "comment", inputs, needs=needs)
        self._keep(runner)
        return job, comment

    def _answer_pull(self, runner: Any, number: int, pull: dict[str, Any]) -> None:
        """What `gh api` says of #number and its reviews."""
        found = {"user": {"login": "octocat"}, "base": {"sha": sha(0, "b")}} | pull
        found |= self.pull_info.get(number, {})
        runner.answer(f"repos/octo/people/pulls/{number}", found | {"number": number})
        runner.answer(f"repos/octo/people/pulls/{number}/reviews", self.reviews.get(number, []))

    def merge(self, number: int, at: str) -> None:
        pull = {"number": number, "merged_at": at, "merge_commit_sha": sha(number, "m")}
        self.pulls.insert(0, pull)

    def apply(self, number: int, inputs: dict[str, Any] | None = None, **kw: Any) -> Any:
        """The apply run on the push that merged #number (the workspace holds main's
        config), then its report job. Returns (runner, apply job, report job)."""
        event = {"ref": kw.pop("ref", "refs/heads/main"), "repository": {"default_branch": "main"}}
        runner = self.actions(
            event,
            {"SCIM_TOKEN": self.token},
            f"apply{number}-{self.runs}",
            run_id=self._next_run(),
            sha=sha(number, "m"),
            **self.options,
        )
        job, report = self._apply_jobs(runner, inputs)
        return runner, job, report

    def _apply_jobs(self, runner: Any, inputs: dict[str, Any] | None) -> tuple[Any, Any]:
        """The apply workflow's jobs as GitHub runs them: gather, apply (skipped when
        gather failed), report; `gh` answers what the pull requests say."""
        runner.answer(PULLS, self.pulls)
        for pull in self.pulls:
            runner.answer(f"repos/octo/people/issues/{pull['number']}/comments", self.said(pull))
            merged = {"merged_by": {"login": "octocat"}, "head": {"sha": sha(pull["number"])}}
            self._answer_pull(runner, pull["number"], merged | pull)
        given = {"directory": "people", "target-url": self.url, "require-approvals": False}
        given |= self.inputs | (inputs or {})
        self.gather = runner.run("scimform-apply.yml", "gather", given, skip=self.skip)
        needs = {"gather": self.gather.outputs}
        if self.gather.failed:  # GitHub skips a job whose need failed
            job = replace(self.gather, steps={}, outputs={}, summary="", skipped=True)
        else:
            job = runner.run("scimform-apply.yml", "apply", given, needs, self.skip)
        report = runner.run("scimform-apply.yml", "report", given, needs={"apply": job.outputs})
        self._keep(runner)
        return job, report

    def said(self, pull: dict[str, Any]) -> list[dict[str, Any]]:
        return self.comments.get(pull["number"], [])

    def _keep(self, runner: Any) -> None:
        """Record the comments the run posted or edited, as GitHub would keep them."""
        for call in runner.gh_calls():
            endpoint, body = call["endpoint"], (call["payload"] or {}).get("body")
            if call["method"] == "POST" and endpoint.endswith("/comments"):
                number = int(endpoint.split("/")[-2])
                said = self.comments.setdefault(number, [])
                ids = [c["id"] for n in self.comments.values() for c in n]
                said.append({"id": max(ids, default=100) + 1, "body": body, "user": {"login": BOT}})
            elif call["method"] == "PATCH" and "/issues/comments/" in endpoint:
                wanted = int(endpoint.rsplit("/", 1)[1])
                for said in self.comments.values():
                    for comment in said:
                        if comment["id"] == wanted:
                            comment["body"] = body

    def outcomes(self, number: int) -> list[str]:
        """The apply outcomes said on #number, oldest first."""
        found = []
        for comment in self.comments.get(number, []):
            body = comment["body"] or ""
            if body.startswith("<!-- scimform-apply: "):
                found.append(body.split("outcome=")[1].split(" ")[0])
        return found


# ---------------------------------------------------------------------------------------
# The same repository with real git history, for the workflows' targeted plans.


@dataclass
class GitRepo(Repo):
    """octo/people as a real git repository in the shared workspace: `main`, a branch and a
    commit per pull request, GitHub's test merge (refs/pull/N/merge) checked out for each
    plan with the event's base sha, and a merge commit per merge, checked out for its
    apply. `start` commits the first config on main."""

    git: Any = None  # a gitrepo.Repo whose top is the runners' workspace
    merges: dict[int, str] = field(default_factory=dict)  # number -> merge commit
    first: str = ""  # the commit `start` made

    def start(self, users: list[User], members: list[User], **kw: Any) -> str:
        """Commit the config on main and check it out; its sha."""
        self.git.write({".gitignore": ".scimform/\n"})
        write_config(self.git.top, self.url, users, members, **kw)
        self.first = self._commit("the people")
        return self.first

    def applied(self, number: int, commit: str, at: str = "2026-11-30T09:00:00Z") -> None:
        """Record #number as merged at `commit` and applied by an earlier apply run."""
        self.pulls.insert(0, {"number": number, "merged_at": at, "merge_commit_sha": commit})
        body = apply_marker("people", "applied", commit) + "\n### scimform apply: applied\n"
        self.comments.setdefault(number, []).append(
            {"id": 90 + number, "body": body, "user": {"login": BOT}}
        )

    def plan(self, number: int, users: list[User], members: list[User], **kw: Any) -> Any:
        """Push a commit declaring `users` and `members` to #number's branch (made from
        main's tip the first time), check out GitHub's test merge of it into main, and plan
        it. Returns (runner, plan job, comment job)."""
        branch = f"pr{number}"
        if not self.git.git("branch", "--list", branch):
            self.git.git("branch", branch, "main")
        self.git.git("checkout", "-q", branch)
        write_config(self.git.top, self.url, users, members, groups=kw.pop("groups", None))
        head = self._commit(f"pull request #{number}")
        base = self.git.git("rev-parse", "main")
        test_merge = self._merge(branch, base, f"Merge {head} into {base}")
        event = {
            "action": "synchronize",
            "pull_request": {
                "number": number,
                "base": {"sha": base, "ref": "main"},
                "head": {"sha": head, "repo": {"full_name": REPOSITORY}},
            },
        }
        secrets = kw.pop("secrets", {"SCIM_TOKEN": self.token})
        name = f"pr{number}-{self.runs}"
        runner = self.actions(
            event, secrets, name, run_id=self._next_run(), sha=test_merge, **self.options
        )
        runner.answer(f"repos/octo/people/issues/{number}/comments", self.comments.get(number, []))
        inputs = {"directory": "people", "target-url": self.url, "require-approvals": False}
        inputs |= self.inputs | kw.pop("inputs", {})
        job, comment = self._plan_jobs(runner, number, event, inputs)
        return runner, job, comment

    def merge(  # type: ignore[override]
        self, number: int, at: str, users: list[User] | None = None, **kw: Any
    ) -> str:
        """Merge #number into main with a merge commit: the branch's config, or (a merge
        after others) the config declaring `users` and `kw` (members, groups). Its sha."""
        base = self.git.git("rev-parse", "main")
        if users is not None:
            self.git.git("checkout", "-q", "--detach", base)
            write_config(self.git.top, self.url, users, kw.pop("members"), **kw)
            self.git.git("add", "-A")
        sha = self._merge(
            f"pr{number}",
            base,
            f"Merge pull request #{number} from octo/pr{number}",
            tree=None if users is None else self.git.git("write-tree"),
        )
        self.git.git("update-ref", "refs/heads/main", sha)
        self.merges[number] = sha
        self.pulls.insert(0, {"number": number, "merged_at": at, "merge_commit_sha": sha})
        return sha

    def apply(self, number: int, inputs: dict[str, Any] | None = None, **kw: Any) -> Any:
        """The apply run on the push of #number's merge commit, checked out; then its report
        job. Returns (runner, apply job, report job)."""
        commit = self.merges[number]
        self.git.git("checkout", "-q", "--detach", commit)
        event = {"ref": "refs/heads/main", "repository": {"default_branch": "main"}}
        runner = self.actions(
            event,
            {"SCIM_TOKEN": self.token},
            f"apply{number}-{self.runs}",
            run_id=self._next_run(),
            sha=commit,
            **self.options,
        )
        job, report = self._apply_jobs(runner, inputs)
        return runner, job, report

    def _commit(self, message: str) -> str:
        self.git.git("add", "-A")
        self.git.git("commit", "-q", "--allow-empty", "-m", message)
        return str(self.git.git("rev-parse", "HEAD"))

    def _merge(self, branch: str, base: str, message: str, tree: str | None = None) -> str:
        """A merge commit of `branch` into `base` holding `tree` (default: the branch's),
        checked out detached."""
        tree = tree or self.git.git("rev-parse", f"{branch}^{{tree}}")
        sha = str(self.git.git("commit-tree", tree, "-p", base, "-p", branch, "-m", message))
        self.git.git("checkout", "-q", "--detach", sha)
        return sha


def git_origin(tmp_path: Path, workspace: Path) -> Path:
    """A bare repository at tmp_path/origin.git as the `origin` of `workspace` (made a git
    repository if it is not one): where the audit-log branch is pushed."""
    import subprocess

    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    workspace.mkdir(parents=True, exist_ok=True)
    if not (workspace / ".git").exists():
        subprocess.run(["git", "init", "-q", str(workspace)], check=True)
    subprocess.run(["git", "-C", str(workspace), "remote", "add", "origin", str(bare)], check=True)
    return bare


def branch_file(bare: Path, path: str, branch: str = "audit-log") -> bytes | None:
    """The file at `path` on `branch` of the bare repository, None when absent."""
    import subprocess

    done = subprocess.run(
        ["git", "-C", str(bare), "show", f"{branch}:{path}"], capture_output=True, check=False
    )
    return done.stdout if done.returncode == 0 else None


def branch_log(bare: Path, branch: str = "audit-log") -> list[str]:
    """The subjects of `branch`'s commits, newest first."""
    import subprocess

    done = subprocess.run(
        ["git", "-C", str(bare), "log", "--format=%s", branch],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.splitlines()
