package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ragload/ragload/attack/runspec"
	"github.com/ragload/ragload/replay"
)

type replayOptions struct {
	runOptions
	Stream       string
	AccessLog    string
	Vegeta       string
	VegetaFormat string
	Rate         float64
	Duration     time.Duration
	Speed        float64
	Loops        int
	MaxGap       time.Duration
	SkipBad      bool
	sendLimits

	run *runspec.Built
}

func newReplayCmd(s *streams, runF func(context.Context, *replayOptions) error) *cobra.Command {
	o := &replayOptions{Speed: 1, Loops: 1}
	cmd := &cobra.Command{
		Use:   "replay --url <base-url> [flags] {<stream.jsonl> | --from-access-log <log> | --from-vegeta <targets>}",
		Short: "Send recorded traffic again with its original timing",
		Long: `Replay sends a recorded request stream again: each request goes out at its
recorded offset divided by --speed, against --url, logged in with the
current credentials (tokens are never replayed). --loop plays the stream
several times, --max-gap clamps long idle gaps. A stream comes from
"ragload attack --record" or "ragload users --record": JSON lines, one
request each (offset, endpoint, method, path, headers without credentials,
body); unsorted streams are sorted, malformed lines are errors with their
line number, or skipped and counted with --skip-bad. The requests of a
recorded journey (a session) go out in order, each after the previous
answer, with the ids the new server issues in place of the recorded ones.

--from-access-log replays an nginx/Apache combined log or a JSON-lines log
with its original timing (logs have no bodies: a POST to a scenario's query
route gets a question from the pool). --from-vegeta sends vegeta http or
json targets at --rate for --duration, cycling through them; a target that
carried an Authorization header, or whose method and path are one of the
scenario's authenticated endpoints (the default scenario's, or
--scenario's), is sent with ragload's own token, as "ragload targets
--export" files (which hold no token) need.

Results and manifest are those of any run, so report, compare and plot
work on a replay. Streams are read, not loaded: a million lines replay in
flat memory.`,
		Example: `  ragload attack --url http://127.0.0.1:8000 --rate 50 -d 1m --record runs/base/stream.jsonl
  ragload replay runs/base/stream.jsonl --speed 2 --loop 3 --max-gap 1s --url http://staging:8000 --out runs/r1
  ragload replay --from-access-log /var/log/nginx/access.log --url http://127.0.0.1:8000
  ragload targets --export vegeta-json --url http://127.0.0.1:8000 -o targets.json
  ragload replay --from-vegeta targets.json --rate 100 --duration 1m --url http://127.0.0.1:8000`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Stream = args[0]
			}
			if err := o.check(c); err != nil {
				return err
			}
			open, info, source, err := replay.Open(replay.Choice{Stream: o.Stream, AccessLog: o.AccessLog, Vegeta: o.Vegeta,
				VegetaFormat: o.VegetaFormat, Rate: o.Rate, Duration: o.Duration, Seed: o.Seed, SkipBad: o.SkipBad,
				Scenario: o.scenario, Speed: o.Speed, MaxGap: o.MaxGap, Loops: o.Loops})
			if err != nil {
				return &usageError{err}
			}
			spec, err := o.spec(c.Flags(), runspec.ModeReplay, "replay-")
			if err != nil {
				return err
			}
			spec.Replay = runspec.ReplaySource{Open: open, Info: info, Name: source, Speed: o.Speed, Loops: o.Loops, MaxGap: o.MaxGap}
			if err := o.apply(&spec.Options); err != nil {
				return err
			}
			if o.run, err = o.build(spec); err != nil {
				return err
			}
			if info := o.run.Replay.Info; !o.Quiet {
				if info.Skipped > 0 {
					fmt.Fprintf(s.ErrOut, "ragload: skipped %d bad lines (first: %s)\n", info.Skipped, info.BadLine)
				}
				for _, n := range info.Notes {
					fmt.Fprintln(s.ErrOut, "ragload: note:", n)
				}
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return o.runOptions.run(c.Context(), s, o.run)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.URL, "url", "u", "", "base URL to send the stream to (required)")
	fs.StringVar(&o.AccessLog, "from-access-log", "", "replay an nginx/Apache combined or JSON-lines access log")
	fs.StringVar(&o.Vegeta, "from-vegeta", "", "send a vegeta targets file (http or json) at --rate for --duration")
	fs.StringVar(&o.VegetaFormat, "vegeta-format", "", `format of --from-vegeta: "http" or "json" (default: from the extension)`)
	fs.Float64Var(&o.Rate, "rate", 0, "rate for --from-vegeta, requests per second")
	fs.DurationVarP(&o.Duration, "duration", "d", 0, "how long --from-vegeta sends")
	fs.Float64Var(&o.Speed, "speed", 1, "time scale: 2 replays twice as fast")
	fs.IntVar(&o.Loops, "loop", 1, "play the stream this many times")
	fs.DurationVar(&o.MaxGap, "max-gap", 0, "clamp idle gaps longer than this (in recorded time; 0: keep them)")
	fs.BoolVar(&o.SkipBad, "skip-bad", false, "skip malformed lines (and count them) instead of stopping")
	o.sendLimits.addFlags(fs)
	o.runOptions.addFlags(cmd)
	return cmd
}

func (o *replayOptions) check(c *cobra.Command) error {
	fs := c.Flags()
	sources := 0
	for _, set := range []bool{o.Stream != "", o.AccessLog != "", o.Vegeta != ""} {
		if set {
			sources++
		}
	}
	switch {
	case o.URL == "": // before the source is opened
		return usageErrorf("--url is required (where to send the stream, e.g. http://127.0.0.1:8000)")
	case sources != 1:
		return usageErrorf("give one source: a stream file, --from-access-log or --from-vegeta")
	case o.Speed <= 0:
		return usageErrorf("--speed must be > 0, got %g", o.Speed)
	case o.Loops < 1:
		return usageErrorf("--loop must be ≥ 1, got %d", o.Loops)
	case o.MaxGap < 0:
		return usageErrorf("--max-gap must be ≥ 0, got %s", o.MaxGap)
	case o.Vegeta != "" && (o.Rate <= 0 || o.Duration <= 0):
		return usageErrorf("--from-vegeta needs --rate > 0 and --duration > 0")
	case o.Vegeta == "" && (fs.Changed("rate") || fs.Changed("duration") || fs.Changed("vegeta-format")):
		return usageErrorf("--rate, --duration and --vegeta-format apply only with --from-vegeta")
	}
	return nil
}
