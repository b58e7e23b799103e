package webhookurl

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		url  string
		want error // with allowPrivate off
		// private: the error with allowPrivate on
		private error
	}{
		// Public destinations.
		{"https://hooks.example.com/bopis", nil, nil},
		{"http://hooks.example.com:8080/x?y=1", nil, nil},
		{"HTTPS://Hooks.Example.COM./x", nil, nil},
		{"https://8.8.8.8/", nil, nil},
		{"https://[2606:4700:4700::1111]/", nil, nil},
		{"https://134744072/", nil, nil},  // 8.8.8.8 as one number
		{"https://0x08.8.8.8/", nil, nil}, // hex part, public
		{"https://1e100.net/", nil, nil},  // a name that starts like a number
		{"https://xn--bcher-kva.example/", nil, nil},
		{"https://hooks_1.example.com/", nil, nil},

		// Not a URL a webhook can have.
		{"ftp://hooks.example.com/", ErrInvalid, ErrInvalid},
		{"hooks.example.com/x", ErrInvalid, ErrInvalid},
		{"http:hooks.example.com", ErrInvalid, ErrInvalid},
		{"http:///x", ErrInvalid, ErrInvalid},
		{"http://:80/", ErrInvalid, ErrInvalid},
		{"http://hooks.example.com:99999/", ErrInvalid, ErrInvalid},
		{"http://hooks.example.com:0/", ErrInvalid, ErrInvalid},
		{"https://hooks.example.com/" + strings.Repeat("a", MaxLength), ErrInvalid, ErrInvalid},
		{"http://%6c%6fcalhost/", ErrInvalid, ErrInvalid},

		// User info, whatever the host.
		{"https://user:pass@hooks.example.com/", ErrUserinfo, ErrUserinfo},
		{"https://user@hooks.example.com/", ErrUserinfo, ErrUserinfo},
		{"http://user:pass@127.0.0.1/", ErrUserinfo, ErrUserinfo},

		// Loopback, private, link-local, unspecified, metadata: as written.
		{"http://169.254.169.254/latest/meta-data/", ErrForbidden, nil},
		{"http://10.0.0.1/", ErrForbidden, nil},
		{"http://172.16.5.4/", ErrForbidden, nil},
		{"http://192.168.1.1:8080/", ErrForbidden, nil},
		{"http://127.0.0.1:19999/", ErrForbidden, nil},
		{"http://0.0.0.0/", ErrForbidden, nil},
		{"http://100.100.100.200/", ErrForbidden, nil},
		{"http://192.0.0.192/", ErrForbidden, nil},
		{"http://255.255.255.255/", ErrForbidden, nil},
		{"http://224.0.0.1/", ErrForbidden, nil},
		{"http://[::1]/", ErrForbidden, nil},
		{"http://[::]/", ErrForbidden, nil},
		{"http://[fe80::1%25eth0]/", ErrForbidden, nil},
		{"http://[fe80::1]/", ErrForbidden, nil},
		{"http://[fd00:ec2::254]/", ErrForbidden, nil},
		{"http://[fc00::1]/", ErrForbidden, nil},
		{"http://[fec0::1]/", ErrForbidden, nil},
		// ... in the other notations resolvers and URL parsers accept.
		{"http://127.1/", ErrForbidden, nil},
		{"http://127.0.1/", ErrForbidden, nil},
		{"http://2130706433/", ErrForbidden, nil},
		{"http://0x7f.1/", ErrForbidden, nil},
		{"http://0x7f000001/", ErrForbidden, nil},
		{"http://0177.0.0.1/", ErrForbidden, nil},
		{"http://017700000001/", ErrForbidden, nil},
		{"http://0/", ErrForbidden, nil},
		{"http://0x/", ErrForbidden, nil},
		{"http://169.254.43518/", ErrForbidden, nil},
		{"http://0xa9fea9fe/", ErrForbidden, nil},
		{"http://127.0.0.1./", ErrForbidden, nil},
		{"http://[::ffff:127.0.0.1]/", ErrForbidden, nil},
		{"http://[::ffff:7f00:1]/", ErrForbidden, nil},
		{"http://[::ffff:a9fe:a9fe]/", ErrForbidden, nil},
		{"http://[::127.0.0.1]/", ErrForbidden, nil},
		{"http://[64:ff9b::10.0.0.1]/", ErrForbidden, nil},
		{"http://[2002:7f00:1::]/", ErrForbidden, nil},
		// Numeric hosts that are no address: refused, not guessed at.
		{"http://256.1.1.1/", ErrInvalid, nil},
		{"http://1.2.3.4.5/", ErrInvalid, nil},
		{"http://08.1.1.1/", ErrInvalid, nil},
		{"http://4294967296/", ErrInvalid, nil},
		{"http://1..1/", ErrInvalid, nil},
		// Names that mean something only inside a network.
		{"http://localhost/", ErrForbidden, nil},
		{"http://LOCALHOST./", ErrForbidden, nil},
		{"http://api.localhost/", ErrForbidden, nil},
		{"http://metadata.google.internal/computeMetadata/v1/", ErrForbidden, nil},
		{"http://instance-data.ec2.internal/", ErrForbidden, nil},
		{"http://metadata/", ErrForbidden, nil},
		{"http://printer.local/", ErrForbidden, nil},
		{"http://router.home.arpa/", ErrForbidden, nil},
		{"http://ｌｏｃａｌｈｏｓｔ/", ErrInvalid, nil},
	} {
		if err := Check(c.url, false); !errors.Is(err, c.want) || (err == nil) != (c.want == nil) {
			t.Errorf("Check(%q) = %v, want %v", c.url, err, c.want)
		}
		if err := Check(c.url, true); !errors.Is(err, c.private) || (err == nil) != (c.private == nil) {
			t.Errorf("Check(%q, allow private) = %v, want %v", c.url, err, c.private)
		}
	}
}

