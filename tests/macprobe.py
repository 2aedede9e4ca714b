"""Recorded macOS outputs for the system tests: ``fixture(name)`` reads one of tests/data/macos
without its header, ``RecordedMacProbe`` is a SystemProbe that answers with recorded texts, and
``m3max_probe()`` is one built on the M3 Max's real `sysctl hw`."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from tests.testdata import MACOS


def fixture(name: str) -> str:
    """A recorded output without its `# ` header (everything up to and including `# ---`)."""
    text = (MACOS / name).read_text(encoding="utf-8")
    head, sep, body = text.partition("\n# ---\n")
    assert sep, f"{name}: no '# ---' line"
    assert all(line.startswith("#") for line in head.splitlines()), name
    return body


class RecordedMacProbe:
    """A macOS probe that answers with recorded texts; counts calls; can be told to raise.

    ``sysctl`` maps a subtree tuple (("hw",), ("machdep.cpu",)) to a text; ``self_sysctl``
    and ``shell`` give what sysctlbyname / `$SHELL -c 'sysctl -n NAME'` would answer;
    ``files`` are the paths that exist; ``raises`` names methods that raise; ``procs`` maps a pid
to its kinfo_proc bytes (constructed: tests/kinfoproc.py); ``brew_prefix`` is `brew --prefix`'s
answer (None: falls back to `brew config`, as when brew --prefix fails); ``heads`` maps a Mac
path to a real local file whose header stands for it; ``tools`` are other names `which` finds
(dlv); ``devtools`` is `DevToolsSecurity -status`'s output.
    """

    platform = "darwin"

    def __init__(
        self,
        *,
        sysctl: Mapping[tuple[str, ...], str] | None = None,
        self_sysctl: Mapping[str, int] | None = None,
        sw_vers: str | None = None,
        brew_config: str | None = None,
        xcode_select: str | None = None,
        files: Sequence[str] = (),
        path_brew: str | None = None,
        shell: Mapping[str, str] | None = None,
        login_shell: str | None = "/bin/zsh",
        raises: Sequence[str] = (),
        procs: Mapping[int, bytes] | None = None,
        parent_pid: int = 0,
        brew_prefix: str | None = None,
        heads: Mapping[str, str] | None = None,
        tools: Mapping[str, str] | None = None,
        devtools: str | None = None,
    ) -> None:
        self._sysctl = dict(sysctl or {})
        self._self_sysctl = dict(self_sysctl or {})
        self._sw_vers = sw_vers
        self._brew_config = brew_config
        self._xcode_select = xcode_select
        self._files = set(files)
        self._path_brew = path_brew
        self._shell = dict(shell or {})
        self._login_shell = login_shell
        self._raises = set(raises)
        self._procs = dict(procs or {})
        self._parent_pid = parent_pid
        self._brew_prefix = brew_prefix
        self._heads = dict(heads or {})
        self._tools = dict(tools or {})
        self._devtools = devtools
        self.calls: list[tuple] = []

    async def _enter(self, name: str, *args: object) -> None:
        self.calls.append((name, *args))
        await asyncio.sleep(0)
        if name in self._raises or "*" in self._raises:
            raise RuntimeError(f"{name} exploded")

    async def sysctl(self, names: Sequence[str]) -> str | None:
        await self._enter("sysctl", tuple(names))
        return self._sysctl.get(tuple(names))

    async def self_sysctl_int(self, name: str) -> int | None:
        await self._enter("self_sysctl_int", name)
        return self._self_sysctl.get(name)

    async def sw_vers(self) -> str | None:
        await self._enter("sw_vers")
        return self._sw_vers

    async def brew_config(self, brew: str, env: Mapping[str, str] | None = None) -> str | None:
        await self._enter("brew_config", brew)
        return self._brew_config

    async def xcode_select(self) -> str | None:
        await self._enter("xcode_select")
        return self._xcode_select

    async def read_text(self, path: str) -> str | None:
        await self._enter("read_text", path)
        return None

    async def exists(self, path: str) -> bool:
        await self._enter("exists", path)
        return path in self._files

    async def which(self, name: str, path: str | None) -> str | None:
        await self._enter("which", name)
        return self._path_brew if name == "brew" else self._tools.get(name)

    async def login_shell(self) -> str | None:
        await self._enter("login_shell")
        return self._login_shell

    async def shell_sysctl(self, shell: str, name: str, env: Mapping[str, str] | None = None) -> str | None:
        await self._enter("shell_sysctl", shell, name)
        return self._shell.get(name)

    async def proc_info(self, pid: int) -> bytes | None:
        await self._enter("proc_info", pid)
        return self._procs.get(pid)

    async def brew_prefix(self, brew: str, env: Mapping[str, str] | None = None) -> str | None:
        await self._enter("brew_prefix", brew)
        return self._brew_prefix

    async def read_head(self, path: str) -> bytes | None:
        """The head of the REAL file ``heads`` maps ``path`` to (a Mach-O built by the real go)."""
        await self._enter("read_head", path)
        real = self._heads.get(path)
        return open(real, "rb").read(4096) if real else None

    async def devtools_security(self) -> str | None:
        await self._enter("devtools_security")
        return self._devtools

    def parent_pid(self) -> int:
        return self._parent_pid  # 0: no walk (the Rosetta tests give a constructed chain)


def m3max_probe(**kw) -> RecordedMacProbe:
    """The M3 Max's real `sysctl hw`; no machdep.cpu recording from that machine exists."""
    defaults = dict(
        sysctl={("hw",): fixture("sysctl-hw.m3max.txt")},
        self_sysctl={"sysctl.proc_translated": 0},
        brew_config=fixture("brew-config.m1-native.txt"),
        path_brew="/opt/homebrew/bin/brew",
        files=["/opt/homebrew/bin/brew", "/Library/Developer/CommandLineTools/usr/bin/xcrun"],
        xcode_select=fixture("xcode-select-p.apple-silicon.clt.txt"),
        shell={"sysctl.proc_translated": "0\n"},
    )
    defaults.update(kw)
    return RecordedMacProbe(**defaults)
