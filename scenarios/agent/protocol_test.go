package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// post sends body to the controller's path with token ("" for no
// Authorization header) and returns the status and the refusal's text.
func post(t *testing.T, c *Controller, path, token string, body any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, c.URL()+path, bytes.NewReader(b))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var eb ErrorBody
	_ = json.NewDecoder(resp.Body).Decode(&eb)
	return resp.StatusCode, eb.Error
}

func newController(t *testing.T, n int) (*Controller, string) {
	t.Helper()
	token, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Listen("127.0.0.1:0", n, token)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(0) })
	return c, token
}

// TestWrongTokenIs401: every endpoint answers 401 without the run's token,
// the refusal does not echo the token, and an agent with a wrong token
// stops at once with a clear error.
func TestWrongTokenIs401(t *testing.T) {
	c, token := newController(t, 1)
	hello := Hello{Version: Version, Agent: "a1"}
	for _, path := range []string{PathRegister, PathNext, PathResult} {
		for _, tok := range []string{"", "wrong-token-0123456789", token + "x", token[:len(token)-1]} {
			code, msg := post(t, c, path, tok, hello)
			if code != http.StatusUnauthorized {
				t.Errorf("%s with token %q: status %d, want 401", path, tok, code)
			}
			if !strings.Contains(msg, "token") || strings.Contains(msg, token) {
				t.Errorf("%s: refusal %q", path, msg)
			}
		}
	}
	if code, _ := post(t, c, PathRegister, token, hello); code != http.StatusOK {
		t.Fatalf("the right token: status %d, want 200", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	err := Serve(ctx, Config{Controller: c.URL(), Token: "not-the-token-0123456789", ID: "a2"})
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "token") {
		t.Fatalf("agent with a wrong token: %v, want a refusal naming the token and 401", err)
	}
	if strings.Contains(err.Error(), token) {
		t.Fatal("the agent's error shows the run's token")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the refused agent took %s to stop; it must not retry a 401", d)
	}
}

// TestVersionMismatchIsRefused: a message of another protocol version is
// refused (409) naming both versions, on the controller and on the agent.
func TestVersionMismatchIsRefused(t *testing.T) {
	c, token := newController(t, 1)
	code, msg := post(t, c, PathRegister, token, Hello{Version: Version + 1, Agent: "a1"})
	if code != http.StatusConflict || !strings.Contains(msg, "version 2") || !strings.Contains(msg, "version 1") {
		t.Fatalf("register of version %d: %d %q, want 409 naming both versions", Version+1, code, msg)
	}
	if len(c.Agents()) != 0 {
		t.Fatal("an agent of another version was registered")
	}
	// An agent meeting a controller of another version.
	future := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(Welcome{Version: Version + 1})
	}))
	defer future.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := Serve(ctx, Config{Controller: future.URL, Token: token, ID: "a1"})
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "version") {
		t.Fatalf("agent against a controller of version %d: %v, want a refusal naming the versions", Version+1, err)
	}
}

// TestRegistrationIsBounded: a controller for n agents refuses the n+1st
// and WaitJoined says how many came.
func TestRegistrationIsBounded(t *testing.T) {
	c, token := newController(t, 2)
	if code, _ := post(t, c, PathRegister, token, Hello{Version: Version, Agent: "a1"}); code != http.StatusOK {
		t.Fatalf("register a1: %d", code)
	}
	err := c.WaitJoined(context.Background(), 100*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "only 1 of 2") {
		t.Fatalf("WaitJoined with 1 of 2: %v", err)
	}
	if code, _ := post(t, c, PathRegister, token, Hello{Version: Version, Agent: "a2"}); code != http.StatusOK {
		t.Fatalf("register a2: %d", code)
	}
	if code, msg := post(t, c, PathRegister, token, Hello{Version: Version, Agent: "a3"}); code != http.StatusConflict {
		t.Fatalf("a third agent: %d %q, want 409", code, msg)
	}
	if err := c.WaitJoined(context.Background(), time.Second); err != nil {
		t.Fatal(err)
	}
	if code, msg := post(t, c, PathNext, token, Poll{Version: Version, Agent: "nobody"}); code != http.StatusNotFound {
		t.Fatalf("poll of an unknown agent: %d %q, want 404", code, msg)
	}
}
