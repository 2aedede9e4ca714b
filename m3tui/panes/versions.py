"""Versions pane: install, verify and switch Go versions (front over the versions service)."""

from __future__ import annotations

from .base import Pane


class VersionsPane(Pane):
    PANE_ID = "versions"
    TITLE = "Versions"
    SUMMARY = "Install, verify and switch Go versions, safely."
    PLANNED = (
        "list the Go versions installed here, from every manager (m3tui, Homebrew, asdf, mise, "
        "goenv, gvm, ~/sdk, /usr/local/go), with arch, size and owner",
        "list releases from go.dev (or a mirror), cached for offline use",
        "install with a progress bar, SHA-256 checked before unpacking, never half-installed",
        "switch the current version atomically, and show what go.mod/GOTOOLCHAIN make run here",
    )
    PLANNED_HEADLESS = "m3tui versions list | install | use | remove | current | env"
