"""YAML files people edit (the questionnaire, the orientation rules), read with the line of
every key and list item, so that an error names the file, the line and the place:
``bot/questionnaire.yml, line 12: questions[3].options[0].sms: Field required``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping key and list item."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.key_lines: dict[tuple[int, Any], int] = {}
        self.item_lines: dict[tuple[int, int], int] = {}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=True)
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            self.key_lines[(id(mapping), key)] = key_node.start_mark.line + 1
        return mapping

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> list[Any]:
        sequence = super().construct_sequence(node, deep=True)
        for index, item in enumerate(node.value):
            self.item_lines[(id(sequence), index)] = item.start_mark.line + 1
        return sequence


LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, LineLoader.construct_mapping
)
LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, LineLoader.construct_sequence
)


class YamlSyntaxError(ValueError):
    """Not YAML at all; the message names the file and, when known, the line."""


@dataclass
class LinedYaml:
    """A YAML document and where each of its elements is written."""

    source: Path
    data: Any
    loader: LineLoader

    def line(self, path: tuple[Any, ...]) -> int | None:
        """The line of the deepest element of ``path`` found in the file."""
        node, line = self.data, None
        for step in path:
            if isinstance(node, dict) and step in node:
                line = self.loader.key_lines.get((id(node), step), line)
                node = node[step]
            elif isinstance(node, list) and isinstance(step, int) and step < len(node):
                line = self.loader.item_lines.get((id(node), step), line)
                node = node[step]
            else:
                break
        return line

    def problems(self, problems: list[tuple[tuple[Any, ...], str]]) -> str:
        """One line per problem: ``<file>, line <n>: <where>: <what>``."""
        lines = []
        for path, message in problems:
            line = self.line(path)
            place = f"{self.source}, line {line}" if line else str(self.source)
            lines.append(f"{place}: {where(path) or 'file'}: {message}")
        return "\n".join(lines)


def where(path: tuple[Any, ...]) -> str:
    """``questions[3].options`` for ("questions", 3, "options")."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def load_lined(text: str, source: Path) -> LinedYaml:
    """Parse ``text``; raise YamlSyntaxError naming ``source`` and the line of the problem."""
    loader = LineLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"{source}, line {mark.line + 1}" if mark else str(source)
        raise YamlSyntaxError(f"{place}: not valid YAML: {exc}") from exc
    finally:
        loader.dispose()
    return LinedYaml(source, data, loader)
