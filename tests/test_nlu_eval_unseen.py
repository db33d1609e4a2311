"""scripts/nlu_eval.py scores only the sealed messages the model was not trained on."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("nlu_eval", ROOT / "scripts" / "nlu_eval.py")
assert _spec is not None and _spec.loader is not None
nlu_eval = importlib.util.module_from_spec(_spec)
sys.modules["nlu_eval"] = nlu_eval  # its dataclasses look their module up
_spec.loader.exec_module(nlu_eval)


def test_a_training_message_is_left_out_whatever_its_case_and_accents() -> None:
    trained = next(
        e
        for path in sorted(nlu_eval.TRAINING_DIR.rglob("*.yml"))
        for e in nlu_eval.load_examples(path)
        if len(e.text) > 8
    )
    retyped = nlu_eval.Example(trained.text.upper() + " !", trained.intent, [])
    new = nlu_eval.Example("zzq message que personne n'a jamais ecrit", "out_of_scope", [])
    kept, left_out = nlu_eval.unseen([retyped, new])
    assert kept == [new]
    assert left_out == 1


def test_plain_drops_case_accents_and_punctuation() -> None:
    assert nlu_eval.plain("  Ça VA ?? très bien… ") == "ca va tres bien"
