package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"strconv"
	"time"
)

// cutPause is how long a FaultReset or FaultClose waits, after sending
// part of the body, before it cuts the connection: long enough for the
// client to have read what was sent, so that it fails mid-body.
const cutPause = 20 * time.Millisecond

// cutAfterFlushes is how many flushes of a streamed response (the created
// event and two tokens) go out before FaultReset or FaultClose cuts it.
const cutAfterFlushes = 3

// errCut tells a streaming handler that its connection was cut.
var errCut = errors.New("demo: the connection was cut (injected fault)")

// cutWriter takes a handler's response and cuts the connection in its
// middle. A response written at once is kept and sent with its full
// Content-Length but half its body (finish); a streamed one (the handler
// flushes) goes out as it comes and is cut after cutAfterFlushes flushes.
// Either way the cut is a TCP reset (SO_LINGER 0 makes the close send an
// RST) or, without reset, an orderly close.
type cutWriter struct {
	w      http.ResponseWriter // the real one
	s      *Server
	reset  bool
	header http.Header
	code   int
	body   bytes.Buffer

	flushes int  // the handler's, once it streams
	cut     bool // the connection is gone: writes fail
}

func (c *cutWriter) Header() http.Header { return c.header }

func (c *cutWriter) WriteHeader(code int) {
	if c.code == 0 {
		c.code = code
	}
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if c.cut {
		return 0, errCut
	}
	c.WriteHeader(http.StatusOK)
	return c.body.Write(p)
}

// FlushError sends what the handler wrote so far (http.ResponseController
// finds it), and cuts the stream at its cutAfterFlushes-th flush.
func (c *cutWriter) FlushError() error {
	if c.cut {
		return errCut
	}
	if c.flushes == 0 {
		maps.Copy(c.w.Header(), c.header)
		c.w.WriteHeader(c.status())
	}
	c.flushes++
	rc := http.NewResponseController(c.w)
	if _, err := c.w.Write(c.body.Bytes()); err != nil {
		return err
	}
	c.body.Reset()
	if err := rc.Flush(); err != nil {
		return err
	}
	if c.flushes >= cutAfterFlushes {
		c.cut = true
		if conn, _, err := rc.Hijack(); err == nil {
			c.hangUp(conn)
		}
		return errCut
	}
	return nil
}

func (c *cutWriter) status() int {
	if c.code == 0 {
		return http.StatusOK
	}
	return c.code
}

// finish cuts a response the handler has completed: the headers, with the
// full Content-Length, and half the body on the raw connection (a
// streamed response is cut after what it sent so far).
func (c *cutWriter) finish() {
	if c.cut {
		return
	}
	c.cut = true
	conn, rw, err := http.NewResponseController(c.w).Hijack()
	if err != nil { // not HTTP/1: there is no connection of our own to cut
		c.s.logf("demo: cut a response: %v", err)
		if c.flushes == 0 {
			writeDetail(c.w, http.StatusInternalServerError, "Internal Server Error")
		}
		return
	}
	if c.flushes == 0 {
		body := c.body.Bytes()
		h := c.header.Clone()
		h.Set("Content-Length", strconv.Itoa(len(body)))
		h.Del("Transfer-Encoding")
		fmt.Fprintf(rw, "HTTP/1.1 %d %s\r\n", c.status(), http.StatusText(c.status()))
		h.Write(rw)
		rw.WriteString("\r\n")
		rw.Write(body[:len(body)/2])
		if rw.Flush() != nil {
			conn.Close()
			return
		}
	}
	c.hangUp(conn)
}

// hangUp waits for the client to read what was sent, then resets or
// closes conn.
func (c *cutWriter) hangUp(conn net.Conn) {
	time.Sleep(cutPause)
	if tc, ok := conn.(*net.TCPConn); ok && c.reset {
		tc.SetLinger(0)
	}
	conn.Close()
}

// trickleWriter sends what a handler writes n bytes at a time, each
// flushed, pause apart, as over a slow network; the handler waits for it,
// as it would for a slow client. It stops when the client leaves.
type trickleWriter struct {
	http.ResponseWriter
	ctx   context.Context
	rc    *http.ResponseController
	n     int
	pause time.Duration
	wrote bool
}

func (t *trickleWriter) Write(p []byte) (int, error) {
	done := 0
	for len(p) > 0 {
		if t.wrote && !sleepCtx(t.ctx, t.pause) {
			return done, t.ctx.Err()
		}
		k := min(t.n, len(p))
		m, err := t.ResponseWriter.Write(p[:k])
		done += m
		if err == nil {
			err = t.rc.Flush()
		}
		if err != nil {
			return done, err
		}
		t.wrote = true
		p = p[k:]
	}
	return done, nil
}

// FlushError flushes the underlying writer (the pieces are flushed as they
// go).
func (t *trickleWriter) FlushError() error { return t.rc.Flush() }
