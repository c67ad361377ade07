"""``python -m pipeline`` is the ``radar`` command."""

import sys

from pipeline.cli import main

sys.exit(main())