func TestErrorsDoNotEchoTheURL(t *testing.T) {
	for _, u := range []string{"http://user:secret@h.example.com/", "http://127.0.0.1:19999/", "gopher://x.example/"} {
		if err := Check(u, false); err == nil || strings.Contains(err.Error(), "secret") ||
			strings.Contains(err.Error(), "127.0.0.1") || strings.Contains(err.Error(), "19999") || strings.Contains(err.Error(), "x.example") {
			t.Errorf("Check(%q) = %v", u, err)
		}
	}
}

func TestControl(t *testing.T) {
	for addr, want := range map[string]error{
		"93.184.215.14:443":            nil,
		"[2606:4700:4700::1111]:443":   nil,
		"127.0.0.1:80":                 ErrForbidden,
		"10.1.2.3:443":                 ErrForbidden,
		"169.254.169.254:80":           ErrForbidden,
		"[::1]:80":                     ErrForbidden,
		"[::ffff:127.0.0.1]:80":        ErrForbidden,
		"[fe80::1%eth0]:80":            ErrForbidden,
		"0.0.0.0:80":                   ErrForbidden,
		"not an address":               ErrForbidden,
		"metadata.google.internal:80:": ErrForbidden,
	} {
		if err := Control("tcp", addr, nil); !errors.Is(err, want) || (err == nil) != (want == nil) {
			t.Errorf("Control(%q) = %v, want %v", addr, err, want)
		}
	}
}

func TestForbidden(t *testing.T) {
	for s, want := range map[string]bool{
		"1.1.1.1": false, "172.15.255.255": false, "172.32.0.0": false, "100.63.255.255": false, "100.128.0.0": false,
		"2001:4860:4860::8888": false, "::ffff:8.8.8.8": false, "2002:808:808::": false, "64:ff9b::8.8.8.8": false,
		"172.16.0.0": true, "172.31.255.255": true, "100.64.0.0": true, "169.254.0.1": true, "0.1.2.3": true,
		"240.0.0.1": true, "ff02::1": true, "fe80::": true, "::": true, "::1": true, "64:ff9b:1::1": true,
	} {
		if got := Forbidden(netip.MustParseAddr(s)); got != want {
			t.Errorf("Forbidden(%s) = %v, want %v", s, got, want)
		}
	}
	if !Forbidden(netip.Addr{}) {
		t.Error("the zero Addr is allowed")
	}
}
