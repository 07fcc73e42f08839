"""Plans for the ci tests, made by the real engine: `plan_of(desired, live, **safety)` is
the plan that takes a store holding `live` users to `desired` (prune on), and `person(name)`
a user with the names AWS requires."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from scimform.engine.plan import Plan, make_plan
from scimform.engine.policy import Ownership, Safety
from scimform.model import DesiredState, Group, LiveState, User

PlanOf = Callable[..., Plan]


def _person(name: str, **fields: object) -> User:
    return User(user_name=name, given_name="G", family_name="F", display_name="G F", **fields)  # type: ignore[arg-type]


def _plan_of(desired: list[User], live: list[User], **safety: int) -> Plan:
    group = Group("everyone", members=frozenset(u.user_name for u in desired))
    return make_plan(
        DesiredState(users=tuple(desired), groups=(group,) if desired else ()),
        LiveState(users=tuple(live)),
        Ownership(prune=True),
        Safety(**safety),
    )


@pytest.fixture
def person() -> Callable[..., User]:
    return _person


@pytest.fixture
def plan_of() -> PlanOf:
    return _plan_of


# ---------------------------------------------------------------------------------------
# A runner for the reusable workflows' jobs, as GitHub's runner would run them.

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
REPOSITORY = "octo/people"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
_EXPRESSION = re.compile(r"^\$\{\{\s*(.+?)\s*\}\}$")
_FAKE_GH = '''#!{python}
"""A stand-in for the gh CLI: answers GETs from files, records every call."""
import json, os, sys
import shutil
args = sys.argv[1:]
if "SCIM_TOKEN" in os.environ:
    sys.exit("fake gh: the SCIM token must not reach a gh step")
if not os.environ.get("GH_TOKEN"):
    sys.exit("fake gh: GH_TOKEN is not set")
if args[:2] == ["run", "download"]:
    run, options = args[2], dict(zip(args[3::2], args[4::2]))
    with open(os.environ["FAKE_GH_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps({{"method": "DOWNLOAD", "endpoint": f"runs/{{run}}",
                              "payload": options}}) + "\\n")
    source = os.path.join(os.environ["FAKE_GH_ARTIFACTS"], run, options["--name"])
    if not os.path.isdir(source):
        sys.exit(f"fake gh: no artifact {{options['--name']}} in run {{run}}")
    shutil.copytree(source, options["--dir"], dirs_exist_ok=True)
    sys.exit(0)
assert args[0] == "api", args
method, fields, payload, endpoint, rest = "GET", {{}}, None, None, iter(args[1:])
for arg in rest:
    if arg == "--method":
        method = next(rest)
    elif arg == "--input":
        payload = json.load(open(next(rest), encoding="utf-8"))
    elif arg == "-f":
        key, _, value = next(rest).partition("=")
        fields[key] = value
    elif arg == "--paginate":
        pass
    else:
        endpoint = arg
with open(os.environ["FAKE_GH_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps({{"method": method, "endpoint": endpoint,
                          "payload": payload if payload is not None else fields}}) + "\\n")
if method != "GET":
    print("{{}}")
    sys.exit(0)
answer = os.path.join(os.environ["FAKE_GH_ANSWERS"], endpoint.replace("/", "__"))
if not os.path.exists(answer):
    sys.exit(f"fake gh: no answer for GET {{endpoint}}")
sys.stdout.write(open(answer, encoding="utf-8").read())
'''


@dataclass
class StepRun:
    """One step as run: its id, whether it ran, its exit status, output and outputs."""

    id: str
    ran: bool
    code: int = 0
    output: str = ""
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class JobRun:
    """A job as run: its steps, its outputs and its job summary."""

    steps: dict[str, StepRun]
    outputs: dict[str, str]
    summary: str
    skipped: bool = False

    @property
    def failed(self) -> bool:
        return any(s.code != 0 for s in self.steps.values())


@dataclass
class Actions:
    """Runs jobs of the reusable workflows with the environment a runner sets, a fake `gh`
    and a workspace; everything written lands under `root`."""

    root: Path
    workspace: Path
    event: dict[str, Any]
    secrets: dict[str, str] = field(default_factory=dict)
    run_id: str = "4242"
    sha: str = COMMIT
    artifacts: Path | None = None  # shared by the runs of one test: what uploads keep
    python_bin: Path = Path(sys.executable).parent
    env: dict[str, str] = field(default_factory=dict)  # more environment for every step

    def __post_init__(self) -> None:
        self.temp = self.root / "runner-temp"
        self.answers = self.root / "gh-answers"
        self.artifacts = self.artifacts or self.root.parent / "artifacts"
        self.gh_log = self.root / "gh-calls.jsonl"
        self.bin = self.root / "bin"
        for folder in (self.temp, self.answers, self.bin, self.workspace, self.artifacts):
            folder.mkdir(parents=True, exist_ok=True)
        gh = self.bin / "gh"
        gh.write_text(_FAKE_GH.format(python=sys.executable), encoding="utf-8")
        gh.chmod(0o755)
        self.event_path = self.root / "event.json"
        self.event_path.write_text(json.dumps(self.event), encoding="utf-8")
        self.steps = 0
        self.job = ""

    def answer(self, endpoint: str, value: Any) -> None:
        """What the fake gh prints for GET `endpoint`."""
        (self.answers / endpoint.replace("/", "__")).write_text(json.dumps(value), "utf-8")

    def upload(self, name: str, *files: Path) -> None:
        """What an upload-artifact step of this run keeps, for `gh run download`."""
        assert self.artifacts is not None
        folder = self.artifacts / self.run_id / name
        folder.mkdir(parents=True, exist_ok=True)
        for path in files:
            if path.is_file():
                shutil.copy(path, folder / path.name)

    def gh_calls(self) -> list[dict[str, Any]]:
        if not self.gh_log.exists():
            return []
        return [json.loads(line) for line in self.gh_log.read_text("utf-8").splitlines()]

    def run(
        self,
        workflow: str,
        job: str,
        inputs: dict[str, Any] | None = None,
        needs: dict[str, dict[str, str]] | None = None,
        skip: tuple[str, ...] = ("install",),
    ) -> JobRun:
        """Run `job` of `workflow`: each `run:` step under bash as GitHub runs it, `uses:`
        steps and the steps in `skip` left out (the workspace and PATH stand in for them)."""
        spec = yaml.safe_load((WORKFLOWS / workflow).read_text(encoding="utf-8"))
        declared = spec[True]["workflow_call"]["inputs"]  # YAML 1.1 reads `on` as True
        values = {name: d.get("default") for name, d in declared.items()}
        values |= {"scimform": f"octo/scimform@{COMMIT}"} | (inputs or {})
        context = _Context(self, values, needs or {})
        context.known = {str(s.get("id")) for s in spec["jobs"][job]["steps"]}
        self.job = job
        self.gh_log.unlink(missing_ok=True)
        for old in self.temp.glob(f"summary-{job}-*.md"):
            old.unlink()
        condition = spec["jobs"][job].get("if")
        if condition and not context.condition(str(condition), False, job_level=True):
            return JobRun({}, {}, "", skipped=True)
        steps: dict[str, StepRun] = {}
        failed = False
        for step in spec["jobs"][job]["steps"]:
            if "run" not in step or step.get("id") in skip:
                continue
            run = self._step(step, context, failed)
            if not run.ran:
                continue
            steps[run.id] = context.steps[run.id] = run
            failed = failed or run.code != 0
        outputs = {k: context.resolve(v) for k, v in spec["jobs"][job].get("outputs", {}).items()}
        summaries = sorted(self.temp.glob(f"summary-{job}-*.md"))
        summary = "".join(p.read_text("utf-8") for p in summaries)
        return JobRun(steps, outputs, summary)

    def _step(self, step: dict[str, Any], context: _Context, failed: bool) -> StepRun:
        step_id = step["id"]
        condition = str(step.get("if", "success()"))
        if not context.condition(condition, failed):
            return StepRun(step_id, ran=False)
        self.steps += 1
        output = self.temp / f"output-{self.steps}"
        output.touch()
        env = self._environment(output) | {
            name: context.resolve(value) for name, value in step.get("env", {}).items()
        }
        script = self.temp / f"step-{self.steps}.sh"
        script.write_text(step["run"], encoding="utf-8")
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        text = done.stdout + done.stderr
        return StepRun(step_id, True, done.returncode, text, _read_outputs(output))

    def _environment(self, output: Path) -> dict[str, str]:
        return {
            "PATH": f"{self.bin}:{self.python_bin}:/usr/bin:/bin",
            "HOME": str(self.root),
            "NO_COLOR": "1",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_REPOSITORY": REPOSITORY,
            "GITHUB_SHA": self.sha,
            "GITHUB_ACTOR": "octocat",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": self.run_id,
            "GITHUB_EVENT_NAME": "pull_request" if "pull_request" in self.event else "push",
            "GITHUB_EVENT_PATH": str(self.event_path),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(self.temp / f"summary-{self.job}-{self.steps:03d}.md"),
            "RUNNER_TEMP": str(self.temp),
            "FAKE_GH_LOG": str(self.gh_log),
            "FAKE_GH_ANSWERS": str(self.answers),
            "FAKE_GH_ARTIFACTS": str(self.artifacts),
        } | self.env


class _Context:
    """The `${{ }}` contexts the workflows use, and their small condition language."""

    def __init__(self, actions: Actions, inputs: dict[str, Any], needs: dict[str, Any]) -> None:
        self.actions = actions
        self.inputs = inputs
        self.needs = needs
        self.steps: dict[str, StepRun] = {}
        self.known: set[str] = set()

    def resolve(self, value: Any) -> str:
        match = _EXPRESSION.match(str(value))
        if not match:
            return str(value)
        # `a || b`: the first that is not empty.
        found = [self.lookup(part.strip()) for part in match.group(1).split("||")]
        return next((f for f in found if f), "")

    def lookup(self, name: str) -> str:
        parts = name.split(".")
        event = self.actions.event
        pull = event.get("pull_request")
        ref = f"refs/pull/{pull['number']}/merge" if pull else event.get("ref", "")
        fixed = {
            "github.token": "ghs_fake_workflow_token",
            "github.repository": REPOSITORY,
            "github.sha": self.actions.sha,
            "github.ref": ref,
            "runner.temp": str(self.actions.temp),
        }
        if name in fixed:
            return fixed[name]
        if parts[:2] == ["github", "event"]:
            value: Any = event
            for part in parts[2:]:
                value = value.get(part, {}) if isinstance(value, dict) else {}
            return "" if value == {} else _text(value)
        if parts[0] == "steps" and parts[2] == "outcome" and parts[1] in self.known:
            ran = self.steps.get(parts[1])
            return "skipped" if ran is None else ("success" if ran.code == 0 else "failure")
        if parts[0] == "inputs":
            return _text(self.inputs[parts[1]])
        if parts[0] == "secrets":
            return self.actions.secrets.get(parts[1], "")
        if parts[0] == "steps" and parts[2] == "outputs" and parts[1] in self.known:
            ran = self.steps.get(parts[1])  # a step that did not run has no outputs
            return "" if ran is None else ran.outputs.get(parts[3], "")
        if parts[0] == "needs" and parts[2] == "outputs":
            return self.needs[parts[1]].get(parts[3], "")
        raise KeyError(f"the test runner does not know the expression {name!r}")

    def condition(self, text: str, failed: bool, job_level: bool = False) -> bool:
        text = _EXPRESSION.sub(r"\1", text.strip())
        terms = [t.strip() for t in text.split("&&")]
        if not any(t in ("always()", "!cancelled()", "failure()") for t in terms) and failed:
            return False
        if "failure()" in terms and not failed and not job_level:
            return False
        return all(self._term(t) for t in terms)

    def _term(self, term: str) -> bool:
        if term in ("always()", "!cancelled()", "success()", "failure()"):
            return True
        match = re.fullmatch(r"(\S+) (==|!=) '([^']*)'", term)
        if match:
            left, op, right = match.groups()
            return (self.lookup(left) == right) == (op == "==")
        return self.lookup(term) not in ("", "false", "0")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _read_outputs(path: Path) -> dict[str, str]:
    """A $GITHUB_OUTPUT file read as the runner reads it (name=value, or a heredoc)."""
    found: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        heredoc = re.fullmatch(r"([A-Za-z0-9_-]+)<<(\S+)", line)
        if heredoc:
            name, end = heredoc.groups()
            found[name] = "\n".join(iter(lines.__next__, end))
        else:
            name, _, value = line.partition("=")
            found[name] = value
    return found


@pytest.fixture
def actions(tmp_path: Path) -> Callable[..., Actions]:
    """`actions(event, secrets)`: a fresh runner whose workspace is `tmp_path/workspace`."""

    def make(
        event: dict[str, Any],
        secrets: dict[str, str] | None = None,
        name: str = "runner",
        **options: Any,
    ) -> Actions:
        return Actions(tmp_path / name, tmp_path / "workspace", event, secrets or {}, **options)

    return make


# ---------------------------------------------------------------------------------------
# `github.event_name` in the jobs' conditions: the event the runner was given, named as
# GitHub names it (a review event carries `review`).

_lookup_before_event_name = _Context.lookup


def _lookup_event_name(self: _Context, name: str) -> str:
    if name != "github.event_name":
        return _lookup_before_event_name(self, name)
    event = self.actions.event
    if "review" in event:
        return "pull_request_review"
    return "pull_request" if "pull_request" in event else "push"


_Context.lookup = _lookup_event_name  # type: ignore[method-assign]
