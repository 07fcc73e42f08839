"""The approval policy through the workflows' own `run:` scripts: the plan workflow's
approvals job on pushes and reviews, and the apply workflow's gather job re-checking each
merged pull request, against a real `scimform serve` on 127.0.0.1, a fake `gh` answering
the reviews, and the workspace a real git repository whose pull requests are branches
merged with merge commits.

octo/people: bob owns `admins` (alice is in it); `break-glass` is sensitive; `ops` is
plain. Everyone has a GitHub login (`<name>-gh`); dave authors the pull requests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from gitrepo import Repo as Git
from scimform_cli import cli
from workflow_repo import REPOSITORY, Repo, git_origin, person, yaml_user

from scimform.audit import read_records
from scimform.model import Group
from scimform.store.seed import load_org

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
NAMES = ("alice", "bob", "carol", "dave", "erin")
PEOPLE = {n: person(f"{n}@corp.example") for n in NAMES}
BASE_GROUPS = {"admins": ["alice"], "break-glass": ["alice"], "ops": ["alice"]}


def people_yaml(groups: dict[str, list[str]]) -> dict[str, str]:
    users = [yaml_user(u) | {"github": f"{n}-gh"} for n, u in PEOPLE.items()]
    listed = []
    for name, members in groups.items():
        entry: dict[str, Any] = {
            "displayName": name,
            "members": [f"{m}@corp.example" for m in members],
        }
        if name == "admins":
            entry["owners"] = ["bob@corp.example"]
        if name == "break-glass":
            entry["sensitive"] = True
        listed.append(entry)
    return {"people/people.yaml": json.dumps({"users": users, "groups": listed}, indent=1)}


def settings_yaml(url: str, approvals: dict[str, int] | None = None) -> dict[str, str]:
    settings: dict[str, Any] = {"target": {"url": url, "token": "env:SCIM_TOKEN"}}
    settings["ownership"] = {"prune": True}
    if approvals is not None:
        settings["approvals"] = approvals
    return {"people/scimform.yaml": json.dumps(settings)}


class People:
    """octo/people with its history: main holds the base config; each pull request is a
    branch of commits by its author, planned at its head and merged with a merge commit."""

    def __init__(self, repo: Repo, git: Git, url: str) -> None:
        self.repo, self.git, self.url = repo, git, url
        self.heads: dict[int, str] = {}
        self.git.commit("Start", settings_yaml(url) | people_yaml(BASE_GROUPS))

    def open(
        self, number: int, groups: dict[str, list[str]], approvals: dict[str, int] | None = None
    ) -> str:
        """Open (or push to) #number: its branch gets a commit declaring `groups`."""
        branch = f"pr{number}"
        if number not in self.heads:
            self.git.git("checkout", "-q", "-b", branch, "main")
        else:
            self.git.git("checkout", "-q", branch)
        files = people_yaml(groups) | settings_yaml(self.url, approvals)
        head = self.git.commit(f"Change #{number}", files, author="Dave")
        self.heads[number] = head
        base = self.git.git("rev-parse", "main")
        self.repo.pull_info[number] = {
            "user": {"login": "dave-gh"},
            "head": {"sha": head},
            "base": {"sha": base},
            "html_url": f"https://github.com/{REPOSITORY}/pull/{number}",
            "title": f"Change {number}",
        }
        return head

    def review(self, number: int, login: str, state: str = "APPROVED", commit: str = "") -> None:
        review = {
            "user": {"login": login},
            "state": state,
            "commit_id": commit or self.heads[number],
        }
        self.repo.reviews.setdefault(number, []).append(review)

    def plan(self, number: int) -> tuple[Any, Any, Any, Any]:
        """The plan run on #number's head: (runner, plan job, approvals job, comment job)."""
        self.git.git("checkout", "-q", f"pr{number}")
        runner, plan, comment = self.repo.plan(number, [], [], write=False)
        return runner, plan, self.repo.approvals, comment

    def merge(self, number: int) -> str:
        self.git.git("checkout", "-q", "main")
        merged = self.git.merge_pull_request(f"pr{number}", number, "Bob", "2026-12-01")
        self.repo.merge(number, "2026-12-01T10:00:00Z")
        self.repo.pulls[0]["merge_commit_sha"] = merged
        self.repo.pull_info[number]["merge_commit_sha"] = merged
        self.repo.pull_info[number]["merged_by"] = {"login": "bob-gh"}
        return merged


