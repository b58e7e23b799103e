// Package webhookurl is the rule for where a webhook may point, so that
// bopis cannot be aimed at its own network (SSRF): no loopback, private,
// link-local, unspecified or cloud-metadata destination, written in any
// notation, and no user name or password in the URL.
//
// It is pure: it reads a URL or an address and never the network. The API
// applies Check when a webhook is saved; the dispatcher's dialer applies
// Control to every address it connects to, after name resolution, so a
// name that resolves (then or later) to a forbidden address is refused
// too. The operator's BOPIS_WEBHOOK_ALLOW_PRIVATE turns the destination
// rule off (tests, private networks); the rest of the URL rule stays.
package webhookurl

import (
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
)

// The errors of Check and Control. Their text never repeats the URL or
// the address, so it can be shown to the API's caller and stored.
var (
	ErrInvalid   = errors.New("must be an absolute http or https URL with a host name or public address")
	ErrUserinfo  = errors.New("must not carry a user name or password")
	ErrForbidden = errors.New("destination not allowed: loopback, private, link-local and cloud-metadata hosts are refused")
)

// MaxLength is the longest URL accepted.
const MaxLength = 2000

// Check reports whether raw is acceptable as a webhook URL: absolute, http
// or https, with a host and no user info; unless allowPrivate, its host
// must not be a forbidden address (Forbidden) in any notation the
// resolver or a URL parser accepts (127.1, 2130706433, 0x7f.1, 0177.0.0.1,
// [::ffff:127.0.0.1]) nor a name that only means something inside a
// network (ForbiddenName). A public name is accepted here; what it
// resolves to is checked when it is dialed (Control).
func Check(raw string, allowPrivate bool) error {
	if len(raw) > MaxLength {
		return ErrInvalid
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Opaque != "" || u.Hostname() == "" {
		return ErrInvalid
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return ErrInvalid
		}
	}
	if u.User != nil {
		return ErrUserinfo
	}
	if allowPrivate {
		return nil
	}
	return checkHost(u.Hostname())
}

// checkHost applies the destination rule to a URL's host (no brackets,
// no port).
func checkHost(host string) error {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if ip, err := netip.ParseAddr(h); err == nil { // IPv6, or IPv4 dotted quad
		if Forbidden(ip) {
			return ErrForbidden
		}
		return nil
	}
	if ip, numeric, ok := parseIPv4(h); numeric {
		if !ok {
			return ErrInvalid // numeric, but no address: never guess how a resolver reads it
		}
		if Forbidden(ip) {
			return ErrForbidden
		}
		return nil
	}
	for i := 0; i < len(h); i++ {
		// ASCII names only: an international name goes in its xn-- form,
		// so that no Unicode folding (ｌｏｃａｌｈｏｓｔ) can reach a name
		// the rule refuses.
		c := h[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			return ErrInvalid
		}
	}
	if ForbiddenName(h) {
		return ErrForbidden
	}
	return nil
}

// internalSuffixes are names that only mean something inside a network:
// the host itself, mDNS, the cloud providers' internal zones
// (metadata.google.internal, *.ec2.internal), home networks.
var internalSuffixes = []string{"localhost", "localdomain", "local", "internal", "intranet", "lan", "home.arpa"}

// ForbiddenName reports whether a host name (lower case, no trailing dot)
// names something internal: a single label (resolved through the
// host's search domains: "metadata", "kubernetes"), or one ending in an
// internal suffix such as localhost, .local or .internal.
func ForbiddenName(name string) bool {
	if !strings.Contains(name, ".") {
		return true
	}
	for _, s := range internalSuffixes {
		if name == s || strings.HasSuffix(name, "."+s) {
			return true
		}
	}
	return false
}

// forbiddenPrefixes are the ranges netip's predicates do not name.
var forbiddenPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT (Alibaba's metadata at 100.100.100.200)
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF assignments (Oracle's metadata at 192.0.0.192)
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and the broadcast address
	netip.MustParsePrefix("fec0::/10"),      // site-local (deprecated, still routed inside some networks)
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
}

// Forbidden reports whether a webhook must not reach ip: loopback,
// private (10/8, 172.16/12, 192.168/16, fc00::/7, which holds AWS's IPv6
// metadata fd00:ec2::254), link-local (169.254/16: the cloud metadata
// address 169.254.169.254; fe80::/10), unspecified, multicast, carrier-
// grade NAT, IETF and reserved ranges, any address with a zone,
// and an IPv6 address that carries one of those IPv4 addresses inside
// (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64
// 64:ff9b::/96, 6to4 2002::/16).
func Forbidden(ip netip.Addr) bool {
	if !ip.IsValid() || ip.Zone() != "" {
		return true
	}
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsMulticast() || ip.IsUnspecified() {
		return true
	}
	for _, p := range forbiddenPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	if ip.Is6() {
		b := ip.As16()
		switch {
		case [12]byte(b[:12]) == [12]byte{}: // ::a.b.c.d
			return Forbidden(netip.AddrFrom4([4]byte(b[12:])))
		case [12]byte(b[:12]) == [12]byte{0, 0x64, 0xff, 0x9b}: // 64:ff9b::a.b.c.d
			return Forbidden(netip.AddrFrom4([4]byte(b[12:])))
		case b[0] == 0x20 && b[1] == 0x02: // 2002:aabb:ccdd::
			return Forbidden(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	return false
}

// Control is a net.Dialer Control function that refuses to connect to a
// forbidden address. The dialer calls it with each address it tries,
// after name resolution, so it sees what a name resolves to at that
// moment (a name that pointed outside when the webhook was saved and
// points inside now is refused).
func Control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || Forbidden(ap.Addr()) {
		return ErrForbidden
	}
	return nil
}

// parseIPv4 reads host as the resolvers' (inet_aton's) and URL parsers'
// (WHATWG's) loose IPv4 notation: one to four parts, each decimal, octal
// with a leading 0 or hex with 0x, the last filling the bytes left
// (127.1, 2130706433, 0x7f.1, 0177.0.0.1). numeric says whether host
// is meant as a number at all (its last label is numeric), ok whether
// it is a valid address.
func parseIPv4(host string) (ip netip.Addr, numeric, ok bool) {
	parts := strings.Split(host, ".")
	if !isNumber(parts[len(parts)-1]) {
		return netip.Addr{}, false, false
	}
	if len(parts) > 4 {
		return netip.Addr{}, true, false
	}
	var v uint64
	for i, p := range parts {
		n, ok := parseNumber(p)
		if !ok {
			return netip.Addr{}, true, false
		}
		if i < len(parts)-1 {
			if n > 255 {
				return netip.Addr{}, true, false
			}
			v |= n << (8 * (3 - i))
			continue
		}
		if n >= 1<<(8*(4-i)) {
			return netip.Addr{}, true, false
		}
		v |= n
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true, true
}

// isNumber says whether a label reads as a number: decimal digits, or
// 0x and hex digits.
func isNumber(s string) bool {
	if s == "" {
		return false
	}
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		for _, c := range s[2:] {
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
		return true
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseNumber reads one part of a loose IPv4 address.
func parseNumber(s string) (uint64, bool) {
	base := 10
	switch {
	case len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		base, s = 16, s[2:]
		if s == "" {
			return 0, true // "0x" is 0 to WHATWG
		}
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	n, err := strconv.ParseUint(s, base, 32)
	return n, err == nil
}
