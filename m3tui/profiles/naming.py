"""One name per capture, wherever it was made (the Profiles pane, the Bench pane's ``p``,
``m3tui profile capture``) and wherever it is shown (the pane's list, notifications, ``m3tui
profile captured``): the kind, the benchmark that really ran (not the regexp typed), ``-cpu`` =
GOMAXPROCS, and the local time; so two captures at GOMAXPROCS 1 and 2 never look alike. The
profile's file name says the same (``cpu-Sum-cpu2.pprof``; its directory has the time).

Pure functions; never imports Textual.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from m3tui.profiles.pprof.model import printable

if TYPE_CHECKING:
    from m3tui.profiles.capture import Capture, CaptureSpec

__all__ = ["KIND_CHOICES", "capture_name", "profile_file_name"]

#: (label, kind) for a form's choice list: capture.KINDS, in that order.
KIND_CHOICES = (("cpu", "cpu"), ("heap (mem)", "mem"), ("block", "block"), ("mutex", "mutex"))


def _names(cap: Capture) -> list[str]:
    """The benchmarks that ran (with sub-benchmarks), in first-seen order."""
    return list(dict.fromkeys(r.name for r in cap.results))


def _bench_part(names: Sequence[str], bench: str) -> str:
    """The benchmark a capture ran (its first name, "+N" more), else the regexp it was given."""
    if not names:
        return bench
    return names[0] + (f" +{len(names) - 1}" if len(names) > 1 else "")


def _local_time(created: str) -> str:
    try:
        return _dt.datetime.fromisoformat(created).astimezone().strftime("%m-%d %H:%M:%S")
    except ValueError:
        return created


def capture_name(cap: Capture) -> str:
    """The one name of a capture, fit for the screen: ``cpu Sum -cpu 2 12-05 10:41:07`` (kind,
    the benchmark that ran, -cpu = GOMAXPROCS, local time); a file opened from outside: its name."""
    if cap.spec is None or cap.external:
        return printable(cap.profile.name)
    bench = _bench_part(_names(cap), cap.spec.bench)
    return printable(f"{cap.kind} {bench} -cpu {cap.spec.procs} {_local_time(cap.created)}")


def profile_file_name(kind: str, names: Sequence[str], spec: CaptureSpec) -> str:
    """The profile's file name: ``cpu-Sum-cpu2.pprof`` (the directory it is in has the time)."""
    bench = re.sub(r"[^A-Za-z0-9._=+-]+", "_", _bench_part(names, spec.bench).replace(" +", "+"))
    return f"{kind}-{bench.strip('._')[:60] or 'bench'}-cpu{spec.procs}.pprof"
