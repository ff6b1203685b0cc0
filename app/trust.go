package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rogue-metrics/rogue/sync"
)

// trustMessage is what the user is asked on first contact with a
// certificate that does not verify: where, what is wrong, the fingerprint
// to compare, and what trusting it means.
func trustMessage(server string, e *sync.UntrustedCertError) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The certificate of %s does not verify:\n", server)
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "  • %s\n", p)
	}
	fmt.Fprintf(&b, "\nSHA-256 fingerprint:\n%s\n\n", e.Fingerprint)
	b.WriteString("Trust it only if this is the fingerprint of your Grok server's certificate " +
		"(on the server: openssl x509 -noout -fingerprint -sha256 -in its certificate). " +
		"Rogue will then accept exactly this certificate from this server, and refuse any other.")
	return b.String()
}

// errNotTrusted is returned when the user declines a certificate.
var errNotTrusted = errors.New("the server's certificate was not trusted")

// verifyKeyTrusting checks key with the server like verifyKey; when the
// server's certificate does not verify and s has no pin, it asks (ask) with
// the fingerprint and problems whether to trust it, and on yes pins it and
// checks again. It returns the pin to keep: s.PinSHA256, or the one just
// trusted. A pinned certificate that changed is refused without asking.
func verifyKeyTrusting(ctx context.Context, server, key string, s settings, timeout time.Duration,
	ask func(ctx context.Context, message string) (bool, error)) (pin string, err error) {
	err = verifyKey(ctx, server, key, s, timeout)
	var ue *sync.UntrustedCertError
	if err == nil || s.PinSHA256 != "" || !errors.As(err, &ue) || ask == nil {
		return s.PinSHA256, err
	}
	ok, aerr := ask(ctx, trustMessage(server, ue))
	if aerr != nil {
		return "", fmt.Errorf("%w (and Rogue could not ask whether to trust it: %v)", err, aerr)
	}
	if !ok {
		return "", fmt.Errorf("%w: %v", errNotTrusted, err)
	}
	s.PinSHA256 = ue.Fingerprint
	if err := verifyKey(ctx, server, key, s, timeout); err != nil {
		return "", err
	}
	return ue.Fingerprint, nil
}
