package demo

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseFault reads a fault written as a kind and its window, separated by
// commas:
//
//	KIND,for=D[,every=D][,start=D]
//
// where KIND is a status from 500 to 599 (FaultStatus), 429
// (FaultRateLimit), 401 (FaultUnauthorized), slow=D (FaultSlow, held D),
// reset (FaultReset), close (FaultClose) or trickle[=D] (FaultTrickle, D
// apart; bytes=N sets how much at a time) or degrade=N (FaultDegrade, at
// N requests in flight; for= is optional: without it, all the time).
// Without every there is one window. Examples:
//
//	503,every=10s,for=2s
//	degrade=20
//	slow=5s,every=20s,for=3s,start=5s
//	trickle=100ms,every=5s,for=1s,bytes=32
func ParseFault(spec string) (Fault, error) {
	var f Fault
	bad := func(format string, args ...any) (Fault, error) {
		return Fault{}, fmt.Errorf("fault %q: %s", spec, fmt.Sprintf(format, args...))
	}
	parts := strings.Split(spec, ",")
	kind, arg, hasArg := strings.Cut(strings.TrimSpace(parts[0]), "=")
	switch kind {
	case "slow", "trickle":
		f.Kind = FaultKind(kind)
		if hasArg {
			d, err := time.ParseDuration(arg)
			if err != nil || d <= 0 {
				return bad("%s=%s: want a positive duration such as 100ms", kind, arg)
			}
			f.Delay = d
		} else if kind == "slow" {
			return bad("slow needs its delay: slow=5s")
		}
	case "reset", "close":
		f.Kind = FaultKind(kind)
	case "degrade":
		f.Kind = FaultDegrade
		if !hasArg {
			return bad("degrade needs its load: degrade=20 (requests in flight)")
		}
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 {
			return bad("degrade=%s: want a number of requests in flight, 0 or more", arg)
		}
		f.Load = n
	case "429":
		f.Kind = FaultRateLimit
	case "401":
		f.Kind = FaultUnauthorized
	default:
		code, err := strconv.Atoi(kind)
		if err != nil || code < 500 || code > 599 {
			return bad("%q isn't a kind: want a status 500–599, 429, 401, slow=D, reset, close, trickle[=D] or degrade=N", parts[0])
		}
		f.Kind, f.Status = FaultStatus, code
	}
	if hasArg && f.Kind != FaultSlow && f.Kind != FaultTrickle && f.Kind != FaultDegrade {
		return bad("%s takes no value", kind)
	}
	for _, p := range parts[1:] {
		key, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			return bad("%q: want key=value (for, every, start, bytes)", p)
		}
		if key == "bytes" {
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || f.Kind != FaultTrickle {
				return bad("bytes=%s: want a positive number of bytes, with trickle", val)
			}
			f.Bytes = n
			continue
		}
		d, err := time.ParseDuration(val)
		if err != nil || d < 0 {
			return bad("%s=%s: want a duration such as 2s", key, val)
		}
		switch key {
		case "for":
			f.For = d
		case "every":
			f.Every = d
		case "start":
			f.Start = d
		default:
			return bad("%q isn't one of [for every start bytes]", key)
		}
	}
	if f.For <= 0 && f.Kind != FaultDegrade {
		return bad("for=D is required: how long each window lasts")
	}
	return f, nil
}
