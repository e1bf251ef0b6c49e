package deploy_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// schemaErr is the error of a Grafana Foundation SDK call, or nil: its
// UnmarshalJSONStrict and Validate return an empty cog.BuildErrors, not
// nil, when all is well (v0.0.22).
func schemaErr(err error) error {
	var be cog.BuildErrors
	if errors.As(err, &be) && len(be) == 0 {
		return nil
	}
	return err
}

// decodeDashboard decodes data strictly into the dashboard types generated
// from Grafana's own schemas, panel options, field configs and Prometheus
// queries included: an unknown or misspelt field anywhere, a value of the
// wrong type or a missing required field fails.
func decodeDashboard(data []byte) error {
	plugins.RegisterDefaultPlugins() // the panel and query types
	var d dashboard.Dashboard
	if err := schemaErr(d.UnmarshalJSONStrict(data)); err != nil {
		return err
	}
	return schemaErr(d.Validate())
}

// TestGrafanaDashboardSchema checks the dashboard against Grafana's schema,
// and that the check fails a dashboard with a misspelt or mistyped field.
func TestGrafanaDashboardSchema(t *testing.T) {
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := decodeDashboard(data); err != nil {
		t.Fatalf("%s does not match Grafana's schema:\n%v", dashboardFile, err)
	}
	for _, c := range []struct{ old, new, want string }{
		{`"legendFormat"`, `"legendFormt"`, "legendFormt"},                // a Prometheus query's field
		{`"axisSoftMax"`, `"axisSoftMx"`, "axisSoftMx"},                   // a time series' field config
		{`"reduceOptions"`, `"reduceOption"`, "reduceOption"},             // a stat's options
		{`"gridPos"`, `"gridpos"`, "gridpos"},                             // a panel's field
		{`"multi": true`, `"mlti": true`, "mlti"},                         // a variable's field
		{`"schemaVersion": 39`, `"schemaVersion": "39"`, "schemaVersion"}, // a type
	} {
		bad := bytes.Replace(data, []byte(c.old), []byte(c.new), 1)
		if bytes.Equal(bad, data) {
			t.Errorf("%s has no %s to change", dashboardFile, c.old)
			continue
		}
		if err := decodeDashboard(bad); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("with %s for %s: want an error naming %s, got %v", c.new, c.old, c.want, err)
		}
	}
}
