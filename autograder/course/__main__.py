"""``python -m autograder.course ...``: the same subcommands as ``autograder course ...``."""

import sys

from .cli import main

sys.exit(main())
