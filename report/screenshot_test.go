package report

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// chromiumBinary finds a headless-capable Chromium on PATH.
func chromiumBinary() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestHTMLScreenshot renders report.html of the workshop fixture in
// headless Chromium and checks that a reader sees what the page is for:
// the recommendation's green card at the top, and the plots drawn by the
// browser (each measured configuration's line colour over thousands of
// pixels, far more than its table swatches, and one dashed SLO line in
// each of the latency, error-rate and timeline plots). It is skipped
// without Chromium unless CI=true.
// Set LOADLAB_SCREENSHOT_DIR to keep the screenshot for a person to look at.
func TestHTMLScreenshot(t *testing.T) {
	bin := chromiumBinary()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed; CI must install it (apt-get install -y chromium)")
		}
		t.Skip("chromium not on PATH")
	}
	dir := t.TempDir()
	page, err := os.Create(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(page, Analyze(fixture(t, "workshop"))); err != nil {
		t.Fatal(err)
	}
	if err := page.Close(); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "report.png")
	if keep := os.Getenv("LOADLAB_SCREENSHOT_DIR"); keep != "" {
		if err := os.MkdirAll(keep, 0o755); err != nil {
			t.Fatal(err)
		}
		shot = filepath.Join(keep, "report.png")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--user-data-dir="+filepath.Join(dir, "chromium-profile"),
		"--screenshot="+shot, fmt.Sprintf("--window-size=%d,%d", shotW, shotH), "file://"+filepath.Join(dir, HTMLFile))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != shotW || b.Dy() != shotH {
		t.Fatalf("screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), shotW, shotH)
	}
	t.Logf("screenshot: %s", shot)

	// The recommendation card (background #e3f4ea, the page's "ok"
	// colour) spans the page near its top.
	okBg := rgb(0xe3f4ea)
	n := countColor(img, image.Rect(0, 0, shotW, 500), okBg)
	t.Logf("the recommendation card: %d pixels", n)
	if n < 40_000 {
		t.Errorf("the top 500 px have %d pixels of the recommendation card's green, want ≥ 40,000", n)
	}
	a := Analyze(fixture(t, "workshop"))
	for i, c := range a.Configs {
		if len(c.Steps) == 0 {
			continue
		}
		n := countColor(img, img.Bounds(), palette[i])
		t.Logf("%s: %d pixels of its colour", c.Name, n)
		if n < 3000 {
			t.Errorf("%s's colour %s covers %d pixels, want ≥ 3,000 (its lines in the plots)", c.Name, colorHex(palette[i]), n)
		}
	}
	if rows := dashedRows(img, sloColor, 0.2); len(rows) != 3 {
		t.Errorf("SLO lines at rows %v, want 3 (latency, error rate, timeline)", rows)
	}
}

// shotW and shotH are the screenshot's size: tall enough for every plot.
const shotW, shotH = 1400, 8000

// countColor counts the pixels of r that have exactly colour want (the
// page's colours are close to each other: #e3f4ea, #eef2f7, #f5f7fa).
func countColor(img image.Image, r image.Rectangle, want color.Color) int {
	wr, wg, wb, _ := want.RGBA()
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if r, g, b, _ := img.At(x, y).RGBA(); r>>8 == wr>>8 && g>>8 == wg>>8 && b>>8 == wb>>8 {
				n++
			}
		}
	}
	return n
}

// dashedRows finds horizontal lines of colour want: runs of adjacent rows
// in which want covers at least share of the width; it returns the first
// row of each.
func dashedRows(img image.Image, want color.Color, share float64) []int {
	b := img.Bounds()
	var rows []int
	prev := false
	for y := b.Min.Y; y < b.Max.Y; y++ {
		n := countColor(img, image.Rect(b.Min.X, y, b.Max.X, y+1), want)
		line := float64(n) >= share*float64(b.Dx())
		if line && !prev {
			rows = append(rows, y)
		}
		prev = line
	}
	return rows
}
