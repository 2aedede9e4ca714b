"""`python -m m3tui` is the `m3tui` command."""

import sys

from m3tui.cli.main import main

sys.exit(main())
