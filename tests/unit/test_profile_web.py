"""pprof web: the `ssh -L` line names this machine as best known, and each state is one clear line."""

from __future__ import annotations

from m3tui.profiles.pproftool import (
    HOST_PLACEHOLDER,
    WebState,
    free_port,
    ssh_host,
    ssh_tunnel,
)


def test_over_ssh_the_tunnel_names_the_address_the_client_reached() -> None:
    env = {"SSH_CONNECTION": "192.0.2.7 50022 198.51.100.4 22", "USER": "gopher"}
    assert ssh_tunnel(8123, env) == "ssh -L 8123:127.0.0.1:8123 gopher@198.51.100.4"
    env["SSH_CONNECTION"] = "192.0.2.7 50022 198.51.100.4 2222"
    assert ssh_host(env) == "-p 2222 gopher@198.51.100.4"


def test_without_ssh_the_host_name_else_a_placeholder() -> None:
    assert ssh_host({}, hostname="build-mac.local") == "build-mac.local"
    assert ssh_host({"USER": "gopher"}, hostname="build-mac.local") == "gopher@build-mac.local"
    assert ssh_host({}, hostname="") == HOST_PLACEHOLDER == "<this-mac>"
    assert ssh_host({}, hostname="localhost") == HOST_PLACEHOLDER
    assert ssh_host({"USER": "x;rm -rf"}, hostname="evil$(x)") == HOST_PLACEHOLDER, "nothing a shell would run"


def test_free_port_is_a_real_port() -> None:
    import socket

    port = free_port()
    assert 0 < port < 65536
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # free: it can be bound


def test_every_state_is_one_line_and_failures_say_why() -> None:
    url, ssh = "http://127.0.0.1:8123/", "ssh -L 8123:127.0.0.1:8123 mac"
    assert WebState("starting", url, ssh).line() == "pprof web: starting at http://127.0.0.1:8123/…"
    serving = WebState("serving", url, ssh).line()
    assert "serving at http://127.0.0.1:8123/" in serving and ssh in serving
    assert WebState("stopped", url, ssh).final and WebState("stopped", url, ssh).line().startswith("pprof web: stopped")
    failed = WebState("failed", url, ssh, "parsing profile: unrecognized profile format\x1b[2J")
    assert failed.final and failed.line() == "pprof web: failed: parsing profile: unrecognized profile format\\x1b[2J"
