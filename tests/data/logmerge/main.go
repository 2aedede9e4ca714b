// Command logmerge writes three log files as three Go loggers do, for m3tui's merged-timeline
// tests (tests/integration/test_logmerge_go.py): std.log with the standard library's log
// (LstdFlags|Lmicroseconds: local time, no zone), text.log with slog's TextHandler and json.log
// with slog's JSONHandler. Written for these tests (issue 17).
//
// The clocks are skewed as across machines: json.log's times run -skew ahead of the real clock
// (a ReplaceAttr on the time key); text.log has out-of-order bursts (every 10th event a record
// stamped 3 ms in the past is written after it); std.log has panics whose goroutine traces are
// lines without a time. Events go round robin to the three files, 1 ms apart, each line ending
// in a unique "#N" (N counts across the files, in the order written).
//
//	logmerge -dir DIR -n 90 [-skew 250ms] [-late=false] [-start 0]
//
// Files are opened for appending, so a second run adds to them (-start numbers its events on).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

func open(dir, name string) *os.File {
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return f
}

func main() {
	dir := flag.String("dir", ".", "folder of the three files")
	n := flag.Int("n", 90, "events to write")
	skew := flag.Duration("skew", 250*time.Millisecond, "how far json.log's clock runs ahead")
	start := flag.Int("start", 0, "number of the first event")
	late := flag.Bool("late", true, "write text.log's late records")
	flag.Parse()

	stdf, textf, jsonf := open(*dir, "std.log"), open(*dir, "text.log"), open(*dir, "json.log")
	defer stdf.Close()
	defer textf.Close()
	defer jsonf.Close()

	std := log.New(stdf, "", log.LstdFlags|log.Lmicroseconds)
	text := slog.New(slog.NewTextHandler(textf, nil))
	ahead := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			a.Value = slog.TimeValue(a.Value.Time().Add(*skew))
		}
		return a
	}
	js := slog.New(slog.NewJSONHandler(jsonf, &slog.HandlerOptions{ReplaceAttr: ahead}))
	ctx := context.Background()

	for i := *start; i < *start+*n; i++ {
		switch i % 3 {
		case 0:
			if i%15 == 0 {
				std.Printf("panic: worker %d failed #%d\ngoroutine %d [running]:\nmain.work(0x%x)\n\t/src/main.go:%d +0x1d", i, i, i, i, i)
			} else {
				std.Printf("worker %d done #%d", i, i)
			}
		case 1:
			text.Info("request served", "n", i, "id", fmt.Sprintf("#%d", i))
			if *late && i%10 == 1 { // a late record: stamped 3 ms ago, written now
				r := slog.NewRecord(time.Now().Add(-3*time.Millisecond), slog.LevelWarn, "late", 0)
				r.AddAttrs(slog.String("id", fmt.Sprintf("#%d.late", i)))
				_ = text.Handler().Handle(ctx, r)
			}
		case 2:
			js.Warn("cache miss", "n", i, "id", fmt.Sprintf("#%d", i))
		}
		time.Sleep(time.Millisecond)
	}
}
