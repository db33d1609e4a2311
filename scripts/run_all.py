"""`make run`: start action server, Rasa, backend and worker; Ctrl-C stops them all."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from stack import main

if __name__ == "__main__":
    sys.exit(main())
