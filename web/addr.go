package web

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/ragload/ragload/internal/netaddr"
)

// RemoteWarning says what serving beyond loopback gives away.
func RemoteWarning(addr string) string {
	return fmt.Sprintf("serving on %s, beyond this machine: anyone who has the URL below (it carries the token) "+
		"can start load from this machine against any URL using the configured credentials, and read all stored runs", addr)
}

// DashboardURL is the URL to open: the --addr host when it is a name, the
// first --allow-host when --addr is every interface, else the listener's
// address; with the token, once.
func DashboardURL(host string, ln net.Addr, allowHosts []string, token string) string {
	lnHost, port, _ := net.SplitHostPort(ln.String())
	switch {
	case netaddr.IsUnspecified(host) && len(allowHosts) > 0:
		lnHost = allowHosts[0]
		if h, _, err := net.SplitHostPort(lnHost); err == nil {
			lnHost = h
		}
	case net.ParseIP(host) == nil && !netaddr.IsUnspecified(host):
		lnHost = host
	}
	u := url.URL{Scheme: "http", Host: net.JoinHostPort(strings.Trim(lnHost, "[]"), port), Path: "/", RawQuery: url.Values{"token": {token}}.Encode()}
	return u.String()
}
