"""The environment doctor: checks (system, Go, network, drift) and the run that streams them.

`run.py` runs them; `model.py` is the shared vocabulary. This file imports nothing, so the
TUI can use the model before the first paint without loading every check (and httpx).
"""
