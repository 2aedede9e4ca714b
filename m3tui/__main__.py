"""`python -m m3tui` is the `m3tui` command."""

import sys

from .cli import main

sys.exit(main())
