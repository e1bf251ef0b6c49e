package main

import (
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ragload/ragload/attack"
)

// noArgs rejects positional arguments as a usage error (cobra's own
// validators return plain errors).
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		if cmd.HasSubCommands() {
			return usageErrorf("unknown command %q for %q", args[0], cmd.CommandPath())
		}
		return usageErrorf("%q takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}

// minArgs requires at least n positional arguments.
func minArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usageErrorf("%s needs %s", cmd.CommandPath(), what)
		}
		return nil
	}
}

// sendLimits are the flags that bound an open-model run's sending:
// --max-workers and --max-lag (attack, demo, replay, sweep).
type sendLimits struct {
	MaxWorkers uint64
	MaxLag     time.Duration
}

func (l *sendLimits) addFlags(fs *pflag.FlagSet) {
	fs.Uint64Var(&l.MaxWorkers, "max-workers", 0, "cap on requests in flight (default: what the machine's open files and ports allow, lowered while ragload is short of CPU); a due request that finds it full waits up to --max-lag, then is dropped and counted")
	fs.DurationVar(&l.MaxLag, "max-lag", attack.DefaultMaxLag, "a request that cannot leave this long after its due time is dropped and counted instead of sent late (-1s: never drop); any drop makes the verdict not conclusive")
}

// apply sets the limits on o, or says why it cannot.
func (l *sendLimits) apply(o *attack.Options) error {
	if l.MaxLag == 0 {
		return usageErrorf("--max-lag 0 would drop every request not sent at its exact due time: give a duration (default %s), or -1s never to drop", attack.DefaultMaxLag)
	}
	o.MaxWorkers, o.MaxLag = l.MaxWorkers, l.MaxLag
	return nil
}
