package render

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/internal/fixture"
)

// locustCSVHeader is the header of Locust's stats CSV (locust/stats.py
// requests_csv), which WriteCSV begins with.
const locustCSVHeader = "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time," +
	"Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s," +
	"50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"

func TestWriteCSV(t *testing.T) {
	rep := fixture.GoldenReport(t)
	var buf bytes.Buffer
	if err := CSV(&buf, rep); err != nil {
		t.Fatal(err)
	}
	golden(t, buf.Bytes())

	rows, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll() // also checks that every row has the header's width
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != locustCSVHeader+",429s,Service 95%,Service 99%,Lag 99%,Dropped" {
		t.Errorf("header\n got  %s\n want %s,429s,Service 95%%,Service 99%%,Lag 99%%,Dropped", got, locustCSVHeader)
	}
	if len(rows) != 5 {
		t.Fatalf("%d rows, want a header, 3 endpoints and Aggregated", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	get := func(row []string, name string) string { return row[col[name]] }
	val := func(row []string, name string) float64 {
		t.Helper()
		v, err := strconv.ParseFloat(get(row, name), 64)
		if err != nil {
			t.Fatalf("%s of %s: %v", name, row[1], err)
		}
		return v
	}
	for i, want := range [][2]string{{"POST", "/query (basic)"}, {"POST", "/query (filtered)"}, {"GET", "health"}, {"", "Aggregated"}} {
		if row := rows[i+1]; row[0] != want[0] || row[1] != want[1] {
			t.Errorf("row %d starts %q, %q; want %q", i+1, row[0], row[1], want)
		}
	}
	agg := rows[4]
	for name, want := range map[string]float64{
		"Request Count": 54, "Failure Count": 4, "Requests/s": 9, "Failures/s": 0.667, "429s": 1,
		"Min Response Time": 7, "Max Response Time": 1476, "100%": 1476, "Lag 99%": 4.5,
		"Average Content Size": 926.5, // 900 + 0…53 bytes
	} {
		if got := val(agg, name); got != want {
			t.Errorf("Aggregated %s = %v, want %v", name, got, want)
		}
	}
	// The percentiles are the report's (in ms, to the microsecond) and
	// never decrease.
	if got, want := val(agg, "95%"), ms(rep.Total.Response().P95); got != want {
		t.Errorf("Aggregated 95%% = %v, want %v", got, want)
	}
	if val(agg, "Median Response Time") != val(agg, "50%") || val(agg, "Service 95%") > val(agg, "95%") {
		t.Errorf("median %v vs 50%% %v; service 95%% %v vs 95%% %v", val(agg, "Median Response Time"), val(agg, "50%"), val(agg, "Service 95%"), val(agg, "95%"))
	}
	for _, row := range rows[1:] {
		prev := 0.0
		for _, q := range []string{"Min Response Time", "50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%"} {
			if v := val(row, q); v < prev {
				t.Errorf("%s: %s = %v below the one before, %v", row[1], q, v, prev)
			} else {
				prev = v
			}
		}
		if val(row, "100%") != val(row, "Max Response Time") {
			t.Errorf("%s: 100%% %s, max %s", row[1], get(row, "100%"), get(row, "Max Response Time"))
		}
	}
}

// TestWriteCSVBare checks a foreign file: the method comes from the name,
// and there is no lag without a schedule.
func TestWriteCSVBare(t *testing.T) {
	rep := buildReport(t, nil, evenly(t, 11, 100*time.Millisecond, 0))
	var buf bytes.Buffer
	if err := CSV(&buf, rep); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[1][0] != "GET" || rows[1][1] != "GET /x" || rows[2][0] != "" || rows[2][1] != "Aggregated" {
		t.Fatalf("rows %q", rows)
	}
	for _, row := range rows[1:] {
		if lag := row[len(row)-2]; lag != "" {
			t.Errorf("%s: Lag 99%% %q without a schedule", row[1], lag)
		}
	}

	// An empty run still writes its header and an Aggregated row of zeros.
	empty := buildReport(t, nil, nil)
	buf.Reset()
	if err := CSV(&buf, empty); err != nil {
		t.Fatal(err)
	}
	if rows, err := csv.NewReader(&buf).ReadAll(); err != nil || len(rows) != 2 || rows[1][1] != "Aggregated" || rows[1][2] != "0" {
		t.Errorf("empty run: %q, %v", rows, err)
	}
}

func TestReportMethod(t *testing.T) {
	rep := fixture.GoldenReport(t)
	for name, want := range map[string]string{"/query (basic)": "POST", "health": "GET", "GET /x": "GET", "DELETE /a b": "DELETE",
		"ping": "", "get /x": "", "GET x": "", "": ""} {
		if got := method(rep, &results.Stats{Name: name}); got != want {
			t.Errorf("method(%q) = %q, want %q", name, got, want)
		}
	}
}
