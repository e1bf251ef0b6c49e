package render

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/ragload/ragload/results"
)

// csvAggregated names the total's row, as Locust does.
const csvAggregated = "Aggregated"

// csvQuantiles are the percentile columns of Locust's stats CSV.
var csvQuantiles = []float64{50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100}

// csvHeader names the columns of CSV: Locust's stats CSV where the
// meaning is the same, then ragload's own.
var csvHeader = []string{
	"Type", "Name", "Request Count", "Failure Count",
	"Median Response Time", "Average Response Time", "Min Response Time", "Max Response Time",
	"Average Content Size", "Requests/s", "Failures/s",
	"50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%",
	"429s", "Service 95%", "Service 99%", "Lag 99%", "Dropped",
}

// CSV renders the report as CSV with the columns of Locust's stats
// CSV (its tools read it), then ragload's: a row per endpoint, then the
// total named Aggregated with an empty Type. Type is the HTTP method;
// times are in ms, the percentiles and the response times from the
// scheduled send, Service from the actual send; Lag 99% is empty without a
// schedule; Dropped counts the requests the generator dropped instead of
// sending (not in Request Count). A run with response checks or an SLO
// adds csvQualityHeader's columns, one whose streams carried token timings
// csvTokenHeader's; other runs have neither. The verdict is not in it: use
// junit or json for that.
//
//	Type,Name,Request Count,Failure Count,Median Response Time,...,100%,429s,Service 95%,Service 99%,Lag 99%,Dropped
//	POST,/query (basic),27,0,376.575,...,553,0,543.231,550,4.5,0
//	,Aggregated,54,4,424.191,...,1476,1,1385.471,1463.295,4.5,0
func CSV(w io.Writer, r *results.Report) error {
	cw := csv.NewWriter(w)
	header := csvHeader
	if judged(r) {
		header = append(header[:len(header):len(header)], csvQualityHeader...)
	}
	if tokenTimings(r) {
		header = append(header[:len(header):len(header)], csvTokenHeader...)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, s := range r.Endpoints {
		if err := cw.Write(csvRow(r, method(r, s), s.Name, s)); err != nil {
			return err
		}
	}
	if err := cw.Write(csvRow(r, "", csvAggregated, r.Total)); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func csvRow(r *results.Report, typ, name string, s *results.Stats) []string {
	p := s.Response()
	var size, failRate float64
	if s.Requests > 0 {
		size = float64(s.BytesIn) / float64(s.Requests)
	}
	if r.Window > 0 {
		failRate = float64(s.Failures) / r.Window.Seconds()
	}
	row := []string{typ, name, fmt.Sprint(s.Requests), fmt.Sprint(s.Failures),
		num(ms(s.Quantile(50, results.ViewResponse))), num(ms(p.Mean)), num(ms(p.Min)), num(ms(p.Max)),
		num(size), num(r.Rate(s)), num(failRate)}
	for _, q := range csvQuantiles {
		row = append(row, num(ms(s.Quantile(q, results.ViewResponse))))
	}
	lag := ""
	if s.ScheduleLag().Count > 0 {
		lag = num(ms(s.Quantile(99, results.ViewLag)))
	}
	row = append(row, fmt.Sprint(s.RateLimited),
		num(ms(s.Quantile(95, results.ViewService))), num(ms(s.Quantile(99, results.ViewService))), lag, fmt.Sprint(s.Dropped))
	if judged(r) {
		checked, failed := "", ""
		if hasChecks(r, s) {
			checked, failed = fmt.Sprint(s.Checked), fmt.Sprint(s.CheckFailed)
		}
		row = append(row, checked, failed, fmt.Sprint(s.Good), num(s.Goodput()))
	}
	if tokenTimings(r) {
		for _, q := range []struct {
			q    float64
			view string
		}{{50, results.ViewITL}, {95, results.ViewITL}, {99, results.ViewITL}, {50, results.ViewTPOT}, {95, results.ViewTPOT}} {
			v := ""
			if s.View(q.view).Count > 0 {
				v = num(ms(s.Quantile(q.q, q.view)))
			}
			row = append(row, v)
		}
	}
	return row
}

// csvQualityHeader names the columns CSV adds for a run with response
// checks or an SLO: the responses checked and those that failed a check
// (empty for an endpoint without checks), the good requests (passed their
// checks and met the SLO) and their rate.
var csvQualityHeader = []string{"Checked Count", "Check Failure Count", "Good Count", "Goodput/s"}

// csvTokenHeader names the columns CSV adds when streamed responses
// carried token timings (empty for an endpoint without them).
var csvTokenHeader = []string{"ITL 50%", "ITL 95%", "ITL 99%", "TPOT 50%", "TPOT 95%"}

// method is the HTTP method of an endpoint: the scenario's, or the first
// word of a name such as "GET /x" that the resolver made for a foreign
// file; "" when unknown.
func method(r *results.Report, s *results.Stats) string {
	if m := r.Manifest; m != nil {
		for _, e := range m.Scenario.Endpoints {
			if e.Name == s.Name {
				return e.Method
			}
		}
	}
	if verb, path, ok := strings.Cut(s.Name, " "); ok && strings.HasPrefix(path, "/") && verb == strings.ToUpper(verb) && verb != "" {
		return verb
	}
	return ""
}
