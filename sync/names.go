package sync

import (
	"fmt"
	"strings"
)

// nameChars says which characters metric names and prefixes may hold.
// Grok's storer splits a line on any Unicode white space and fails on
// invalid UTF-8, and Carbon makes a folder of every dot-separated part: a
// name outside these characters may be discarded by the server while the
// send looks successful.
const nameChars = "letters A–Z and a–z, digits, '.', '_' and '-'"

func nameChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}

// CheckMetricName refuses a metric name Grok and Carbon cannot take as it
// is: empty, or with a character other than [A-Za-z0-9._-], or with an
// empty dot-separated part. The error names the offending character.
func CheckMetricName(name string) error {
	if name == "" {
		return fmt.Errorf("sync: empty metric name")
	}
	return checkName("metric name", name)
}

// CheckMetricPrefix is CheckMetricName for a metric prefix, which may be
// empty (no prefix) and may end in a dot.
func CheckMetricPrefix(p string) error {
	if p == "" {
		return nil
	}
	return checkName("metric prefix", strings.TrimSuffix(p, "."))
}

func checkName(what, s string) error {
	for i, r := range s {
		if !nameChar(r) {
			if r == '\uFFFD' && !strings.HasPrefix(s[i:], "\uFFFD") {
				return fmt.Errorf("sync: %s %q: it is not valid UTF-8; use only %s", what, s, nameChars)
			}
			return fmt.Errorf("sync: %s %q: %q (%U) is not allowed; use only %s", what, s, r, r, nameChars)
		}
	}
	if strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return fmt.Errorf("sync: %s %q: a dot-separated part is empty", what, s)
	}
	return nil
}

// HostPrefix turns a host name into a metric prefix: its first label
// ("janes-mbp" of "janes-mbp.local"), every character outside
// [A-Za-z0-9_-] replaced by '-', leading and trailing '-' dropped. It is
// empty when nothing is left.
func HostPrefix(host string) string {
	host, _, _ = strings.Cut(strings.TrimSpace(host), ".")
	var b strings.Builder
	for _, r := range host {
		if nameChar(r) && r != '.' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}
