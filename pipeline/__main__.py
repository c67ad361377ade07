"""``python -m pipeline`` is the ``radar`` command."""

import sys

from .cli import main

sys.exit(main())
