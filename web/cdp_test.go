package web_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"
)

// This file drives headless Chromium over the Chrome DevTools Protocol
// with the standard library only: a minimal WebSocket client (RFC 6455:
// masked text frames out, possibly fragmented frames in) and a request /
// response loop keyed by id. Events are ignored.

// cdp is a DevTools session on one page.
type cdp struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
	wmu  sync.Mutex

	mu      sync.Mutex
	nextID  int
	waiting map[int]chan cdpReply
	readErr error
}

type cdpReply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// startBrowser launches headless Chromium with a DevTools port and
// returns a session on its first page; the browser is killed at cleanup.
func startBrowser(t *testing.T, bin string) *cdp {
	t.Helper()
	// Not t.TempDir: Chromium's helper processes may still write to its
	// profile for a moment after the browser is killed.
	profile, err := os.MkdirTemp("", "ragload-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--disable-dev-shm-usage", "--window-size=1280,1700", "--remote-debugging-address=127.0.0.1",
		"--remote-debugging-port=0", "--user-data-dir="+profile, "about:blank")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait() //nolint:errcheck // killed
		for range 20 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	found := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`DevTools listening on (ws://\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	var wsURL string
	select {
	case wsURL = <-found:
	case <-time.After(30 * time.Second):
		t.Fatal("chromium did not print its DevTools address in 30 s")
	}
	u, err := url.Parse(wsURL)
	if err != nil {
		t.Fatal(err)
	}
	var pages []struct {
		Type, WebSocketDebuggerURL string
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(pages) == 0 || pages[0].Type != "page" {
		res, err := http.Get("http://" + u.Host + "/json/list")
		if err == nil {
			pages = nil
			var all []struct {
				Type                 string `json:"type"`
				WebSocketDebuggerURL string `json:"webSocketDebuggerUrl"`
			}
			json.NewDecoder(res.Body).Decode(&all) //nolint:errcheck // retried
			res.Body.Close()
			for _, p := range all {
				if p.Type == "page" {
					pages = append(pages, struct{ Type, WebSocketDebuggerURL string }{p.Type, p.WebSocketDebuggerURL})
				}
			}
		}
		if len(pages) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no page target in chromium: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	c, err := dialCDP(pages[0].WebSocketDebuggerURL)
	if err != nil {
		t.Fatal(err)
	}
	c.t = t
	t.Cleanup(func() { c.conn.Close() })
	return c
}

// dialCDP opens a WebSocket to a DevTools target.
func dialCDP(wsURL string) (*cdp, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil, err
	}
	conn, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 16)
	rand.Read(key)
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", u.RequestURI(), u.Host, base64.StdEncoding.EncodeToString(key))
	br := bufio.NewReaderSize(conn, 1<<16)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		conn.Close()
		return nil, fmt.Errorf("websocket handshake: %s", res.Status)
	}
	c := &cdp{conn: conn, br: br, waiting: map[int]chan cdpReply{}}
	go c.readLoop()
	return c, nil
}

func (c *cdp) writeFrame(payload []byte) error {
	var hdr []byte
	hdr = append(hdr, 0x81) // FIN, text
	switch n := len(payload); {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n <= 0xffff:
		hdr = append(hdr, 0x80|126, byte(n>>8), byte(n))
	default:
		hdr = append(hdr, 0x80|127)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	mask := make([]byte, 4)
	rand.Read(mask)
	hdr = append(hdr, mask...)
	masked := make([]byte, len(payload))
	for i, b := range payload {
		masked[i] = b ^ mask[i%4]
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.conn.Write(append(hdr, masked...))
	return err
}

// readMessage returns the next text message, joining fragments.
func (c *cdp) readMessage() ([]byte, error) {
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(c.br, h[:]); err != nil {
			return nil, err
		}
		fin, op := h[0]&0x80 != 0, h[0]&0x0f
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var b [2]byte
			if _, err := io.ReadFull(c.br, b[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			if _, err := io.ReadFull(c.br, b[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(b[:])
		}
		var mask [4]byte
		if h[1]&0x80 != 0 {
			if _, err := io.ReadFull(c.br, mask[:]); err != nil {
				return nil, err
			}
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(c.br, p); err != nil {
			return nil, err
		}
		if h[1]&0x80 != 0 {
			for i := range p {
				p[i] ^= mask[i%4]
			}
		}
		switch op {
		case 0x8:
			return nil, errors.New("websocket closed")
		case 0x9, 0xa: // ping, pong: Chromium sends none; skip
			continue
		}
		msg = append(msg, p...)
		if fin {
			return msg, nil
		}
	}
}

func (c *cdp) readLoop() {
	for {
		msg, err := c.readMessage()
		if err != nil {
			c.mu.Lock()
			c.readErr = err
			for id, ch := range c.waiting {
				close(ch)
				delete(c.waiting, id)
			}
			c.mu.Unlock()
			return
		}
		var r struct {
			ID int `json:"id"`
			cdpReply
		}
		if json.Unmarshal(msg, &r) != nil || r.ID == 0 {
			continue // an event
		}
		c.mu.Lock()
		ch := c.waiting[r.ID]
		delete(c.waiting, r.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- r.cdpReply
		}
	}
}

// call sends a DevTools command and returns its result.
func (c *cdp) call(method string, params any) json.RawMessage {
	c.t.Helper()
	c.mu.Lock()
	if c.readErr != nil {
		c.mu.Unlock()
		c.t.Fatalf("%s: devtools connection: %v", method, c.readErr)
	}
	c.nextID++
	id := c.nextID
	ch := make(chan cdpReply, 1)
	c.waiting[id] = ch
	c.mu.Unlock()
	b, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.writeFrame(b); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
	select {
	case r, ok := <-ch:
		if !ok {
			c.t.Fatalf("%s: devtools connection closed", method)
		}
		if r.Error != nil {
			c.t.Fatalf("%s: %s", method, r.Error.Message)
		}
		return r.Result
	case <-time.After(30 * time.Second):
		c.t.Fatalf("%s: no answer in 30 s", method)
	}
	return nil
}

// eval runs JavaScript in the page and decodes its value into out (may be nil).
func (c *cdp) eval(expr string, out any) {
	c.t.Helper()
	res := c.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		c.t.Fatal(err)
	}
	if r.ExceptionDetails != nil {
		c.t.Fatalf("evaluate %q: %s %s", expr, r.ExceptionDetails.Text, r.ExceptionDetails.Exception.Description)
	}
	if out != nil && len(r.Result.Value) > 0 {
		if err := json.Unmarshal(r.Result.Value, out); err != nil {
			c.t.Fatalf("evaluate %q: %s: %v", expr, r.Result.Value, err)
		}
	}
}

// waitFor evaluates cond (a JavaScript boolean) until it holds.
func (c *cdp) waitFor(cond string, within time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for {
		var ok bool
		c.eval("!!("+cond+")", &ok)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var state string
			c.eval(`document.body.dataset.state + " · " + document.getElementById("status").textContent + " · " + document.getElementById("error").textContent`, &state)
			c.t.Fatalf("%s did not hold within %s (page: %s)", cond, within, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// screenshot takes a PNG of the whole page (beyond the window, when it is
// longer) and saves it as name in dir; dir "" checks the picture and
// saves nothing.
func (c *cdp) screenshot(dir, name string) {
	c.t.Helper()
	var m struct {
		CSSContentSize struct{ Width, Height float64 } `json:"cssContentSize"`
	}
	if err := json.Unmarshal(c.call("Page.getLayoutMetrics", nil), &m); err != nil {
		c.t.Fatal(err)
	}
	params := map[string]any{"format": "png", "captureBeyondViewport": true}
	if w, h := m.CSSContentSize.Width, m.CSSContentSize.Height; w > 0 && h > 0 {
		params["clip"] = map[string]any{"x": 0, "y": 0, "width": w, "height": min(h, 6000), "scale": 1}
	}
	var r struct {
		Data string `json:"data"`
	}
	if err := json.Unmarshal(c.call("Page.captureScreenshot", params), &r); err != nil {
		c.t.Fatal(err)
	}
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		c.t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	if dir == "" {
		return
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		c.t.Fatal(err)
	}
	c.t.Logf("screenshot: %s", path)
}
