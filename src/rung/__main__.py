"""``python -m rung``: the ``rung`` command line."""

import sys

from rung.cli import main

sys.exit(main())
