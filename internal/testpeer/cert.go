package testpeer

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

// GrokStockCert makes a certificate like the one a Grok server ships with
// (grok/conf/ssl): self-signed for the common name cn, expired in 2015,
// 1024-bit RSA, SHA-1, no subjectAltName — one that no CA file can
// validate, only a pin.
func GrokStockCert(t testing.TB, cn string) tls.Certificate {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:       big.NewInt(time.Now().UnixNano()),
		Subject:            pkix.Name{CommonName: cn, Organization: []string{"Numenta"}},
		NotBefore:          time.Date(2014, 6, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:           time.Date(2015, 6, 1, 0, 0, 0, 0, time.UTC),
		SignatureAlgorithm: x509.SHA1WithRSA,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}
}
