"""Where things are in a YAML file, looked up only when a diagnostic needs it.

The fast loader keeps no positions. For the few files that have something to report,
`PositionIndex` composes the file again into nodes (libyaml, no construction) and turns a
key path such as ("users", 3, "email") into a line and column.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from scimform.config.yamlio import KeyPath, YamlReadError, read_text


class PositionIndex:
    """Where key paths are in one file: composed once, on first use."""

    def __init__(self, path: Path, file: str) -> None:
        self._path = path
        self._file = file
        self._root: yaml.Node | None = None
        self._loaded = False

    def _node(self) -> yaml.Node | None:
        if not self._loaded:
            self._loaded = True
            try:
                self._root = yaml.compose(
                    read_text(self._path, self._file), Loader=yaml.CSafeLoader
                )
            except (YamlReadError, yaml.YAMLError, RecursionError):
                self._root = None
        return self._root

    def locate(self, path: KeyPath) -> tuple[int, int]:
        """1-based line and column of the key (or list item) at `path`; of the nearest
        enclosing node that exists when the path goes further than the file does."""
        node = self._node()
        if node is None:
            return (1, 1)
        mark = node.start_mark
        for part in path:
            found = _child(node, part)
            if found is None:
                break
            key, node = found
            mark = (key or node).start_mark
        return (mark.line + 1, mark.column + 1)


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node | None, yaml.Node] | None:
    """(key node, value node) for a mapping key, (None, item) for a list index."""
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == part:
                return key, value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return None, node.value[part]
    return None
