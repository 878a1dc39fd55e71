package redact

import (
	"bytes"
	"testing"
)

func TestIsSecretHeader(t *testing.T) {
	for h, want := range map[string]bool{
		"Authorization": true, "authorization": true, "Proxy-Authorization": true, "Cookie": true, "Set-Cookie": true,
		"X-Api-Key": true, "X-Auth-Token": true, "X-Amz-Security-Token": true, "X-Client-Secret": true, "X-DB-Password": true,
		"Content-Type": false, "Accept": false, "User-Agent": false, "X-Request-Id": false,
	} {
		if IsSecretHeader(h) != want {
			t.Errorf("IsSecretHeader(%q) = %v", h, !want)
		}
	}
	if Header("Authorization", "Bearer x") != Mask || Header("Accept", "text/plain") != "text/plain" {
		t.Error("Header does not mask by name")
	}
}

func TestURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8000":                              "http://127.0.0.1:8000",
		"http://user:pass@127.0.0.1:8000/x":                  "http://<redacted>@127.0.0.1:8000/x",
		"https://tok3n@api.example.com":                      "https://<redacted>@api.example.com",
		"/predict?api_key=abc":                               "/predict?api_key=<redacted>",
		"/predict?segment=hot&api_key=abc&limit=2":           "/predict?segment=hot&api_key=<redacted>&limit=2",
		"/p?access_token=a&X-Amz-Signature=b&sig_v=1#frag":   "/p?access_token=<redacted>&X-Amz-Signature=<redacted>&sig_v=1#frag",
		"/p?Password=a&passwd=b&client_secret=c&auth=d&q=e":  "/p?Password=<redacted>&passwd=<redacted>&client_secret=<redacted>&auth=<redacted>&q=e",
		"/p?credential=a&api%5Fkey=b":                        "/p?credential=<redacted>&api%5Fkey=<redacted>",
		"http://u:p@h/p?token=t":                             "http://<redacted>@h/p?token=<redacted>",
		"/a/b@c":                                             "/a/b@c",
		"mailto-like text user@example.com without a scheme": "mailto-like text user@example.com without a scheme",
	} {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
	if !HasUserinfo("http://u:p@h") || HasUserinfo("http://h/p@x") {
		t.Error("HasUserinfo")
	}
}

func TestEnv(t *testing.T) {
	got := Env(map[string]string{"API_KEY": "k", "DB_PASSWORD": "p", "LOG_LEVEL": "debug"}, []string{"LOG_LEVEL"})
	if got["API_KEY"] != Mask || got["DB_PASSWORD"] != Mask || got["LOG_LEVEL"] != "debug" || len(got) != 3 {
		t.Errorf("Env = %v", got)
	}
	if Env(nil, nil) != nil {
		t.Error("Env(nil) is not nil")
	}
}

func TestString(t *testing.T) {
	r := New("s3cr3t-env", "abc", "", "s3cr3t-env-longer")
	for in, want := range map[string]string{
		`Get "http://user:s3cr3t-pass@127.0.0.1:1/predict?api_key=s3cr3t-q": dial tcp: refused`: `Get "http://<redacted>@127.0.0.1:1/predict?api_key=<redacted>": dial tcp: refused`,
		"api said: config API_KEY=s3cr3t-env-longer loaded, key s3cr3t-env":                     "api said: config API_KEY=<redacted> loaded, key <redacted>",
		"short abc values are kept":           "short abc values are kept",
		"stop: p95 1.2s > 1s; x?token=t&ok=1": "stop: p95 1.2s > 1s; x?token=<redacted>&ok=1",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q)\n = %q\nwant %q", in, got, want)
		}
	}
	if got := String("http://a:b@h"); got != "http://<redacted>@h" {
		t.Errorf("package String: %q", got)
	}
	var buf bytes.Buffer
	n, err := r.Writer(&buf).Write([]byte("load goes to http://u:s3cr3t-env@h\n"))
	if err != nil || n != 35 || buf.String() != "load goes to http://<redacted>@h\n" {
		t.Errorf("Writer: %d %v %q", n, err, buf.String())
	}
}

func TestValues(t *testing.T) {
	got := Values("http://user:pw-123456@h/p?segment=hot&api_key=a%2Fb&token=t")
	want := []string{"pw-123456", "a%2Fb", "a/b", "t"}
	if len(got) != len(want) {
		t.Fatalf("Values = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Values = %q, want %q", got, want)
		}
	}
	if v := Values("https://tok3n@h"); len(v) != 1 || v[0] != "tok3n" {
		t.Errorf("user-only Values = %q", v)
	}
}
