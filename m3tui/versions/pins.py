"""Which Go a directory pins: the resolution order lives in core/pins.py (the doctor reads it
too; the doctor may not import versions); re-exported here for the Versions services."""

from __future__ import annotations

from m3tui.core.pins import (
    ENV_VAR as ENV_VAR,
    PIN_FILES as PIN_FILES,
    Kind as Kind,
    Pin as Pin,
    find_pin_file as find_pin_file,
    resolve_pin as resolve_pin,
    store_versions as store_versions,
)
