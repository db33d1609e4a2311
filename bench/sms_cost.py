"""What a pre-diagnostic costs by SMS: the SMS personas of tests/transcripts/ played through
POST /api/v1/simulate on channel sms, counting outbound messages, segments and encodings.

Usage:
  .venv/bin/python bench/sms_cost.py                          # starts the stack on free ports
  .venv/bin/python bench/sms_cost.py http://127.0.0.1:8000    # against a running backend

Steps that need the database (time passing, a lost conversation) are skipped: only what the
person types is replayed. Last line: prediagnostic_segments_max=N gsm7_share=X, where N is the
most segments a complete pre-diagnostic (personas marked `bench: full`) cost.
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from tests.e2e.transcripts import load_transcripts  # noqa: E402


def play(base_url: str, transcript: dict) -> dict:
    phone = f"+3377{random.randrange(10**7):07d}"
    turns = messages = segments = 0
    encodings: Counter[str] = Counter()
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for step in transcript["steps"]:
            if "say" not in step:
                continue
            response = client.post(
                "/api/v1/simulate",
                json={"contact": phone, "channel": "sms", "text": str(step["say"])},
            )
            response.raise_for_status()
            turns += 1
            for reply in response.json()["replies"]:
                messages += 1
                segments += reply["segments"]
                encodings[reply["encoding"]] += 1
    return {"turns": turns, "messages": messages, "segments": segments, "encodings": encodings}


def run(base_url: str) -> int:
    personas = [(n, t) for n, t in load_transcripts() if t.get("channel", "sms") == "sms"]
    full_max = 0
    all_encodings: Counter[str] = Counter()
    print(f"{'persona':<36} {'turns':>5} {'msgs':>5} {'segs':>5}  encodings")
    for name, transcript in personas:
        cost = play(base_url, transcript)
        all_encodings += cost["encodings"]
        if transcript.get("bench") == "full":
            full_max = max(full_max, cost["segments"])
        encodings = ", ".join(f"{k}:{v}" for k, v in sorted(cost["encodings"].items()))
        marker = " (full)" if transcript.get("bench") == "full" else ""
        print(
            f"{name + marker:<36} {cost['turns']:>5} {cost['messages']:>5} "
            f"{cost['segments']:>5}  {encodings}"
        )
    total = sum(all_encodings.values())
    share = all_encodings["GSM-7"] / total if total else 0.0
    print(f"prediagnostic_segments_max={full_max} gsm7_share={share:.3f}")
    return 0


def with_own_stack() -> int:
    from own_stack import own_stack

    with own_stack() as base_url:
        return run(base_url)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1].rstrip("/")) if len(sys.argv) > 1 else with_own_stack())
