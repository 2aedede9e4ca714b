"""pprof profiles: decode profile.proto (gzip'd or not) and aggregate like `go tool pprof`.

Plain Python over the protobuf runtime (upb); never imports Textual. Import the module you need
(this file imports nothing, so the model can be used without loading protobuf):

    from m3tui.profiles.pprof import analysis, decode
    p = decode.load_file("cpu.out")
    print("\\n".join(analysis.top_lines(analysis.top(p, p.sample_index(None)))))

`decode` (bytes -> `model.Profile`), `analysis` (top, peek, the flame tree, source; over
`graph` (filters, nodes, edges) and `measure` (units, labels)), `diff` (`-diff_base`), `flame`
(the icicle layout of that tree), `profile.proto` and its generated `profile_pb2` (with its stub
`profile_pb2.pyi`).
"""
