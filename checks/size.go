package checks

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ragload/ragload/internal/input"
)

// sizeUnits are the units ParseSize reads: SI (KB = 1000 bytes) and binary
// (KiB = 1024 bytes), in any case.
var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9,
	"k": 1 << 10, "m": 1 << 20, "g": 1 << 30,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
}

// ParseSize reads a positive byte count: "4096", "512B", "64KiB", "1MB"
// (10^6 bytes), "1MiB" (2^20), "1.5M" (a lone K, M or G is binary).
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	}
	mult, ok := sizeUnits[unit]
	f, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || f <= 0 || f*mult > math.MaxInt64/2 {
		return 0, fmt.Errorf("want a size such as 4096, 512KiB or 1MB, got %s", input.Quote(s))
	}
	n := int64(math.Round(f * mult))
	if n < 1 {
		return 0, fmt.Errorf("want a size of at least 1 byte, got %s", input.Quote(s))
	}
	return n, nil
}
