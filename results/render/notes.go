package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ragload/ragload/results"
)

// sendLine says what was sent against the plan and at what rate: "sent 90
// of 100 planned · dropped 10 (10.0%) · achieved 9.0/s over 10s".
func sendLine(r *results.Report) string {
	m := r.Manifest
	var b strings.Builder
	fmt.Fprintf(&b, "sent %d", m.Sent)
	if m.Planned > 0 {
		fmt.Fprintf(&b, " of %d planned", m.Planned)
	}
	// Users' logins are sent too, but the rate beside and TOTAL count the
	// load only: say how the count splits, or "sent 60 · achieved 10.0/s"
	// reads as 60 requests at that rate when it was 40 and 20 logins.
	var logins uint64
	for _, s := range r.Endpoints {
		if s.Setup {
			logins += s.Requests
		}
	}
	if logins > 0 && logins <= m.Sent {
		fmt.Fprintf(&b, " (%d requests, %d logins)", m.Sent-logins, logins)
	}
	if r.Total.Dropped > 0 {
		fmt.Fprintf(&b, " · dropped %d (%.1f%%)", r.Total.Dropped, 100*r.DroppedShare())
	}
	fmt.Fprintf(&b, " · achieved %.1f/s over %s", r.Rate(r.Total), r.Window.Round(time.Millisecond))
	if o := r.Overrun(); o >= time.Millisecond {
		fmt.Fprintf(&b, " (sending overran the plan by %s)", o.Round(time.Millisecond))
	}
	return b.String()
}

// setupNote says which rows TOTAL and the verdict leave out, if any.
func setupNote(r *results.Report) string {
	var names []string
	for _, s := range r.Endpoints {
		if s.Setup {
			names = append(names, s.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return fmt.Sprintf("TOTAL and the verdict count the load only: %s (the users' logins) is not in them.", strings.Join(names, ", "))
}

// kindRow is a KindCount as the text and Markdown tables show it.
func kindRow(name string, k results.KindCount) []string {
	msg := k.ShortFirst()
	if k.Messages > 1 {
		msg += fmt.Sprintf(" (+%d other messages)", k.Messages-1)
	}
	return []string{name, k.Kind, strconv.FormatUint(k.Count, 10), msg}
}

// samplesNote flags a percentile read from too few samples.
func samplesNote(c results.Check) string {
	if !c.FewSamples() {
		return ""
	}
	return fmt.Sprintf(" (%d samples, needs %d)", c.Samples, c.Needs)
}

// unauthorizedNote calls out the 401 responses of a run: how many, and
// how often ragload logged in again (from the manifest); "" without 401s.
func unauthorizedNote(r *results.Report) string {
	n := r.Total.Unauthorized
	if n == 0 {
		return ""
	}
	note := fmt.Sprintf("401 Unauthorized: %d %s (tokens expired or revoked)", n, plural(n, "response", "responses"))
	if m := r.Manifest; m != nil {
		switch m.Auth.Mode {
		case "bearer":
			note += fmt.Sprintf("; ragload logged in again %d %s", m.Auth.Refreshes, plural(uint64(max(m.Auth.Refreshes, 0)), "time", "times"))
			if names := tokenless(r, m); len(names) > 0 {
				note += fmt.Sprintf("; %s %s no token: its endpoint lacks auth: true in the scenario", strings.Join(names, ", "), plural(uint64(len(names)), "sends", "send"))
			}
		case "anonymous":
			note += "; the run was anonymous: it had no token to renew"
		}
	}
	return note + "."
}

// tokenless names the endpoints of r that were answered 401 although the
// scenario sends them without the run's token (no auth: true), at most 5.
func tokenless(r *results.Report, m *results.Manifest) []string {
	noAuth := map[string]bool{}
	for _, e := range m.Scenario.Endpoints {
		if !e.Auth && !e.Setup {
			noAuth[e.Name] = true
		}
	}
	var names []string
	for _, e := range r.Endpoints {
		if e.Unauthorized > 0 && noAuth[e.Name] && len(names) < 5 {
			names = append(names, e.Name)
		}
	}
	return names
}

func plural(n uint64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
