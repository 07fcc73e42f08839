"""Name lookups shared by the rules: case-insensitive indexes, duplicate detection and
"did you mean" suggestions that stay fast with 100,000 names."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

from scimform.config.declared import Finding, Site
from scimform.diagnostics import Severity

# Past this many names, suggestions only consider names that share the first two letters.
_SMALL = 5_000
# A config with thousands of typos gets suggestions for the first few hundred.
_SUGGESTION_BUDGET = 200


class Suggester:
    """'did you mean' over a set of names, bounded in cost."""

    def __init__(self, names: Iterable[str]) -> None:
        self._names = sorted(set(names))
        self._by_prefix: dict[str, list[str]] = {}
        if len(self._names) > _SMALL:
            for name in self._names:
                self._by_prefix.setdefault(name[:2].casefold(), []).append(name)
        self._budget = _SUGGESTION_BUDGET

    def hint(self, word: str, otherwise: str) -> str:
        """'did you mean "x"?' when a declared name is close to `word`, else `otherwise`."""
        if self._budget <= 0:
            return otherwise
        self._budget -= 1
        pool = self._by_prefix.get(word[:2].casefold(), []) if self._by_prefix else self._names
        close = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
        if not close:
            lowered = {n.casefold(): n for n in pool}
            close = difflib.get_close_matches(word.casefold(), list(lowered), n=1, cutoff=0.6)
            close = [lowered[c] for c in close]
        return f'did you mean "{close[0]}"?' if close else otherwise


def duplicates(
    entries: Iterable[tuple[str, str, Site]],
    field: str,
    code: str,
    what: str,
    hint: str,
    note: Callable[[str, str], str] | None = None,
) -> list[Finding]:
    """An error at every entry whose key an earlier entry already has. Entries are
    (key, value as written, site of the thing declared); `field` is the key whose value it
    is, and the loader adds where the first one is. `note(first, second)` may start the
    hint with a sentence."""
    listed = list(entries)
    if len({key for key, _, _ in listed}) == len(listed):  # the usual case, decided in C
        return []
    first: dict[str, tuple[str, Site]] = {}
    findings: list[Finding] = []
    for key, shown, site in listed:
        if key not in first:
            first[key] = (shown, site)
            continue
        earlier, earlier_site = first[key]
        message = f'{what} "{shown}" is declared twice'
        full_hint = (note(earlier, shown) if note else "") + hint
        findings.append(
            Finding(
                Severity.ERROR, code, message, site.at(field), full_hint, earlier_site.at(field)
            )
        )
    return findings


def case_note(first: str, second: str) -> str:
    """What to say when two names differ only in letter case."""
    if first == second:
        return ""
    return f'"{first}" and "{second}" differ only in case, which AWS ignores; '
