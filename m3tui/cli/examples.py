"""One example (or a few) per command, shown at the end of its --help (`parser.Parser.format_help`).

Keyed by the command's words after `m3tui`. Read only when help is printed, so the parser's start
stays as it was. tests/unit/test_cli_help.py parses every example with the real parser and fails
on a command without one.
"""

from __future__ import annotations

EXAMPLES: dict[str, tuple[str, ...]] = {
    "": ("m3tui", "m3tui doctor --offline", "m3tui completion zsh > ~/.zfunc/_m3tui"),
    "doctor": ("m3tui doctor", "m3tui doctor --offline --json", "m3tui doctor --fix", "m3tui doctor --undo"),
    "versions": ("m3tui versions install 1.22", "m3tui versions use 1.22.10", "m3tui versions exec -- go build ./..."),
    "versions list": ("m3tui versions list", "m3tui versions list --remote --all"),
    "versions install": ("m3tui versions install 1.22.10", "m3tui versions install latest --mirror https://golang.google.cn"),
    "versions default-packages": ("m3tui versions default-packages 1.22.10",),
    "versions use": ("m3tui versions use 1.22.10", "m3tui versions use 1.21.13 --here", "m3tui versions use bundled"),
    "versions exec": ("m3tui versions exec 1.21.13 -- go test ./...",),
    "versions remove": ("m3tui versions remove 1.21.5",),
    "versions prune": ("m3tui versions prune --keep 2",),
    "versions current": ("m3tui versions current --json",),
    "versions env": ("m3tui versions env --shell zsh --add-to-rc",),
    "versions project": ("m3tui versions project", "m3tui versions project --set 1.22.10 --how toolchain"),
    "bench": ("m3tui bench ./internal/codec --bench Encode --count 10", "m3tui bench compare 12 13"),
    "bench run": (
        "m3tui bench . --bench 'Sort/size=1000' --cpu 1,4 -- -test.benchmem",
        "m3tui bench ./codec --rev main --count 12",
    ),
    "bench compare": ("m3tui bench compare old.txt new.txt", "m3tui bench compare 41 42 --col /size --filter '.unit:ns/op'"),
    "bench history": ("m3tui bench history", "m3tui bench history export 42 --format csv -o run42.csv"),
    "profile": ("m3tui profile cpu.pprof", "m3tui profile top heap.pprof --sample-index alloc_space"),
    "profile top": (
        "m3tui profile top cpu.pprof --nodecount 20 --cum",
        "m3tui profile top http://localhost:6060/debug/pprof/profile --seconds 10",
    ),
    "profile open": ("m3tui profile open mem.pprof",),
    "profile watch": ("m3tui profile watch http://localhost:6060/debug/pprof/heap --every 1m",),
    "profile capture": ("m3tui profile capture ./codec --bench BenchmarkEncode --kind mem",),
    "profile tune": ("m3tui profile tune ./codec --bench BenchmarkEncode --kind block --rates 1,100,10000",),
    "profile captured": ("m3tui profile captured --json",),
    "profile peek": ("m3tui profile peek cpu.pprof 'runtime\\.mallocgc'",),
    "profile list": ("m3tui profile list cpu.pprof 'codec\\.Encode' --source-path ~/src/codec",),
    "profile traces": ("m3tui profile traces goroutine.pprof --focus 'net/http'",),
    "profile export": ("m3tui profile export cpu.pprof -o cpu.svg", "m3tui profile export cpu.pprof --format collapsed"),
    "logs": ("m3tui logs app.log", "m3tui logs api.log db.log worker.log.gz --tz UTC", "m3tui logs --lint --json app.jsonl", "kubectl logs web | m3tui logs -",
             "m3tui logs app.jsonl --where 'level>=warn component=m3-query duration>500ms'",
             "go test -json ./... | m3tui logs - --tests"),
    "completion": ("m3tui completion fish > ~/.config/fish/completions/m3tui.fish",),
}


def examples_of(prog: str) -> tuple[str, ...]:
    """The examples of the command whose argparse prog is `prog` ("m3tui versions install")."""
    return EXAMPLES.get(prog.partition(" ")[2], ())
