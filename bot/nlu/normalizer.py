"""Normalize what people type on a phone before tokenization, and give the text back after.

``TextNormalizer`` goes first in the pipeline: it lowercases the message, strips accents and
maps typographic apostrophes and dashes to plain ones, so "Rdv", "RDV", "réunion" and "reunion"
look the same to the featurizers, at training and at inference. It keeps the text length
(one character in, one character out) so entity offsets annotated in the training data stay
valid.

``TextRestorer`` goes last: it puts back the text as written (the backend and the referent
should see the real message) and, for the entities listed in its ``restore_entities`` option
(free text such as a job title, not normalized values such as situation_change), the original
spelling of their value. It only works because the normalization keeps offsets. It also drops
an entity found twice (DIET and the keyword lookup agreeing on the same word) and, with its
``allowed_values`` option, an entity whose value is not one of the normalized values the
dialogue expects (DIET tagging the first name "Marie" as a wedding, say).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.text import normalize_text

ORIGINAL_TEXT = "original_text"

__all__ = ["TextNormalizer", "TextRestorer", "normalize_text"]


def _normalize_message(message: Message) -> None:
    text = message.get(TEXT)
    if not isinstance(text, str) or not text:
        return
    composed = unicodedata.normalize("NFC", text)
    normalized = normalize_text(composed)
    if normalized != text:
        message.set(ORIGINAL_TEXT, composed)
        message.set(TEXT, normalized)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class TextNormalizer(GraphComponent):
    """Lowercases, strips accents and normalizes apostrophes before the tokenizer."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TextNormalizer:
        return cls()

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            _normalize_message(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            _normalize_message(message)
        return messages


def _without_duplicates(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keeps the first of entities with the same type and value on overlapping spans."""
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start, end = entity.get("start"), entity.get("end")
        duplicate = any(
            other.get("entity") == entity.get("entity")
            and other.get("value") == entity.get("value")
            and start is not None
            and end is not None
            and other.get("start") is not None
            and other.get("end") is not None
            and start < other["end"]
            and other["start"] < end
            for other in kept
        )
        if not duplicate:
            kept.append(entity)
    return kept


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class TextRestorer(GraphComponent):
    """Puts back the text as written once the pipeline has run (see the module docstring)."""

    def __init__(
        self, restore_entities: list[str], allowed_values: dict[str, list[str]] | None = None
    ) -> None:
        self.restore_entities = set(restore_entities)
        self.allowed_values = {name: set(values) for name, values in (allowed_values or {}).items()}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TextRestorer:
        return cls(
            list(config.get("restore_entities") or []), dict(config.get("allowed_values") or {})
        )

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # restore_entities: entities whose value is free text, given back as written.
        # allowed_values: entity -> its only acceptable (normalized) values; others are dropped.
        return {"restore_entities": [], "allowed_values": {}}

    def _allowed(self, entity: dict[str, Any]) -> bool:
        values = self.allowed_values.get(entity.get("entity") or "")
        return values is None or entity.get("value") in values

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = message.get(ENTITIES)
            if entities:
                kept = _without_duplicates([e for e in entities if self._allowed(e)])
                message.set(ENTITIES, kept, add_to_output=True)
            original = message.get(ORIGINAL_TEXT)
            if not original:
                continue
            normalized = message.get(TEXT)
            for entity in message.get(ENTITIES) or []:
                start, end = entity.get("start"), entity.get("end")
                if entity.get("entity") not in self.restore_entities or start is None:
                    continue
                if end is not None and entity.get("value") == normalized[start:end]:
                    entity["value"] = original[start:end]
            message.set(TEXT, original)
        return messages
