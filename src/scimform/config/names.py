"""Name lookups shared by the rules: case-insensitive indexes, duplicate detection and
"did you mean" suggestions that stay fast with 100,000 names."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

from scimform.config.declared import Finding, Site
from scimform.diagnostics import Severity

# Past this many names, suggestions only consider names that share the first two letters.
_SMALL = 5_000
# Suggestions stop after comparing this many names in all (about 20 s of work at worst):
# a config with thousands of typos gets them for the first few hundred.
_SUGGESTION_BUDGET = 1_000_000


def _edits(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`."""
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            cost = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        before, row = row, current
    return row[-1]


def _distinct(word: str, name: str) -> tuple[str, str]:
    """The parts of two names that tell them apart: a domain both share says nothing."""
    a, b = word.casefold(), name.casefold()
    local_a, at_a, domain_a = a.rpartition("@")
    local_b, at_b, domain_b = b.rpartition("@")
    if at_a and at_b and domain_a == domain_b:
        return local_a, local_b
    return a, b


def similar(word: str, name: str) -> bool:
    """Whether `name` is a plausible typo of `word`: a few edits apart, measured on what
    differs (so "nobody@corp.example" is not like "fay@corp.example", nor "dan" like
    "ann"). One edit for names up to four characters, two up to ten, three beyond; and
    never so many that little of the shorter name is left."""
    a, b = _distinct(word, name)
    longer, shorter = max(len(a), len(b)), min(len(a), len(b))
    allowed = min(1 if longer <= 4 else 2 if longer <= 10 else 3, shorter - 1)
    return longer - shorter <= allowed and _edits(a, b) <= allowed


class _Pool:
    """Names prepared for comparison: casefolded (AWS ignores letter case too), and without
    the domain that the word asked about shares with them."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = list(names)
        self._split = [name.casefold().rpartition("@") for name in self.names]
        # By the word's domain: the names of that domain by their local part, the others
        # whole.
        self._keys: dict[str, tuple[dict[str, list[int]], dict[str, list[int]]]] = {}

    def closest(self, word: str, n: int) -> list[str]:
        """Up to `n` names `word` may be a typo of, the closest first."""
        folded = word.casefold()
        local, at, domain = folded.rpartition("@")
        same, other = self._keyed(domain if at else None)
        wanted = max(n, 10)
        close = [(same, key) for key in difflib.get_close_matches(local, list(same), wanted, 0.6)]
        close += [
            (other, key) for key in difflib.get_close_matches(folded, list(other), wanted, 0.6)
        ]
        names = [self.names[i] for keys, key in close for i in keys[key]]
        likely = [name for name in names if similar(word, name)]
        return sorted(likely, key=lambda name: _edits(*_distinct(word, name)))[:n]

    def _keyed(self, domain: str | None) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        keys = self._keys.get(domain or "")
        if keys is None:
            same: dict[str, list[int]] = {}
            other: dict[str, list[int]] = {}
            for index, (local, at, theirs) in enumerate(self._split):
                if at and theirs == domain:
                    same.setdefault(local, []).append(index)
                else:
                    other.setdefault(f"{local}{at}{theirs}", []).append(index)
            keys = self._keys[domain or ""] = (same, other)
        return keys


def close_names(word: str, names: Iterable[str], n: int = 1) -> list[str]:
    """Up to `n` of `names` that `word` may be a typo of, the closest first."""
    return _Pool(names).closest(word, n)


class Suggester:
    """'did you mean' over a set of names, bounded in cost."""

    def __init__(self, names: Iterable[str]) -> None:
        self._names = sorted(set(names))
        self._by_prefix: dict[str, list[str]] = {}
        if len(self._names) > _SMALL:
            for name in self._names:
                self._by_prefix.setdefault(name[:2].casefold(), []).append(name)
        self._pools: dict[str, _Pool] = {}
        self._budget = _SUGGESTION_BUDGET

    def hint(self, word: str, otherwise: str) -> str:
        """'did you mean "x"?' when a declared name is close to `word`, else `otherwise`."""
        prefix = word[:2].casefold() if self._by_prefix else ""
        pool = self._pools.get(prefix)
        if pool is None:
            names = self._by_prefix.get(prefix, []) if self._by_prefix else self._names
            pool = self._pools[prefix] = _Pool(names)
        if self._budget < len(pool.names):
            return otherwise
        self._budget -= max(len(pool.names), 1)
        close = pool.closest(word, 1)
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