@pytest.fixture
def people(scim_server: Any, actions: Callable[..., Any], tmp_path: Path) -> People:
    users = list(PEOPLE.values())
    groups = [
        Group(n, members=frozenset(f"{m}@corp.example" for m in ms))
        for n, ms in BASE_GROUPS.items()
    ]
    load_org(scim_server.store, users, groups)
    git = Git(tmp_path / "workspace")  # the runners' shared workspace is the checkout
    git_origin(tmp_path, tmp_path / "workspace")  # the apply reads the audit-log branch
    repo = Repo(actions, scim_server.url, scim_server.token, inputs={"require-approvals": True})
    return People(repo, git, scim_server.url)


def in_admins(server: Any, user_name: str) -> bool:
    store = server.store
    admins = next(g for g in store.list_groups()[0] if g["displayName"] == "admins")
    user = next(u for u in store.list_users()[0] if u["userName"] == user_name)
    return bool(store.is_member(admins["id"], user["id"]))


def posted(people: People, number: int) -> str:
    (comment,) = people.repo.comments[number]
    return str(comment["body"])


def test_an_owners_approval_passes_and_the_plan_comment_says_so(people: People) -> None:
    people.open(7, BASE_GROUPS | {"admins": ["alice", "erin"]})
    people.review(7, "bob-gh")
    runner, plan, approvals, comment = people.plan(7)
    assert not plan.failed and not comment.failed
    assert not approvals.failed, {s.id: s.output for s in approvals.steps.values()}
    assert list(approvals.steps) == ["pin", "github", "check", "comment", "verdict"]
    assert approvals.outputs["met"] == "true"
    assert "**Met:** the access change has its approvals." in approvals.summary
    body = posted(people, 7)
    marker, rest = body.split("\n", 1)
    assert marker.startswith("<!-- scimform-plan: people commit=")
    assert rest.startswith("<!-- scimform-approvals -->\n### scimform approvals: `people`")
    assert "Approved on the head commit" in body and "by: @bob-gh." in body
    assert '`add member erin@corp.example to group "admins"`: 1 approval, one by an owner' in body
    assert "### scimform plan" in body  # the plan follows
    assert [c["method"] for c in runner.gh_calls()] == ["POST"]


def test_a_non_owners_approval_fails_naming_the_owner(people: People) -> None:
    people.open(7, BASE_GROUPS | {"admins": ["alice", "erin"]})
    people.review(7, "carol-gh")
    _, _, approvals, comment = people.plan(7)
    assert approvals.steps["check"].outputs["met"] == "false"
    assert approvals.steps["verdict"].code == 1 and not comment.failed
    assert "::error title=scimform approvals::" in approvals.steps["verdict"].output
    body = posted(people, 7)
    assert "**Not met:** 1 of 1 access change lacks approval." in body
    assert (
        '**Missing:** an approval by an owner of group "admins": @bob-gh (bob@corp.example).'
        in body
    )


def test_the_authors_own_approval_of_a_self_grant_fails_even_with_default_zero(
    people: People,
) -> None:
    main_default_zero = settings_yaml(people.url, {"default": 0}) | people_yaml(BASE_GROUPS)
    people.git.commit("No approval needed by default", main_default_zero)
    people.open(8, BASE_GROUPS | {"ops": ["alice", "dave"]}, approvals={"default": 0})
    people.review(8, "dave-gh")  # the author
    _, _, approvals, _ = people.plan(8)
    assert approvals.steps["verdict"].code == 1
    body = posted(people, 8)
    assert "The author's own approval (@dave-gh) never counts." in body
    assert "it grants the author (dave-gh) access" in body
    assert "**Missing:** 1 more approval (needs 1)." in body
    # Someone else's approval is enough.
    people.review(8, "erin-gh")
    _, _, approvals, _ = people.plan(8)
    assert approvals.outputs["met"] == "true"


def test_a_sensitive_group_with_one_approval_fails_and_two_pass(people: People) -> None:
    people.open(9, BASE_GROUPS | {"break-glass": ["alice", "erin"]})
    people.review(9, "carol-gh")
    _, _, approvals, _ = people.plan(9)
    assert approvals.outputs["met"] == "false"
    assert "**Missing:** 1 more approval (needs 2)." in posted(people, 9)
    assert 'group "break-glass" is sensitive' in posted(people, 9)
    people.review(9, "bob-gh")
    _, _, approvals, _ = people.plan(9)
    assert approvals.outputs["met"] == "true"


