package metrics

import "github.com/prometheus/client_golang/prometheus"

// liveCollector reads the runs' gauges when scraped.
type liveCollector struct{ e *Exporter }

var (
	descSent        = prometheus.NewDesc(Sent, "Requests started.", []string{"run", "shard"}, nil)
	descInFlight    = prometheus.NewDesc(InFlight, "Requests started and not yet answered.", []string{"run", "shard"}, nil)
	descPlannedRate = prometheus.NewDesc(PlannedRate, "Requests per second the plan asks for now (open model).", []string{"run", "shard"}, nil)
	descUsers       = prometheus.NewDesc(Users, "Virtual users running (closed loop).", []string{"run", "shard"}, nil)
	descUsersTarget = prometheus.NewDesc(UsersTarget, "Virtual users the plan asks for now (closed loop).", []string{"run", "shard"}, nil)
	descRunning     = prometheus.NewDesc(Running, "1 while the run goes on, 0 after.", []string{"run", "shard"}, nil)
	descInfo        = prometheus.NewDesc(RunInfo, "Always 1: the run's mode (attack, users, replay).", []string{"run", "shard", "mode"}, nil)
)

func (c liveCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descSent, descInFlight, descPlannedRate, descUsers, descUsersTarget, descRunning, descInfo} {
		ch <- d
	}
}

func (c liveCollector) Collect(ch chan<- prometheus.Metric) {
	c.e.mu.Lock()
	runs := append([]*Run(nil), c.e.runs...)
	c.e.mu.Unlock()
	for _, r := range runs {
		l, running, mode := r.now()
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, r.name, r.shard)
		}
		ch <- prometheus.MustNewConstMetric(descSent, prometheus.CounterValue, float64(l.Sent), r.name, r.shard)
		gauge(descInFlight, float64(l.InFlight))
		if mode == "users" {
			gauge(descUsers, float64(l.Users))
			gauge(descUsersTarget, float64(l.UsersTarget))
		} else {
			gauge(descPlannedRate, l.PlannedRate)
		}
		gauge(descRunning, b2f(running))
		ch <- prometheus.MustNewConstMetric(descInfo, prometheus.GaugeValue, 1, r.name, r.shard, mode)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
