"""How long importing and inviting a département's list takes.

Usage: PYTHONPATH=. .venv/bin/python bench/onboarding.py [people]
Builds a throwaway SQLite store, imports a Windows-1252 CSV of ``people`` lines twice (the
second import must create nobody), invites everyone, then times the invitations page's query
and the coordinator's invitation funnel.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from tests.support.database import migrate


def main() -> None:
    people = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-onboarding-')) / 'bench.db'}"
    migrate(url)
    os.environ["DATABASE_URL"] = url
    from backend.core.db import session_scope
    from backend.models import Account
    from backend.seed import seed
    from backend.services import imports, invitations

    lines = ["nom;prenom;date_naissance;telephone;numero_allocataire"]
    for i in range(people):
        phone = f"06 {10 + i // 10000:02d} {i // 100 % 100:02d} {i % 100:02d} 01"
        lines.append(f"Nom{i};Prénom{i};12/03/1990;{phone};{1000000 + i}")
    data = "\n".join(lines).encode("cp1252")
    with session_scope() as session:
        seed(session)

    def account(session):
        return session.scalar(select(Account).where(Account.email == "referente@demo.fr"))

    for label in ("import", "same file again"):
        with session_scope() as session:
            start = time.perf_counter()
            _plan, counts = imports.import_csv(session, account(session), data)
            elapsed = time.perf_counter() - start
        print(f"{label:16} {elapsed:6.2f} s  created {counts['created']}, "
              f"unchanged {counts['unchanged']}, rejected {len(counts['rejected'])}")  # fmt: skip
    with session_scope() as session:
        start = time.perf_counter()
        result = invitations.invite(session, account(session))
        print(f"{'invite all':16} {time.perf_counter() - start:6.2f} s  {len(result.invited)}")
    with session_scope() as session:
        structure_id = account(session).structure_id
        start = time.perf_counter()
        rows = invitations.invitation_rows(session, structure_id)
        print(f"{'invitations page':16} {time.perf_counter() - start:6.2f} s  {len(rows)} rows")
        start = time.perf_counter()
        invitations.invitation_funnel(session)
        print(f"{'funnel':16} {time.perf_counter() - start:6.2f} s")


if __name__ == "__main__":
    main()
