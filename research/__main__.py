"""`python -m research`: the engine's command line (research.cli)."""

import sys

from research.cli import main

sys.exit(main())
