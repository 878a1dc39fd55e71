package report

import (
	"context"
	"io"
	"testing"
)

// BenchmarkAnalyze analyses the workshop fixture (86 steps, 4 configurations).
func BenchmarkAnalyze(b *testing.B) {
	in, err := LoadDir("testdata/workshop")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		Analyze(in)
	}
}

// BenchmarkWriteHTML renders report.html (five inline SVG plots).
func BenchmarkWriteHTML(b *testing.B) {
	in, err := LoadDir("testdata/workshop")
	if err != nil {
		b.Fatal(err)
	}
	a := Analyze(in)
	for b.Loop() {
		if err := WriteHTML(io.Discard, a); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteAll writes every report file of the workshop fixture.
func BenchmarkWriteAll(b *testing.B) {
	in, err := LoadDir("testdata/workshop")
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for b.Loop() {
		if _, err := WriteAll(context.Background(), dir, in); err != nil {
			b.Fatal(err)
		}
	}
}
