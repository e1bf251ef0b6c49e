package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/ragload/ragload/metrics"
)

// metricsFlags serve a run's live metrics to Prometheus (attack, users,
// replay, sweep, demo and web).
type metricsFlags struct {
	MetricsAddr   string
	MetricsLinger time.Duration
}

func (o *metricsFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.MetricsAddr, "metrics-addr", "", "serve live Prometheus metrics on this host:port at /metrics, e.g. 127.0.0.1:9464 (a port alone, 9464 or :9464, binds loopback; 0.0.0.0:9464 every interface; default $"+metrics.EnvAddr+")")
	fs.DurationVar(&o.MetricsLinger, "metrics-linger", 15*time.Second, "after the run, keep /metrics up until it is scraped once more, at most this long, so Prometheus stores the final counts (only when something scraped it repeatedly during the run, as Prometheus does)")
}

// serve starts the metrics server when asked for (nil exporter
// otherwise); stop waits for a last scrape, then closes it.
func (o *metricsFlags) serve(errOut io.Writer, quiet bool) (exp *metrics.Exporter, stop func(context.Context), err error) {
	addr := o.MetricsAddr
	if addr == "" {
		addr = os.Getenv(metrics.EnvAddr)
	}
	if addr == "" {
		return nil, func(context.Context) {}, nil
	}
	exp = metrics.New()
	srv, err := metrics.Serve(exp, addr)
	if err != nil {
		return nil, nil, usageErrorf("--metrics-addr: %w", err)
	}
	if !quiet {
		fmt.Fprintf(errOut, "ragload: metrics on %s\n", srv.URL())
	}
	if w := metrics.RemoteWarning(srv.Addr()); w != "" {
		fmt.Fprintln(errOut, "ragload: warning:", w)
	}
	return exp, func(ctx context.Context) {
		if srv.Scrapes() >= 2 && o.MetricsLinger > 0 && ctx.Err() == nil { // a scraper, not one look with curl
			if !quiet {
				fmt.Fprintf(errOut, "ragload: waiting up to %s for a last scrape of %s (--metrics-linger)\n", o.MetricsLinger, srv.URL())
			}
			srv.AwaitScrape(ctx, o.MetricsLinger)
		}
		srv.Close()
	}, nil
}
