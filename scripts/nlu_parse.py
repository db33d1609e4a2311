"""Parse messages with a trained Rasa model; run by scripts/nlu_eval.py in .venv-bot.

Usage: .venv-bot/bin/python scripts/nlu_parse.py MODEL.tar.gz IN.json OUT.json
IN.json is a list of texts; OUT.json gets one parse result per text (intent, ranking, entities),
exactly what the running bot would see (the FallbackClassifier included).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from typing import Any


async def parse_all(model_path: str, texts: list[str]) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    results = []
    for text in texts:
        parsed = await agent.parse_message(text)
        results.append(
            {
                "text": text,
                "intent": parsed["intent"],
                "intent_ranking": parsed.get("intent_ranking", []),
                "entities": [
                    {"entity": e["entity"], "value": e.get("value")}
                    for e in parsed.get("entities", [])
                ],
            }
        )
    return results


def main() -> None:
    logging.disable(logging.WARNING)
    model_path, in_path, out_path = sys.argv[1:4]
    with open(in_path, encoding="utf-8") as handle:
        texts = json.load(handle)
    results = asyncio.run(parse_all(model_path, texts))
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(results, handle, ensure_ascii=False)


if __name__ == "__main__":
    main()
