package report

import (
	"context"
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
// headless Chromium and checks the screenshot is a rendered page, not a
// blank or error page. It is skipped without Chromium unless CI=true.
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
		"--screenshot="+shot, "--window-size=1400,3000", "file://"+filepath.Join(dir, HTMLFile))
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
	if b := img.Bounds(); b.Dx() != 1400 || b.Dy() != 3000 {
		t.Errorf("screenshot is %dx%d, want 1400x3000", b.Dx(), b.Dy())
	}
	// A rendered report has text, tables, coloured pills and plot lines;
	// Chromium's error page or a blank page has a handful of colours.
	if n := distinctColors(img, 3); n < 200 {
		t.Errorf("screenshot has %d distinct colours: the page did not render", n)
	}
	t.Logf("screenshot: %s", shot)
}
