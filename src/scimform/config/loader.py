"""A config directory -> the desired state and every diagnostic, in one pass.

Steps: find the files; read scimform.yaml (settings, mapping); read each resource file fast
and check its shape; read the IdP exports named by `sources:`; run the rules; build the
desired state. Positions are looked up only for the files that have diagnostics.

Without scimform.yaml the defaults apply (local target, direct form, no scope), and an info
diagnostic says so; a directory without scimform.yaml that declares nothing is an error
(`config.empty`).
"""

from __future__ import annotations

import gc
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scimform.config.across import users_clean
from scimform.config.declared import Declarations, Finding, Site, error
from scimform.config.desired import build_desired, build_desired_from
from scimform.config.files import config_files
from scimform.config.mapping import compile_mapping
from scimform.config.positions import PositionIndex
from scimform.config.reuse import FileRead, KeptPlaces, LoadCache
from scimform.config.rules import check_across, check_users, user_rules_key
from scimform.config.schema import SETTINGS_FILE, SettingsFile
from scimform.config.shape import Mapper, read_resource, read_settings
from scimform.config.source_users import FieldsSeen, read_sources
from scimform.config.target_refs import check_targets
from scimform.config.targets import (
    declarations_for,
    has_several,
    settings_for,
    target_names,
    tokens_for,
)
from scimform.config.yamlio import MAX_FILE_BYTES, YamlDocument, YamlReadError, load_yaml
from scimform.diagnostics import Diagnostic, Diagnostics, Location, Severity
from scimform.errors import ConfigError
from scimform.model import DesiredState

# Codes of a file that could not be read or parsed at all.
_UNLOADABLE = ("yaml.", "file.", "config.")
ReadYaml = Callable[[Path, str], YamlDocument]
Places = PositionIndex | KeptPlaces


@dataclass(frozen=True)
class LoadedConfig:
    """A loaded config: what it declares and what is wrong with it."""

    root: Path
    settings: SettingsFile
    desired: DesiredState
    diagnostics: Diagnostics
    files: tuple[Path, ...]  # the resource files read, sorted
    # With `targets:`, each target's desired state (its users, groups, scope and tokens
    # block); empty for the single `target:`, whose desired state is `desired`.
    by_target: dict[str, DesiredState] = field(default_factory=dict)

    @property
    def target_names(self) -> tuple[str, ...]:
        """The targets, in scimform.yaml's order; ("default",) for the single `target:`."""
        return target_names(self.settings)

    @property
    def several_targets(self) -> bool:
        """Whether scimform.yaml declares `targets:`."""
        return has_several(self.settings)

    def for_target(self, name: str) -> LoadedConfig:
        """The config as target `name` sees it: its settings as the single `target:`, and
        only what goes to it. The single `target:` config is itself."""
        if not self.several_targets:
            return self
        return LoadedConfig(
            self.root,
            settings_for(self.settings, name),
            self.by_target.get(name, DesiredState()),
            self.diagnostics,
            self.files,
        )

    def require_valid(self) -> DesiredState:
        """The desired state; raises ConfigError when the config has errors."""
        if self.diagnostics.has_errors:
            raise ConfigError("the config has errors; run scimform validate", self.diagnostics)
        return self.desired


def load_config(
    root: Path,
    read: ReadYaml = load_yaml,
    *,
    allowed_hosts: Iterable[str] | None = None,
    cache: LoadCache | None = None,
) -> LoadedConfig:
    """Read the config directory `root`. Never raises for a user mistake: every problem is
    a diagnostic with file:line:column, a stable code, the rule in plain words and a hint.
    `read` parses one file (history passes a reader that keeps the files it parsed, so
    that a file a commit left alone is not parsed again). `allowed_hosts` (the operator's,
    see scimform.destination) also checks target.url's host; None checks only its form.
    `cache` keeps per-file work between loads of nearly identical trees (see
    config.reuse); the result is the same without it."""
    # Loading makes millions of small objects and no reference cycles; the cyclic
    # collector would scan the growing heap again and again (half the time at 100,000
    # users), so it is paused for the load and restored after.
    paused = gc.isenabled()
    gc.disable()
    try:
        if cache is not None:
            cache.start()
        return _load_config(root, read, allowed_hosts, cache)
    finally:
        if paused:
            gc.enable()