def test_an_approval_before_a_later_push_does_not_count_until_given_again(
    people: People,
) -> None:
    first = people.open(7, BASE_GROUPS | {"admins": ["alice", "erin"]})
    people.review(7, "bob-gh", commit=first)
    people.open(7, BASE_GROUPS | {"admins": ["alice", "erin", "carol"]})  # pushed after
    _, _, approvals, _ = people.plan(7)
    assert approvals.outputs["met"] == "false"
    body = posted(people, 7)
    assert "Approvals of an earlier commit, which no longer count: @bob-gh." in body
    assert body.count('an approval by an owner of group "admins"') == 2

    # bob approves the new head: a review event runs the approvals job alone, and the
    # comment job edits the approvals into the plan comment in place.
    people.review(7, "bob-gh")
    event = {
        "action": "submitted",
        "review": {"state": "approved", "user": {"login": "bob-gh"}},
        "pull_request": {"number": 7, "head": {"sha": people.heads[7]}},
    }
    runner = people.repo.actions(event, {}, "review7", run_id="6001")
    runner.answer("repos/octo/people/pulls/7", people.repo.pull_info[7] | {"number": 7})
    runner.answer("repos/octo/people/pulls/7/reviews", people.repo.reviews[7])
    runner.answer("repos/octo/people/issues/7/comments", people.repo.comments[7])
    inputs = {"directory": "people", "target-url": people.url}
    plan = runner.run("scimform-plan.yml", "plan", inputs)
    assert plan.skipped  # a review does not plan again
    checked = runner.run("scimform-plan.yml", "approvals", inputs, {"plan": {}})
    assert not checked.failed and checked.outputs["met"] == "true"
    assert checked.outputs["comment-id"] == str(people.repo.comments[7][0]["id"])
    comment = runner.run(
        "scimform-plan.yml", "comment", inputs, {"plan": {}, "approvals": checked.outputs}
    )
    (call,) = runner.gh_calls()
    assert call["method"] == "PATCH" and call["endpoint"].endswith(
        f"/comments/{checked.outputs['comment-id']}"
    )
    people.repo._keep(runner)
    edited = posted(people, 7)
    assert "**Met:** each of the 2 access changes has its approvals." in edited
    assert edited.count("<!-- scimform-approvals -->") == 1
    assert "### scimform plan" in edited and "erin@corp.example" in edited
    assert not comment.failed


def test_a_config_that_does_not_load_at_the_head_fails_the_check(people: People) -> None:
    people.open(7, BASE_GROUPS | {"admins": ["alice", "erin"]})
    people.git.commit("Broken", {"people/people.yaml": "users: [\n"}, author="Dave")
    people.heads[7] = people.git.git("rev-parse", "HEAD")
    people.repo.pull_info[7]["head"] = {"sha": people.heads[7]}
    people.review(7, "bob-gh")
    _, plan, approvals, _ = people.plan(7)
    assert plan.failed and approvals.outputs["met"] == "false"
    assert approvals.steps["verdict"].code == 1
    assert "The approvals check could not run, so it fails:** the config at commit" in (
        approvals.summary
    )
    assert "does not load: people/people.yaml:" in approvals.summary


def test_the_apply_refuses_a_merge_whose_policy_was_not_met(
    people: People, scim_server: Any
) -> None:
    people.open(7, BASE_GROUPS | {"admins": ["alice", "erin"]})
    people.review(7, "carol-gh")  # not an owner
    people.plan(7)
    people.merge(7)
    _, job, report = people.repo.apply(7)
    gather = people.repo.gather
    assert gather.steps["approvals"].code == 1 and job.skipped and report.skipped
    assert "Apply refused: the approval policy was not met by #7; nothing was applied." in (
        gather.steps["approvals"].output
    )
    assert "#### #7 by @dave-gh" in gather.summary
    assert 'an approval by an owner of group "admins": @bob-gh' in gather.summary
    assert not in_admins(scim_server, "erin@corp.example")  # nothing changed in the store

    # Turned off, it warns, records the approvers it found and applies.
    _, job, _ = people.repo.apply(7, {"require-approvals": False})
    assert not job.failed and job.outputs["outcome"] == "applied"
    assert in_admins(scim_server, "erin@corp.example")
    assert "::warning title=scimform approvals::The approval policy was not checked" in (
        people.repo.gather.steps["approvals"].output
    )


