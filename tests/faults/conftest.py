"""Fault tests (`make test-faults`, run by CI after `make test`): the real stack, processes
killed and services failing on purpose. Each starts its own stack, so they are kept out of
`make test` (collected only with RUN_FAULTS=1)."""

import os

collect_ignore_glob = [] if os.environ.get("RUN_FAULTS") == "1" else ["test_*.py"]
