"""Golden files of every rendering of one representative plan (tests/render/conftest.py).

The files under tests/render/golden/ are the expected output, byte for byte. After an
intended change of output, regenerate them and review the diff before committing:

    SCIMFORM_UPDATE_GOLDEN=1 python -m pytest tests/render/test_golden.py
"""

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from scimform.engine.plan import Plan
from scimform.render.json import render_json
from scimform.render.markdown import render_markdown
from scimform.render.text import render_summary, render_text

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("SCIMFORM_UPDATE_GOLDEN") == "1"

RENDERINGS: dict[str, Callable[[Plan], str]] = {
    "plan.txt": render_text,
    "plan.color.txt": lambda plan: render_text(plan, color=True),
    "plan.summary.txt": render_summary,
    "plan.md": render_markdown,
    "plan.json": render_json,
}


@pytest.mark.parametrize("name", sorted(RENDERINGS))
def test_rendering_matches_its_golden_file(plan: Plan, name: str) -> None:
    rendered = RENDERINGS[name](plan)
    path = GOLDEN / name
    if UPDATE:
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"{path} is missing: regenerate with SCIMFORM_UPDATE_GOLDEN=1"
    assert rendered == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(RENDERINGS))
def test_a_saved_plan_renders_the_same(plan: Plan, name: str) -> None:
    # A plan read back from its JSON holds its attributes in another order (sorted keys):
    # the renderings must not depend on it.
    assert RENDERINGS[name](Plan.from_json(plan.to_json())) == RENDERINGS[name](plan)
