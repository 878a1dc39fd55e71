package scenarios

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// TLS configures HTTPS to the target. The zero value verifies the server's
// certificate against the system's roots.
type TLS struct {
	// CAFile is a PEM file of CA certificates to trust in addition to the
	// system's roots (e.g. the CA of a self-signed server), relative to
	// the scenario's directory.
	CAFile string `yaml:"ca_file,omitempty" json:"ca_file,omitempty"`
	// InsecureSkipVerify accepts any server certificate without
	// verification: for test servers only.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify,omitempty" json:"insecure_skip_verify,omitempty"`
}

// IsZero reports whether t asks for nothing beyond the defaults.
func (t TLS) IsZero() bool { return t.CAFile == "" && !t.InsecureSkipVerify }

// Config returns the client TLS configuration t asks for, with CAFile
// resolved against dir; nil when t is zero (the engine's default: system
// roots, server name from the URL).
func (t TLS) Config(dir string) (*tls.Config, error) {
	if t.IsZero() {
		return nil, nil
	}
	cfg := &tls.Config{InsecureSkipVerify: t.InsecureSkipVerify} //nolint:gosec // asked for by the user
	if t.CAFile != "" {
		pool, err := loadCA(resolvePath(dir, t.CAFile))
		if err != nil {
			return nil, fmt.Errorf("tls.ca_file: %w", err)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// loadCA reads a PEM file of certificates and returns the system's roots
// plus those certificates. It fails when the file cannot be read, holds no
// PEM certificate, or a certificate does not parse.
func loadCA(path string) (*x509.CertPool, error) {
	data, err := ReadInput(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %q: %w", path, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	n := 0
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%q: certificate %d does not parse: %w", path, n+1, err)
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("%q holds no PEM certificate (want -----BEGIN CERTIFICATE----- blocks)", path)
	}
	return pool, nil
}

// checkTLS reports problems of the tls settings; dir resolves ca_file.
func (s Scenario) checkTLS(p *problems, dir string) {
	if s.TLS.CAFile == "" {
		return
	}
	if _, err := loadCA(resolvePath(dir, s.TLS.CAFile)); err != nil {
		p.Add("tls.ca_file", "%v", err)
	}
}
