"""Which strings `fmt` quotes. A string is written plain only when a YAML 1.1 reader (the
one scimform loads configs with) and a YAML 1.2 reader (editors, other tools) would both
read it back as that same string; otherwise it is double-quoted.
"""

from __future__ import annotations

import io

import yaml
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver

_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_YAML11 = yaml.resolver.Resolver()
_YAML12 = VersionedResolver(version=(1, 2))
_ANALYZER = yaml.emitter.Emitter(io.StringIO(), allow_unicode=True)
_TRUE_WORDS = {"yes", "true", "on"}
# Booleans in the YAML 1.1 spec that PyYAML happens to read as strings; other readers
# (Go's yaml.v2, for one) do not, so they are quoted too.
_SHORT_BOOLS = {"y", "Y", "n", "N"}


def _tag_11(text: str) -> str:
    return str(_YAML11.resolve(yaml.ScalarNode, text, (True, False)))  # type: ignore[no-untyped-call]


def needs_quotes(text: str) -> bool:
    """Whether `text` must be quoted to stay a string under YAML 1.1 and 1.2."""
    if text in _SHORT_BOOLS or _tag_11(text) != _STR:
        return True
    if _YAML12.resolve(ScalarNode, text, (True, False)) != _STR:
        return True
    analysis = _ANALYZER.analyze_scalar(text)
    return bool(analysis.multiline or not analysis.allow_block_plain)


def plain_meaning(text: str) -> bool | str | None:
    """For a scalar written plain: None when a YAML 1.1 reader reads it as a string too.
    Otherwise the canonical value to write: a bool for `yes`/`off`/`True`..., or the text
    itself, kept plain, for the rarer 1.1-only forms (such as 1:30, a base-60 number)."""
    tag = _tag_11(text)
    if tag == _STR:
        return None
    if tag == _BOOL:
        return text.lower() in _TRUE_WORDS
    return text
