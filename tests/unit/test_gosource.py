"""bench.gosource: which benchmarks run their loop on one goroutine, read from Go source."""

from __future__ import annotations

import os

from m3tui.bench.gosource import benchmark_kinds, read_benchmark_kinds, strip_go

from tests.testdata import GOBENCH

HEAD = 'package p\n\nimport (\n\t"sync"\n\t"testing"\n)\n\n'


def kinds(body: str, *more: str) -> dict[str, str]:
    return benchmark_kinds([HEAD + body, *more])


def test_the_gobench_package_is_all_serial():
    assert benchmark_kinds([(GOBENCH / "bench_test.go").read_text()]) == {
        "Sum": "serial", "Sizes": "serial", "Widgets": "serial", "Bytes": "serial", "Chatty": "serial"}


def test_serial_and_parallel():
    src = """
func BenchmarkSerial(b *testing.B) {
	for i := 0; i < b.N; i++ {
		work()
	}
}

func BenchmarkParallel(b *testing.B) {
	var mu sync.Mutex
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			mu.Unlock()
		}
	})
}

func BenchmarkOtherName(bb *testing.B) {
	for range bb.N {
	}
}

func BenchmarkLoop(b *testing.B) {
	for b.Loop() {
	}
}
"""
    assert kinds(src) == {"Serial": "serial", "Parallel": "parallel", "OtherName": "serial", "Loop": "serial"}


def test_runparallel_in_a_comment_or_a_string_does_not_count():
    src = '''
// BenchmarkA could use b.RunParallel(func(pb *testing.PB) {}) one day.
func BenchmarkA(b *testing.B) {
	/* b.RunParallel(
	   } { */
	s := "b.RunParallel(\\"}\\")"
	r := `b.RunParallel(
	}`
	c := '}'
	_, _, _ = s, r, c
	for i := 0; i < b.N; i++ {
	}
}

func BenchmarkB(b *testing.B) {
	b.RunParallel(func(pb *testing.PB) { for pb.Next() { _ = "}" } })
}
'''
    assert kinds(src) == {"A": "serial", "B": "parallel"}


def test_strip_go_blanks_comments_and_literals():
    out = strip_go('a := "x // y" // c\nb := `raw\n}` + \'"\' /* d\n */ e')
    assert out == 'a := ""  \nb := "" + 0 \n e'


def test_sub_benchmarks_inherit_their_closures_kind():
    src = """
func BenchmarkSubsSerial(b *testing.B) {
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
			}
		})
	}
}

func BenchmarkSubsParallel(b *testing.B) {
	b.Run("a", func(sb *testing.B) {
		sb.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
			}
		})
	})
}

func BenchmarkMixed(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
			}
		})
	})
}

func BenchmarkNested(b *testing.B) {
	b.Run("outer", func(b *testing.B) {
		b.Run("inner", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
			}
		})
	})
}
"""
    server = """
func BenchmarkServer(b *testing.B) {
	go serve()
	b.Run("client", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
		}
	})
}

func BenchmarkHelperSubs(b *testing.B) { cases(b, 3) }

func cases(b *testing.B, n int) {
	for i := 0; i < n; i++ {
		b.Run(fmt.Sprint(i), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
			}
		})
	}
}
"""
    assert kinds(src + server) == {"SubsSerial": "serial", "SubsParallel": "parallel", "Mixed": "unknown",
                                   "Nested": "serial", "Server": "unknown", "HelperSubs": "serial"}


def test_helpers_one_level_deep():
    src = """
func run(b *testing.B, n int) {
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
		}
	})
}

func loop[T any](b *testing.B, xs []T) {
	for i := 0; i < b.N; i++ {
	}
}

func setup(tb testing.TB) { tb.Helper() }

func deeper(b *testing.B) { loop(b, []int{1}) }

func spawn(b *testing.B) {
	go func() {}()
	for i := 0; i < b.N; i++ {
	}
}

func BenchmarkViaHelper(b *testing.B) { run(b, 3) }
func BenchmarkViaGeneric(b *testing.B) { loop[int](b, nil) }
func BenchmarkSetupThenLoop(b *testing.B) {
	setup(b)
	for i := 0; i < b.N; i++ {
	}
}
func BenchmarkTwoLevels(b *testing.B) { deeper(b) }
func BenchmarkSubHelper(b *testing.B) { b.Run("x", deeper) }
func BenchmarkGoroutine(b *testing.B) { spawn(b) }
func BenchmarkOtherPackage(b *testing.B) { benchutil.Run(b) }
func BenchmarkMissing(b *testing.B) { nowhere(b) }
func BenchmarkLoopElsewhere(b *testing.B) { work(b.N) }
func BenchmarkStored(b *testing.B) {
	x := b
	for i := 0; i < x.N; i++ {
	}
}
"""
    assert kinds(src) == {
        "ViaHelper": "parallel", "ViaGeneric": "serial", "SetupThenLoop": "serial",
        "TwoLevels": "unknown", "SubHelper": "unknown", "Goroutine": "unknown",
        "OtherPackage": "unknown", "Missing": "unknown", "LoopElsewhere": "unknown", "Stored": "unknown",
    }


