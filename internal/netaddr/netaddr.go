// Package netaddr says whether a listen or target host is this machine
// only: the dashboard, the metrics endpoint and the login's cleartext
// warning ask it.
package netaddr

import "net"

// IsLoopback reports whether host (a name or an address, "" for all
// interfaces) is the local machine only.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IsUnspecified reports whether host means every interface ("", 0.0.0.0, ::).
func IsUnspecified(host string) bool {
	ip := net.ParseIP(host)
	return host == "" || ip != nil && ip.IsUnspecified()
}
