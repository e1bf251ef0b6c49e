package plot

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// browser returns a headless-capable Chromium, or skips the test (fails it
// when RAGLOAD_REQUIRE_BROWSER=1, as CI sets after installing one).
func browser(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("RAGLOAD_REQUIRE_BROWSER") == "1" {
		t.Fatal("RAGLOAD_REQUIRE_BROWSER=1 but no chromium, chromium-browser or google-chrome on PATH (run .ci/install-browser)")
	}
	t.Skip("no chromium on PATH: install it with `sudo .ci/install-browser` to run the browser test")
	return ""
}

// headless runs the browser on a page with args and returns its stdout.
func headless(t *testing.T, bin, page string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir(), "--virtual-time-budget=5000",
	}
	cmd := exec.CommandContext(ctx, bin, append(append(base, args...), "file://"+page)...)
	cmd.WaitDelay = 5 * time.Second // a helper process holding the pipes must not hang the test
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("%s did not finish in 60 s\nstderr:\n%s", bin, stderr.Bytes())
	}
	if err != nil {
		t.Fatalf("%s %v: %v\nstderr:\n%s", bin, args, err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// TestBrowser opens a plot of two runs in headless Chromium: the page must
// draw every chart without a script error, and a screenshot is taken (its
// path is logged) for a person to look at.
func TestBrowser(t *testing.T) {
	bin := browser(t)
	t.Parallel()
	_, page := build(t, twoRuns(t))
	dir := t.TempDir()
	path := filepath.Join(dir, "plot.html")
	if err := os.WriteFile(path, page, 0o644); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	dom := headless(t, bin, path, "--dump-dom")
	t.Logf("dump-dom took %s", time.Since(start).Round(time.Millisecond))
	if !bytes.Contains(dom, []byte(`data-rendered="ok"`)) {
		body := regexp.MustCompile(`<body[^>]*>`).Find(dom)
		errs := regexp.MustCompile(`(?s)<pre id="errors">(.*?)</pre>`).FindSubmatch(dom)
		t.Fatalf("page not rendered ok: %s\nerrors: %q", body, errs)
	}
	if !bytes.Contains(dom, []byte(`<pre id="errors"></pre>`)) {
		errs := regexp.MustCompile(`(?s)<pre id="errors">(.*?)</pre>`).FindSubmatch(dom)
		t.Fatalf("errors element is not empty: %q", errs)
	}
	// 4 latency charts, throughput and failures.
	if n := bytes.Count(dom, []byte(`class="chart"`)); n != 6 {
		t.Errorf("%d charts in the DOM, want 6", n)
	}

	// The controls redraw without an error: linear scale, no dots.
	toggled := filepath.Join(dir, "toggled.html")
	clicks := []byte(`<script>document.getElementById("log").click(); document.getElementById("points").click();</script></body>`)
	if err := os.WriteFile(toggled, bytes.Replace(page, []byte("</body>"), clicks, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	dom = headless(t, bin, toggled, "--dump-dom")
	if !bytes.Contains(dom, []byte(`data-rendered="ok"`)) || !bytes.Contains(dom, []byte(`<pre id="errors"></pre>`)) {
		errs := regexp.MustCompile(`(?s)<pre id="errors">(.*?)</pre>`).FindSubmatch(dom)
		t.Fatalf("after toggling the controls: errors %q", errs)
	}
	if n := bytes.Count(dom, []byte(`class="chart"`)); n != 6 {
		t.Errorf("after toggling the controls: %d charts in the DOM, want 6", n)
	}

	shot := filepath.Join(dir, "plot.png")
	start = time.Now()
	headless(t, bin, path, "--screenshot="+shot, "--window-size=1280,1600")
	t.Logf("screenshot took %s", time.Since(start).Round(time.Millisecond))
	png, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	if len(png) < 1000 || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot %s is not a PNG (%d bytes)", shot, len(png))
	}
	if keep := os.Getenv("RAGLOAD_PLOT_KEEP"); keep != "" { // to look at it after the test
		if err := os.MkdirAll(keep, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range map[string][]byte{"plot.html": page, "plot.png": png} {
			if err := os.WriteFile(filepath.Join(keep, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("screenshot: %s (%d bytes)", shot, len(png))
}
