"""The doctor run in a fresh interpreter: offline, it never imports the network client (the run's
behaviour in this process: tests/unit/test_doctor_run.py)."""

from __future__ import annotations

import subprocess
import sys


def test_offline_doctor_does_not_load_httpx() -> None:
    code = (
        "import asyncio, sys\n"
        "from m3tui.doctor.model import DoctorContext\n"
        "from m3tui.doctor.run import run_doctor\n"
        "asyncio.run(run_doctor(DoctorContext(offline=True)))\n"
        "print('httpx' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.stdout.strip() == "False", done.stderr