def test_when_the_policy_was_met_the_audit_record_names_the_approvers(
    people: People, scim_server: Any
) -> None:
    people.open(7, BASE_GROUPS | {"admins": ["alice", "erin"]})
    people.review(7, "carol-gh")
    people.review(7, "bob-gh")
    people.plan(7)
    people.merge(7)
    runner, job, report = people.repo.apply(7)
    assert not people.repo.gather.failed, people.repo.gather.steps["approvals"].output
    assert not job.failed and job.outputs["outcome"] == "applied" and not report.failed
    assert "The approval policy was met by every merged pull request applied: #7." in (
        people.repo.gather.steps["approvals"].output
    )
    log = runner.temp / "scimform" / "audit-log" / "audit.jsonl"  # the log the branch keeps
    (record,) = read_records(log)
    (pull,) = record.begin.pull_requests
    assert (pull.number, pull.author, pull.merged_by) == (7, "dave-gh", "bob-gh")
    assert pull.approvers == ("bob-gh", "carol-gh")
    assert pull.url == "https://github.com/octo/people/pull/7"
    shown = cli("audit", "show", "--log", str(log), "--format", "json")
    assert shown.exit_code == 0
    (applied,) = json.loads(shown.stdout)["applies"]
    assert applied["begin"]["pull_requests"][0]["approvers"] == ["bob-gh", "carol-gh"]


_READS_PULLS = re.compile(r"gh (api|run download)[^\n]*(pulls|reviews|\$run)")


@pytest.mark.parametrize("name", ["scimform-plan.yml", "scimform-apply.yml"])
def test_no_job_that_reads_github_holds_the_scim_token(name: str) -> None:
    """No step that runs gh has the token; a job that reads pull requests, reviews or
    artifacts holds it in no step and takes no environment (whose secrets it could read).
    The plan job reads its own pull request's comments, in a step without the token."""
    spec = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    readers = []
    for job_name, job in spec["jobs"].items():
        assert "SCIM_TOKEN" not in job.get("env", {}), job_name
        for step in job["steps"]:
            if re.search(r"(^|\s)gh ", step.get("run", "")):
                assert "SCIM_TOKEN" not in step.get("env", {}), (job_name, step["name"])
        if any(_READS_PULLS.search(s.get("run", "")) for s in job["steps"]):
            readers.append(job_name)
            assert "SCIM_TOKEN" not in json.dumps(job), job_name
            assert "environment" not in job, job_name
    assert readers == {"scimform-plan.yml": ["approvals"], "scimform-apply.yml": ["gather"]}[name]


def test_the_token_less_jobs_have_least_privilege() -> None:
    plan = yaml.safe_load((WORKFLOWS / "scimform-plan.yml").read_text("utf-8"))["jobs"]
    apply = yaml.safe_load((WORKFLOWS / "scimform-apply.yml").read_text("utf-8"))["jobs"]
    assert plan["approvals"]["permissions"] == {"contents": "read", "pull-requests": "read"}
    assert plan["comment"]["needs"] == ["plan", "approvals"]
    assert apply["gather"]["permissions"] == {
        "contents": "read", "pull-requests": "read", "actions": "read"
    }  # fmt: skip
    # The apply job holds the token and reads no pull request any more.
    assert apply["apply"]["permissions"] == {"contents": "read"}
    assert apply["apply"]["needs"] == "gather" and "if" not in apply["apply"]
    checkouts = [s for s in apply["gather"]["steps"] if "checkout" in str(s.get("uses"))]
    assert checkouts[0]["with"]["fetch-depth"] == 0
    run = next(s["run"] for s in apply["apply"]["steps"] if s.get("id") == "apply")
    assert '--pull-requests "$work/pull-requests.json"' in run
    example = yaml.safe_load((ROOT / "examples/github/scimform-plan.yml").read_text("utf-8"))
    assert example[True]["pull_request_review"] == {"types": ["submitted", "dismissed"]}
