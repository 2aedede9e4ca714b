"""What `go` really runs after the pin: in doctor/runs.py (the doctor checks it too; the doctor
may not import versions); re-exported here for the Versions services."""

from __future__ import annotations

from m3tui.doctor.runs import Runs as Runs
from m3tui.doctor.runs import gotoolchain as gotoolchain
from m3tui.doctor.runs import path_go as path_go
from m3tui.doctor.runs import what_runs as what_runs
