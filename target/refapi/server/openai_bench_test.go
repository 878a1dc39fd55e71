package server

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkChatStream is one streamed chat completion of 64 tokens
// (ignore_eos, temperature 1) over loopback HTTP, read chunk by chunk: the
// server's whole cost per response, with ns/token beside it.
func BenchmarkChatStream(b *testing.B) {
	_, ts := newLoadedServer(b)
	body := chatBody(`,"max_tokens":64,"ignore_eos":true,"stream":true,"seed":1`)
	b.ResetTimer()
	for range b.N {
		resp, err := http.Post(ts.URL+chatPath, "application/json", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		r := bufio.NewReader(resp.Body)
		events := 0
		for {
			line, err := r.ReadString('\n')
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if strings.HasPrefix(line, "data: ") {
				events++
			}
		}
		resp.Body.Close()
		if events != 64+2 { // the tokens, the finish chunk, [DONE]
			b.Fatalf("%d events, want 66", events)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*64), "ns/token")
}