def _load_config(
    root: Path, read: ReadYaml, allowed_hosts: Iterable[str] | None, cache: LoadCache | None
) -> LoadedConfig:
    found = config_files(root)
    direct: list[Diagnostic] = list(found.diagnostics)
    settings_site = Site(str(root / SETTINGS_FILE))
    settings, decl, readable = SettingsFile(), Declarations.empty(), True
    if found.settings is not None:
        settings, readable = _read_settings(found.settings, settings_site, decl, direct, read)
    if not readable:
        # Without the settings, users cannot be read as intended (a mapping changes what
        # they mean): only check that the other files parse, to avoid a flood of errors.
        for path in found.resources:
            _load(path, direct, read)
        return LoadedConfig(root, settings, DesiredState(), _sorted(direct, []), found.resources)
    mapping = _mapping(settings, settings_site, decl)
    # Mapped users in the YAML alone are checked as an export is; beside exports they are
    # usually a few extras, which may well lack a column the exports have.
    seen = FieldsSeen(mapping) if mapping is not None and not settings.sources else None
    context = tuple(sorted(settings.mapping.items())) if settings.mapping is not None else None
    files = [_file(path, mapping, read, context, cache) for path in found.resources]
    for file in files:
        _take(file, decl, direct, seen)
    unloaded = [
        path for path, file in zip(found.resources, files, strict=True) if not file.readable
    ]
    if seen is not None:
        decl.findings.extend(seen.findings("the YAML files", settings_site))
    read_sources(root, settings, settings_site, mapping, decl)
    desired = _checked(decl, settings, settings_site, files, cache)
    if found.settings is not None:
        decl.findings.extend(check_targets(settings, settings_site, decl, allowed_hosts))
    by_target = _by_target(decl, settings, desired)
    if unloaded:
        decl.findings[:] = _not_following_from(unloaded, decl.findings)
    if found.settings is None and root.is_dir():
        direct.append(_no_settings(root, desired, _has_errors(direct, decl.findings)))
    reads = {str(path): file for path, file in zip(found.resources, files, strict=True)}
    diagnostics = _sorted(direct, decl.findings, reads)
    return LoadedConfig(root, settings, desired, diagnostics, found.resources, by_target)


def _everywhere(decl: Declarations, settings: SettingsFile) -> Declarations:
    """What `desired` is built from: everything, with (for several targets) the tokens
    block that names no target."""
    if not has_several(settings):
        return decl
    return Declarations(
        decl.users, decl.groups, tokens_for(decl.tokens, None), [],
        decl.rejected_users, decl.rejected_groups,
    )  # fmt: skip


def _by_target(
    decl: Declarations, settings: SettingsFile, everywhere: DesiredState
) -> dict[str, DesiredState]:
    """Each target's desired state; scope findings are reported once, for the top level.
    A target that gets everything (no `targets:` anywhere, no scope or tokens block of
    its own) shares `everywhere`, the state built for the whole config."""
    if settings.targets is None:
        return {}
    narrowed = any(u.spec.targets for u in decl.users) or any(g.spec.targets for g in decl.groups)
    shared = tokens_for(decl.tokens, None)
    out = {}
    for name, spec in settings.targets.items():
        if not narrowed and spec.scope is None and tokens_for(decl.tokens, name) == shared:
            out[name] = everywhere
        else:
            out[name] = build_desired(declarations_for(decl, name), settings_for(settings, name))[0]
    return out


def _checked(
    decl: Declarations,
    settings: SettingsFile,
    site: Site,
    files: list[FileRead],
    cache: LoadCache | None,
) -> DesiredState:
    """Run the rules (their findings go to `decl`) and build the desired state. With a
    cache, what each file gave is reused: its users' own findings, and when per-file
    indexes show the rules over the whole config find nothing in users, its users'
    records; the result is the same."""
    key = user_rules_key(settings)
    for file in files:
        decl.findings.extend(file.user_findings(key, lambda d: check_users(d.users, settings)))
    yaml_users = sum(len(file.declared.users) for file in files)
    decl.findings.extend(check_users(decl.users[yaml_users:], settings))  # the exports'
    clean = cache is not None and users_clean(decl, [file.users_index() for file in files])
    decl.findings.extend(check_across(decl, settings, site, users_clean=clean))
    everywhere = _everywhere(decl, settings)
    if clean and cache is not None and settings.scope is None:
        return build_desired_from(everywhere, [f.users_piece() for f in files], cache.records)
    desired, scope_findings = build_desired(everywhere, settings, cache.records if cache else None)
    decl.findings.extend(scope_findings)
    return desired


