"""The front door: load a config, plan it against its target, apply a plan. Every gate is
inside, so a Python caller gets the same promises as the CLI:

- the token in use must authenticate before anything is read;
- with `changed_since` (a git revision), only the users and groups the config's change
  since then touches are read and compared (a targeted plan), safety judged against the
  counts of the config at that revision; a saved targeted plan is checked against the
  same part of the store, read again;
- a failed or partial read is an error, never "nothing exists";
- apply refuses a plan that is stale (StalePlanError), edited or unsigned where a key is
  set (InvalidPlanError), or unsafe (UnsafePlanError, unless `force`), judging safety
  again from the live store;
- the audit trail is opened before the first write and written step by step;
- the token steps (undeclared tokens deleted, a due rotation) run after the changes.

    import os, scimform
    config = scimform.load("people")
    with scimform.Session(config, environ=os.environ) as session:
        plan = session.plan()
        outcome = session.apply(plan)

`scimform.plan(config, ...)` and `scimform.apply(config, ...)` do the same in one call.
A config with several targets is planned target by target:
`Session(config.for_target("production"), target_name="production", ...)`.
Nothing here prints, reads the environment or exits: the caller passes `environ`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

from scimform.audit import (
    DEFAULT_AUDIT_LOG,
    AuditTrail,
    PullRequest,
    actor_of,
    target_for_record,
)
from scimform.backends import ScimBackend, open_backend, target_label
from scimform.config.loader import LoadedConfig, load_config
from scimform.config.schema import SettingsFile
from scimform.config.token_record import open_tokens_file
from scimform.engine.apply import ApplyHooks, apply_plan
from scimform.engine.plan import Plan, make_plan
from scimform.engine.plan_check import (
    check_consistent,
    check_fresh,
    check_integrity,
    check_same_part,
    judge,
    sign,
)
from scimform.engine.policy import Ownership, Safety
from scimform.engine.read import read_live
from scimform.engine.read_targeted import read_targeted
from scimform.engine.result import ApplyResult, StepResult
from scimform.engine.safety import SafetyVerdict
from scimform.engine.targeted import Targeting, coverage, desired_part, targeting
from scimform.engine.token_plan import TokenNote
from scimform.errors import ConfigError, LiveReadError, UnknownTarget, UnsafePlanError
from scimform.history.git import config_commit
from scimform.history.revision import config_at
from scimform.model import LiveState
from scimform.tokens.api import TokenApi
from scimform.tokens.apply import TokenApplyResult, apply_tokens
from scimform.tokens.sinks import Sink
from scimform.tokens.state import open_api, still_refused, token_plan, verify_token

Config = LoadedConfig


def load(directory: str | PathLike[str]) -> Config:
    """The config in `directory`; ConfigError (with every diagnostic) when it has errors.
    Warnings are in `config.diagnostics`."""
    config = load_config(Path(directory))
    if config.diagnostics.has_errors:
        raise ConfigError(
            f"the config in {directory} has errors; run `scimform validate`", config.diagnostics
        )
    return config


def ownership_of(settings: SettingsFile) -> Ownership:
    """The engine's ownership policy from scimform.yaml's `ownership:`."""
    spec = settings.ownership
    return Ownership(
        prune=spec.prune,
        ignore_users=tuple(spec.ignore.users),
        ignore_groups=tuple(spec.ignore.groups),
    )


def safety_of(settings: SettingsFile) -> Safety:
    """The engine's safety policy from scimform.yaml's `safety:`."""
    spec = settings.safety
    return Safety(spec.max_delete_pct, spec.max_update_pct, spec.min_existing)


@dataclass(frozen=True)
class ApplyOutcome:
    """What an apply did: every step's result, the token operations, where the audit
    record went, whether --force overrode the thresholds, the token check's errors the
    apply did not fix, and whether target.token still gives a refused token after a
    rotation."""

    plan: Plan
    result: ApplyResult = field(default_factory=ApplyResult)
    tokens: TokenApplyResult = field(default_factory=TokenApplyResult)
    audit_log: Path | None = None
    forced: bool = False
    token_errors: tuple[TokenNote, ...] = ()
    client_not_switched: bool = False

    @property
    def succeeded(self) -> bool:
        """True when every change and token operation was made and no token error is left."""
        return self.result.succeeded and not self.tokens.failed and not self.token_errors


class Session:
    """One run against the config's target: the token checked, the live state read once,
    then plans and applies. Close it (or use it as a context manager).

    With `changed_since` (a git revision of the config's repository) the plans are
    targeted: only what the config's change since then touches is read. For one of
    several targets, pass `config.for_target(name)` and `target_name=name`: the audit
    record names it."""

    def __init__(
        self,
        config: Config,
        *,
        environ: Mapping[str, str] | None = None,
        rate_limit: float | None = None,
        parallelism: int = 8,
        admin_key_file: Path | None = None,
        plan_key: bytes | None = None,
        changed_since: str | None = None,
        target_name: str | None = None,
    ) -> None:
        if config.several_targets:
            raise UnknownTarget(
                "this config has several targets ("
                + ", ".join(config.target_names)
                + "): open a session per target with config.for_target(NAME) and "
                "target_name=NAME"
            )
        self.config = config
        self.target_name = target_name
        self._changed_since = changed_since
        self._targeting: tuple[Targeting | None] | None = None
        self.parallelism = parallelism
        self._environ = dict(environ or {})
        self._plan_key = plan_key
        self._ownership = ownership_of(config.settings)
        self._safety = safety_of(config.settings)
        self._token_in_use = verify_token(config, self._environ)
        target = config.settings.target
        self.backend: ScimBackend = open_backend(
            target.url, target.token, config.root, environ=self._environ, rate_limit=rate_limit
        )
        try:
            self._tokens: TokenApi | None = open_api(config, admin_key_file, self._environ)
        except BaseException:
            self.backend.close()
            raise
        self._live: LiveState | None = None
        self._made: Plan | None = None
        self._checked: tuple[Plan, SafetyVerdict] | None = None

    @property
    def target(self) -> str:
        """The target as it may be shown (never a token)."""
        return target_label(self.config.settings.target.url, self.config.root)

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections (and, for `local:`, the store)."""
        self.backend.close()
        if self._tokens is not None:
            self._tokens.close()

    def live(self) -> LiveState:
        """The live state, read once per session; LiveReadError when any read fails."""
        if self._live is None:
            target = self.targeting()
            try:
                if target is not None:
                    self._live = read_targeted(
                        self.backend,
                        self.config.desired,
                        target.scope,
                        concurrency=self.parallelism,
                        ownership=self._ownership,
                    )
                else:
                    self._live = read_live(
                        self.backend,
                        self.config.desired,
                        concurrency=self.parallelism,
                        ownership=self._ownership,
                    )
            except LiveReadError as exc:
                raise LiveReadError(
                    f"could not read the live store, so no plan was made: {exc}"
                ) from None
        return self._live

    def targeting(self) -> Targeting | None:
        """What a targeted session reads, worked out once from the config at
        `changed_since` and now; None for a full session, or (a full plan then) when the
        change touches so much that reading the whole store costs fewer requests, or
        changes `ownership:`, which concerns objects the config does not declare."""
        if self._changed_since is None:
            return None
        if self._targeting is None:
            then = config_at(self.config.root, self._changed_since)
            if self.target_name is not None:
                then = then.for_target(self.target_name)
            same = ownership_of(then.settings) == self._ownership
            found = targeting(then.commit, then.desired, self.config.desired) if same else None
            self._targeting = (found,)
        return self._targeting[0]

    def plan(self) -> Plan:
        """The plan for the config against the live store (signed when a key is set)."""
        tokens = token_plan(self.config, self._tokens)
        live, target = self.live(), self.targeting()
        desired = self.config.desired
        if target is not None:
            desired = desired_part(desired, live, target.scope)
        covered = coverage(target, live) if target is not None else None
        plan = make_plan(desired, live, self._ownership, self._safety, tokens, covered)
        if self._plan_key is not None:
            plan = sign(plan, self._plan_key)
        self._made = plan
        return plan

    def check(self, plan: Plan, *, force: bool = False, source: str = "the plan") -> SafetyVerdict:
        """Every gate but the audit: integrity, freshness, consistency and safety, judged
        once per plan. Returns the recomputed safety verdict; raises when a gate refuses
        (UnsafePlanError only without `force`)."""
        if self._checked is None or self._checked[0] is not plan:
            if plan is not self._made:
                check_integrity(plan, self._plan_key, source)
                self._same_part(plan, source)
                fresh = self._made if self._made is not None else self.plan()
                check_fresh(plan, fresh, self.live(), source)
                check_consistent(plan, self.live(), source)
            target = self.targeting()
            stand_in = target.stand_in.counts() if target is not None else None
            self._checked = (plan, judge(plan, self.live(), self._safety, stand_in))
        verdict = self._checked[1]
        if not verdict.safe and not force:
            reasons = tuple(b.describe() for b in verdict.breaches)
            claim = " (the plan file says it is safe)" if plan.safety.safe else ""
            raise UnsafePlanError(
                f"{source} exceeds the safety thresholds{claim}: "
                + "; ".join(reasons)
                + ". Nothing was changed; apply it with --force (force=True) if it is meant.",
                reasons,
            )
        return verdict

    def _same_part(self, plan: Plan, source: str) -> None:
        """A saved targeted plan is checked against the part of the store it was made
        from, read again: without `changed_since` the session takes the plan's."""
        covered = plan.targeted
        if covered is not None and self._changed_since is None and self._live is None:
            self._changed_since = covered.changed_since
        check_same_part(covered, self.targeting(), source)

    def apply(
        self,
        plan: Plan | None = None,
        *,
        force: bool = False,
        hooks: ApplyHooks | None = None,
        should_stop: Callable[[], bool] | None = None,
        audit_log: Path | None = None,
        actor: str | None = None,
        context: Mapping[str, str] | None = None,
        pull_requests: Sequence[PullRequest] = (),
        token_sink: Sink | None = None,
    ) -> ApplyOutcome:
        """Carry out `plan` (default: a plan made now) after every gate, writing the audit
        trail ahead of each change; then the token steps.

        `force` overrides the safety thresholds; `hooks` follow the steps; `should_stop`
        (polled) stops new steps; `audit_log` (default .scimform/audit.jsonl under the
        config) receives the record, which names `actor` and carries `context` (a CI run)
        and the `pull_requests` applied with their approvers; `token_sink` receives the
        new token of a due rotation."""
        plan = plan if plan is not None else self.plan()
        verdict = self.check(plan, force=force)
        if not plan.has_changes:
            return ApplyOutcome(plan, token_errors=plan.tokens.errors)
        rotating = token_sink is not None and plan.tokens.rotation is not None
        if not plan.changes and not plan.tokens.deletes and not rotating:
            # Only a rotation, skipped for want of a sink: nothing changes, nothing is
            # recorded; the skipped operation says how to run it.
            skipped = apply_tokens(self._tokens, plan.tokens, (), None, None)
            return ApplyOutcome(plan, tokens=skipped, token_errors=plan.tokens.errors)
        # Parsed before anything changes, so that a broken file stops the apply here.
        tokens_file = open_tokens_file(self.config.root, self.target_name) if rotating else None
        path = audit_log or self.config.root / DEFAULT_AUDIT_LOG
        secrets = [self._token_in_use] if self._token_in_use else []
        with AuditTrail.open(path, secrets) as trail:
            trail.begin(
                **self._begin_fields(plan, actor, context or {}, forced=not verdict.safe),
                pull_requests=tuple(pull_requests),
            )
            result = apply_plan(
                plan,
                self.backend,
                parallelism=self.parallelism,
                hooks=_recorded(hooks or ApplyHooks(), trail.step),
                should_stop=should_stop,
                live=self.live(),
            )
            done = apply_tokens(
                self._tokens,
                plan.tokens,
                self.config.desired.tokens,
                token_sink,
                tokens_file,
                stopped=result.stopped,
            )
            trail.tokens(done.records)
            left = tuple(
                f for f in plan.tokens.errors if not (f.token_id and f.token_id == done.rotated)
            )
            trail.end(result, succeeded=result.succeeded and not done.failed)
        return ApplyOutcome(
            plan,
            result,
            done,
            audit_log=path,
            forced=not verdict.safe,
            token_errors=left,
            client_not_switched=bool(done.rotated) and still_refused(self.config, self._environ),
        )

    def _begin_fields(
        self, plan: Plan, actor: str | None, context: Mapping[str, str], *, forced: bool
    ) -> dict[str, object]:
        commit = config_commit(self.config.root)
        return {
            "actor": actor_of(actor, None),
            "commit": commit.sha if commit else None,
            "config_dirty": commit.dirty if commit else None,
            "target": target_for_record(self.config.settings.target.url),
            "target_name": self.target_name,
            "plan_hash": plan.hash,
            "forced": forced,
            "summary": plan.summary.model_dump(),
            "context": dict(context),
        }


def _recorded(hooks: ApplyHooks, record: Callable[[StepResult], None]) -> ApplyHooks:
    """The caller's hooks, with every ended step recorded first."""
    finished = hooks.finished

    def ended(result: StepResult) -> None:
        record(result)
        if finished is not None:
            finished(result)

    return ApplyHooks(started=hooks.started, finished=ended)


def plan(
    config: Config,
    *,
    environ: Mapping[str, str] | None = None,
    rate_limit: float | None = None,
    parallelism: int = 8,
    admin_key_file: Path | None = None,
    plan_key: bytes | None = None,
    changed_since: str | None = None,
) -> Plan:
    """The plan for `config` against its target (a Session of one plan; targeted with
    `changed_since`)."""
    with Session(
        config,
        environ=environ,
        rate_limit=rate_limit,
        parallelism=parallelism,
        admin_key_file=admin_key_file,
        plan_key=plan_key,
        changed_since=changed_since,
    ) as session:
        return session.plan()


def apply(
    config: Config,
    plan: Plan | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    force: bool = False,
    audit_log: Path | None = None,
    actor: str | None = None,
    token_sink: Sink | None = None,
    plan_key: bytes | None = None,
    parallelism: int = 8,
    changed_since: str | None = None,
) -> ApplyOutcome:
    """Apply `plan` (default: a plan made now) to `config`'s target with every gate: the
    one-call form of Session(...).apply(...)."""
    with Session(
        config,
        environ=environ,
        parallelism=parallelism,
        plan_key=plan_key,
        changed_since=changed_since,
    ) as session:
        return session.apply(
            plan, force=force, audit_log=audit_log, actor=actor, token_sink=token_sink
        )
