"""How long the coordinator's funnel page takes to compute on a busy month.

Usage: PYTHONPATH=. .venv/bin/python bench/web_funnel.py [runs] [questions]
Builds a throwaway SQLite store with ``runs`` questionnaires of ``questions`` questions
(a third of them stopping on the way), then times compute_funnel() and the rendered page.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from tests.support.database import migrate, reset_caches


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    questions = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-funnel-')) / 'bench.db'}"
    migrate(url)
    os.environ["DATABASE_URL"] = url
    reset_caches()
    from backend.core.db import session_scope
    from backend.main import create_app
    from backend.models import Beneficiary, Event, Prediagnostic, utcnow
    from backend.seed import seed
    from backend.web.funnel import compute_funnel

    rng = random.Random(7)
    start = utcnow() - timedelta(days=20)
    with session_scope() as db:
        seed(db)
        person = db.scalar(select(Beneficiary))
        rows = []
        for run in range(runs):
            stop = rng.randint(1, questions) if run % 3 == 0 else questions
            prediagnostic = Prediagnostic(
                beneficiary_id=person.id,
                status="submitted" if stop == questions else "in_progress",
                channel=rng.choice(["sms", "whatsapp", "telegram"]),
            )
            db.add(prediagnostic)
            db.flush()
            at = start + timedelta(minutes=run)
            for index in range(stop):
                data = {
                    "prediagnostic_id": prediagnostic.id,
                    "question_key": f"q{index:02d}",
                    "channel": prediagnostic.channel,
                }
                rows.append({"kind": "prediag_question_asked", "data": data, "created_at": at})
                if index < stop - 1 or stop == questions:
                    at += timedelta(seconds=rng.randint(5, 120))
                    rows.append({"kind": "prediag_answer_saved", "data": data, "created_at": at})
        db.execute(insert(Event), rows)
    print(f"{runs} questionnaires, {questions} questions, {len(rows)} events")

    with session_scope() as db:
        began = time.perf_counter()
        funnel = compute_funnel(db, utcnow() - timedelta(days=30))
        elapsed = time.perf_counter() - began
        tracemalloc.start()  # separately: tracing slows the run down several times
        compute_funnel(db, utcnow() - timedelta(days=30))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(
        f"compute_funnel: {elapsed * 1000:.0f} ms, peak {peak / 1e6:.1f} MB, "
        f"{len(funnel.questions)} questions, {funnel.started} started"
    )

    with TestClient(create_app()) as client:
        page = client.get("/connexion")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post(
            "/connexion",
            data={
                "email": "coordinateur@demo.fr",
                "password": "demo-parcours-2026",
                "csrf_token": token,
            },
        )
        timings = []
        for _ in range(3):
            began = time.perf_counter()
            response = client.get("/coordination")
            timings.append(time.perf_counter() - began)
            assert response.status_code == 200
    print(
        f"GET /coordination: best of 3 {min(timings) * 1000:.0f} ms, "
        f"{len(response.content) / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