def test_sub_benchmark_given_a_named_function():
    src = """
func body(b *testing.B) {
	for i := 0; i < b.N; i++ {
	}
}

func par(b *testing.B) { b.RunParallel(func(pb *testing.PB) {}) }

func BenchmarkNamed(b *testing.B) { b.Run("x", body) }
func BenchmarkNamedPar(b *testing.B) { b.Run("x", par) }
func BenchmarkMade(b *testing.B) { b.Run("x", makeBench(3)) }
"""
    assert kinds(src) == {"Named": "serial", "NamedPar": "parallel", "Made": "unknown"}


def test_methods_generics_and_odd_signatures_are_not_benchmarks_or_are_unknown():
    src = """
type suite struct{ b *testing.B }

func (s *suite) BenchmarkMethod(b *testing.B) {
	b.RunParallel(func(pb *testing.PB) {})
}

func Benchmarkfoo(b *testing.B) {}

func BenchmarkTB(b testing.TB) {}

func BenchmarkGeneric[T any](b *testing.B) {
	for i := 0; i < b.N; i++ {
	}
}

func BenchmarkResult(b *testing.B) (err error) {
	for i := 0; i < b.N; i++ {
	}
	return nil
}

func BenchmarkIface(b *testing.B) {
	var x interface{ M() }
	_ = x
	for i := 0; i < b.N; i++ {
	}
}
"""
    assert kinds(src) == {"TB": "unknown", "Generic": "unknown", "Result": "serial", "Iface": "serial"}


def test_a_name_defined_twice_is_unknown_and_helpers_stay_in_their_package():
    a = HEAD + "func BenchmarkX(b *testing.B) {\n\tfor i := 0; i < b.N; i++ {\n\t}\n}\n"
    b = a.replace("package p", "package p_test")
    assert benchmark_kinds([a, b]) == {"X": "unknown"}
    caller = HEAD + "func BenchmarkY(b *testing.B) { run(b) }\n"
    helper = HEAD.replace("package p", "package p_test") + "func run(b *testing.B) { b.RunParallel(nil) }\n"
    assert benchmark_kinds([caller, helper]) == {"Y": "unknown"}
    assert benchmark_kinds([caller, HEAD + "func run(b *testing.B) { b.RunParallel(nil) }\n"]) == {"Y": "parallel"}


def test_unbalanced_or_cut_source_does_not_raise():
    for src in ["package p\nfunc BenchmarkA(b *testing.B) {\n\tfor i := 0; i < b.N; i++ {\n",
                "package p\nfunc BenchmarkA(b *testing.B", "package p\nfunc BenchmarkA[",
                'package p\nfunc BenchmarkA(b *testing.B) { s := "unterminated\n}\n', "", "func"]:
        assert set(benchmark_kinds([src]).values()) <= {"serial", "unknown"}


def test_read_benchmark_kinds_reads_regular_test_files_only(tmp_path):
    (tmp_path / "a_test.go").write_text(HEAD + "func BenchmarkA(b *testing.B) {\n\tfor i := 0; i < b.N; i++ {\n\t}\n}\n")
    (tmp_path / "b_test.go").write_text(HEAD + "func BenchmarkB(b *testing.B) { run(b) }\n")
    (tmp_path / "_c_test.go").write_text(HEAD + "func run(b *testing.B) { b.RunParallel(nil) }\n")  # go ignores it
    (tmp_path / "d.go").write_text(HEAD + "func BenchmarkD(b *testing.B) {\n\tfor i := 0; i < b.N; i++ {\n\t}\n}\n")
    os.mkfifo(tmp_path / "e_test.go")
    (tmp_path / "f_test.go").mkdir()
    assert read_benchmark_kinds(tmp_path) == {"A": "serial", "B": "unknown"}
    (tmp_path / "g_test.go").write_text(HEAD + "func run(b *testing.B) { b.RunParallel(nil) }\n")
    assert read_benchmark_kinds(tmp_path) == {"A": "serial", "B": "parallel"}  # the cache saw the new file
    assert read_benchmark_kinds(tmp_path / "missing") == {}


def test_a_file_over_the_cap_is_left_out(tmp_path):
    from m3tui.bench.gosource import FILE_LIMIT

    src = HEAD + "func BenchmarkA(b *testing.B) {\n\tfor i := 0; i < b.N; i++ {\n\t}\n}\n"
    (tmp_path / "a_test.go").write_text(src + "// " + "x" * FILE_LIMIT + "\n")
    assert read_benchmark_kinds(tmp_path) == {}


def test_a_huge_generated_body_is_read_in_linear_time():
    import time

    body = "\tuse(b)\n\tb.ResetTimer()\n" * 20000  # was minutes when each use re-read the body
    src = HEAD + "func use(b *testing.B) {}\n\nfunc BenchmarkBig(b *testing.B) {\n" + body + (
        "\tfor i := 0; i < b.N; i++ {\n\t}\n}\n")
    started = time.perf_counter()
    assert kinds(src) == {"Big": "serial"}
    assert time.perf_counter() - started < 5


def test_runparallel_in_a_nested_closure_counts():
    src = """
func BenchmarkClosure(b *testing.B) {
	run := func() {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
			}
		})
	}
	run()
}

func BenchmarkDeferred(b *testing.B) {
	defer func() {
		for i := 0; i < b.N; i++ {
		}
	}()
}
"""
    assert kinds(src) == {"Closure": "parallel", "Deferred": "serial"}
