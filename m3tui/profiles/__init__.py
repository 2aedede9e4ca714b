"""Profiles: pprof decoding and views (`pprof/`), capturing a benchmark's profile, the
profile-rate tuner and `go tool pprof` itself.

May use `core`, `versions` and `bench` (builds and runs); never Textual, `tui` or `cli`.
"""
