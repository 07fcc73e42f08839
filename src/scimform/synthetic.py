"""A synthetic organisation of any size, for benchmarks: the same records for a YAML config
and for a seeded store, so that a plan of one against the other has no changes.

Deterministic: the same arguments give the same users, groups and members.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from scimform.model import Group, User

_GIVEN = (
    "Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Linus",
    "Margaret", "Dennis", "Shafi", "Tim", "Sophie", "Leslie", "Katherine", "John", "Hedy",
    "Niklaus",
)  # fmt: skip
_FAMILY = (
    "Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman",
    "Torvalds", "Hamilton", "Ritchie", "Goldwasser", "Berners-Lee", "Wilson", "Lamport", "Johnson",
    "McCarthy", "Lamarr", "Wirth",
)  # fmt: skip
_DEPARTMENTS = ("Platform", "Data", "Security", "Payments", "Mobile", "Finance", "Support")
_TITLES = ("Engineer", "Senior Engineer", "Staff Engineer", "Manager", "Analyst", "Director")


def _user(i: int, rng: random.Random) -> User:
    given = _GIVEN[rng.randrange(len(_GIVEN))]
    family = _FAMILY[rng.randrange(len(_FAMILY))]
    user_name = f"user{i:06d}@corp.example"
    return User(
        user_name=user_name,
        given_name=given,
        family_name=family,
        display_name=f"{given} {family}",
        external_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        email=user_name,
        title=_TITLES[rng.randrange(len(_TITLES))],
        department=_DEPARTMENTS[rng.randrange(len(_DEPARTMENTS))],
    )


def _members(count: int, users: Sequence[User], rng: random.Random) -> frozenset[str]:
    # A contiguous run from a random start: distinct members, spread over the whole org.
    start = rng.randrange(len(users))
    return frozenset(users[(start + k) % len(users)].user_name for k in range(count))


def synthetic_org(
    users: int, groups: int, memberships: int, seed: int = 0
) -> tuple[list[User], list[Group]]:
    """`users` users and `groups` groups holding `memberships` members in all, spread evenly
    (no group holds more members than there are users)."""
    rng = random.Random(seed)
    people = [_user(i, rng) for i in range(users)]
    per_group, extra = divmod(memberships, groups) if groups else (0, 0)
    teams = []
    for j in range(groups):
        count = min(per_group + (1 if j < extra else 0), users)
        teams.append(
            Group(
                display_name=f"team-{j:05d}",
                external_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                members=_members(count, people, rng) if count else frozenset(),
            )
        )
    return people, teams


def _user_yaml(user: User) -> str:
    q = json.dumps  # a JSON string is a valid double-quoted YAML scalar
    return (
        f"  - userName: {q(user.user_name)}\n"
        f"    externalId: {q(user.external_id)}\n"
        f"    givenName: {q(user.given_name)}\n"
        f"    familyName: {q(user.family_name)}\n"
        f"    displayName: {q(user.display_name)}\n"
        f"    title: {q(user.title)}\n"
        f"    email: {q(user.email)}\n"
        f"    department: {q(user.department)}\n"
    )


def _group_yaml(group: Group) -> str:
    lines = [f"  - displayName: {json.dumps(group.display_name)}\n"]
    if group.external_id is not None:
        lines.append(f"    externalId: {json.dumps(group.external_id)}\n")
    if group.members:
        lines.append("    members:\n")
        lines.extend(f"      - {json.dumps(m)}\n" for m in sorted(group.members))
    return "".join(lines)


_T = TypeVar("_T")


def _chunks(items: Sequence[_T], parts: int) -> list[Sequence[_T]]:
    size = max(1, -(-len(items) // max(1, parts)))
    return [items[k : k + size] for k in range(0, len(items), size)]


def write_config(root: Path, users: Sequence[User], groups: Sequence[Group], files: int) -> None:
    """Write the org as a config directory: scimform.yaml, users over `files` files under
    users/, groups over a fifth as many under groups/."""
    (root / "users").mkdir(parents=True, exist_ok=True)
    (root / "groups").mkdir(parents=True, exist_ok=True)
    (root / "scimform.yaml").write_text("ownership:\n  prune: false\n", encoding="utf-8")
    for n, people in enumerate(_chunks(users, files)):
        body = "users:\n" + "".join(_user_yaml(u) for u in people)
        (root / "users" / f"users-{n:04d}.yaml").write_text(body, encoding="utf-8")
    for n, teams in enumerate(_chunks(groups, max(1, files // 5))):
        body = "groups:\n" + "".join(_group_yaml(g) for g in teams)
        (root / "groups" / f"groups-{n:04d}.yaml").write_text(body, encoding="utf-8")
