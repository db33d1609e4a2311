"""Average two intent classifiers' rankings: DIET's and a logistic regression's.

DIET alone is overconfident on messages unlike its training data (cross-validated on the
training data, issue 11: a third of its wrong answers came at >= 0.99), so a threshold cannot
separate its right and wrong answers. A logistic regression on the same sparse features is
better calibrated but weaker on its own; the average of the two is both more accurate and
less often confidently wrong (scripts/nlu_crossval.py, figures in config.yml).

``IntentRankingKeeper`` goes right after DIETClassifier and keeps its ranking aside (the next
classifier overwrites ``intent_ranking``); ``IntentEnsemble`` goes after
LogisticRegressionClassifier and sets the intent and ranking from the weighted average, before
the FallbackClassifier reads them.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

KEPT_RANKING = "kept_intent_ranking"


def _as_dict(ranking: list[dict[str, Any]] | None) -> dict[str, float]:
    return {str(item["name"]): float(item["confidence"]) for item in ranking or []}


def combine(
    first: dict[str, float], second: dict[str, float], first_weight: float
) -> list[dict[str, Any]]:
    """Weighted average of two rankings, best first (an intent missing from one counts 0)."""
    names = set(first) | set(second)
    scores = {
        name: first_weight * first.get(name, 0.0) + (1 - first_weight) * second.get(name, 0.0)
        for name in names
    }
    return [
        {"name": name, "confidence": confidence}
        for name, confidence in sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    ]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class IntentRankingKeeper(GraphComponent):
    """Keeps the ranking of the classifier before it, which the next one will overwrite."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentRankingKeeper:
        return cls()

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            message.set(KEPT_RANKING, message.get(INTENT_RANKING_KEY) or [])
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class IntentEnsemble(GraphComponent):
    """Sets the intent from the kept ranking and the current one, weighted."""

    def __init__(self, kept_weight: float) -> None:
        self.kept_weight = kept_weight

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentEnsemble:
        return cls(float(config["kept_weight"]))

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # kept_weight: the weight of the kept (DIET's) ranking; the current one gets the rest.
        return {"kept_weight": 0.5}

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            kept = _as_dict(message.get(KEPT_RANKING))
            current = _as_dict(message.get(INTENT_RANKING_KEY))
            if not kept or not current:
                continue  # one classifier did not answer: keep what is there
            ranking = combine(kept, current, self.kept_weight)
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