def _sorted(
    direct: list[Diagnostic], findings: list[Finding], reads: Mapping[str, FileRead] | None = None
) -> Diagnostics:
    """Every diagnostic in file order; but a file that did not load comes first, as what
    it says explains others (fix it, and they may go). `reads` are the resource files
    read, by name: the places found in each are kept with it."""
    diagnostics = Diagnostics(direct)
    diagnostics.extend(_resolve(findings, reads or {}))
    return Diagnostics(sorted(diagnostics.sorted(), key=lambda d: not _unloadable(d)))


def _unloadable(diagnostic: Diagnostic) -> bool:
    return diagnostic.severity is Severity.ERROR and diagnostic.code.startswith(_UNLOADABLE)


def _not_following_from(unloaded: list[Path], findings: list[Finding]) -> list[Finding]:
    """The findings, less those about a name that a file that did not load may declare
    (its text holds the name): "dan is not declared" is wrong while dan's file is broken."""
    texts = [_text(path) for path in unloaded]
    return [
        f
        for f in findings
        if f.refers_to is None or not any(f.refers_to.casefold() in text for text in texts)
    ]


def _text(path: Path) -> str:
    """The file's text, casefolded; empty when it is too large (or unreadable) to scan."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return ""
        return path.read_bytes().decode("utf-8", errors="replace").casefold()
    except OSError:
        return ""


def _has_errors(direct: list[Diagnostic], findings: list[Finding]) -> bool:
    return any(d.severity is Severity.ERROR for d in direct) or any(
        f.severity is Severity.ERROR for f in findings
    )


def _no_settings(root: Path, desired: DesiredState, has_errors: bool) -> Diagnostic:
    """Without scimform.yaml the defaults apply; but a directory that declares nothing
    either is not the config directory or is not one yet, and planning it would show
    "no changes" (or, with prune, delete everyone), so it is an error."""
    if not (desired.users or desired.groups or desired.tokens or has_errors):
        return Diagnostic(
            Severity.ERROR, "config.empty",
            f"no {SETTINGS_FILE} here and nothing declared: this is not a config directory",
            Location(str(root)), "give the directory that holds scimform.yaml, or start a "
            "config here with `scimform init`",
        )  # fmt: skip
    return Diagnostic(
        Severity.INFO, "config.no-settings",
        f"no {SETTINGS_FILE}: the defaults apply (local target, users in the direct form, "
        "no scope)", Location(str(root)), f"add {SETTINGS_FILE} to change them",
    )  # fmt: skip


def _read_settings(
    path: Path, site: Site, decl: Declarations, direct: list[Diagnostic], read: ReadYaml
) -> tuple[SettingsFile, bool]:
    """The settings, and whether the file could be read at all."""
    data, readable = _load(path, direct, read, empty_ok=True)
    if data is None:
        return SettingsFile(), readable
    if not isinstance(data, dict):
        decl.findings.append(_not_a_mapping(site, data))
        return SettingsFile(), True
    settings, findings = read_settings(data, site)
    decl.findings.extend(findings)
    return settings, True


def _mapping(settings: SettingsFile, site: Site, decl: Declarations) -> Mapper | None:
    if settings.mapping is None:
        return None
    compiled, problems = compile_mapping(settings.mapping)
    decl.findings.extend(
        error(p.code, p.message, site.at("mapping", p.key), p.hint) for p in problems
    )
    return Mapper.of(compiled, problems)


def _file(
    path: Path, mapping: Mapper | None, read: ReadYaml, context: object, cache: LoadCache | None
) -> FileRead:
    """What one resource file gives, kept by `cache` between loads when given; `context`
    is what the reading depends on beside the file (the mapping)."""
    if cache is None:
        return _read_resource(path, mapping, read)
    return cache.file(path, context, lambda: _read_resource(path, mapping, read))


def _take(
    file: FileRead, decl: Declarations, direct: list[Diagnostic], seen: FieldsSeen | None
) -> None:
    """Add what one file gave to the whole config's; its mapped users' fields to `seen`."""
    direct.extend(file.direct)
    decl.merge(file.declared)
    if seen is not None:
        for record in file.records:
            seen.see(record)


def _read_resource(path: Path, mapping: Mapper | None, read: ReadYaml) -> FileRead:
    """Read one resource file."""
    site = Site(str(path))
    direct: list[Diagnostic] = []
    data, readable = _load(path, direct, read)
    if data is None:
        return FileRead(tuple(direct), readable, Declarations.empty())
    if not isinstance(data, dict):
        declared = Declarations.empty()
        declared.findings.append(_not_a_mapping(site, data))
        return FileRead(tuple(direct), True, declared)
    users = data.get("users")
    records: tuple[dict[str, object], ...] = ()
    if mapping is not None and isinstance(users, list):  # kept only for a mapping's check
        records = tuple(r for r in users if isinstance(r, dict))
    return FileRead(tuple(direct), True, read_resource(data, site, mapping), records)


def _load(
    path: Path, direct: list[Diagnostic], read: ReadYaml, empty_ok: bool = False
) -> tuple[object, bool]:
    """The file's data (None when empty) and whether it could be read; what is wrong with
    it goes to `direct`."""
    try:
        document = read(path, str(path))
    except YamlReadError as exc:
        direct.append(exc.diagnostic)
        return None, False
    direct.extend(document.diagnostics)
    if document.data is None and not empty_ok:
        direct.append(
            Diagnostic(
                Severity.WARNING,
                "file.empty",
                "the file is empty",
                Location(str(path), 1, 1),
                "declare users:, groups: or tokens: in it, or delete it",
            )
        )
    return document.data, True


def _not_a_mapping(site: Site, data: object) -> Finding:
    kind = "a list" if isinstance(data, list) else "a single value"
    return error(
        "file.not-a-mapping",
        f"the top level of the file is {kind}, not keys",
        site,
        "start the file with users:, groups: or tokens: (settings in "
        f"{SETTINGS_FILE}), and indent the entries below",
    )


def _resolve(findings: Iterable[Finding], reads: Mapping[str, FileRead]) -> list[Diagnostic]:
    """Findings -> diagnostics, with positions looked up file by file; each file's node
    tree is dropped once its findings are placed, so memory stays flat however many files
    have something to report (the places found are kept with the file's read)."""
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(finding.site.file, []).append(finding)
    firsts: dict[str, Places] = {}  # earlier places of duplicates, usually few
    out: list[Diagnostic] = []
    for file, group in by_file.items():
        here = {file: _places(file, reads)}
        for f in group:
            message = f.message
            if f.first is not None:
                where = here if f.first.file == file else firsts
                message += f" (first at {_locate(f.first, where, reads)})"
            out.append(
                Diagnostic(f.severity, f.code, message, _locate(f.site, here, reads), f.hint)
            )
    return out


def _locate(site: Site, indexes: dict[str, Places], reads: Mapping[str, FileRead]) -> Location:
    if site.line is not None:
        return Location(site.file, site.line, 1)
    index = indexes.get(site.file)
    if index is None:
        index = indexes[site.file] = _places(site.file, reads)
    line, column = index.locate(site.path)
    return Location(site.file, line, column)


def settings_in(root: Path) -> LoadedConfig:
    """The config in `root` as its scimform.yaml alone gives it (no users or groups read):
    enough to know its targets, without the cost of loading every file."""
    with tempfile.TemporaryDirectory() as alone:
        settings = root / SETTINGS_FILE
        if settings.is_file():
            shutil.copyfile(settings, Path(alone) / SETTINGS_FILE)
        return load_config(Path(alone))


def _places(file: str, reads: Mapping[str, FileRead]) -> Places:
    """Where key paths are in `file`: kept with its read, when it is a resource file."""
    index = PositionIndex(Path(file), file)
    read = reads.get(file)
    return index if read is None else read.places(index)
