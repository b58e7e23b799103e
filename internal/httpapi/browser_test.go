package httpapi_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis/internal/storage/storagetest"
	"github.com/chromedp/chromedp"
)

// browser starts a headless Chromium for the test (the path in
// BOPIS_TEST_CHROMIUM, which .ci/run sets; skipped without it) with a
// phone-sized window, and returns a context to run chromedp actions in.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("BOPIS_TEST_CHROMIUM")
	if path == "" {
		t.Skip("set BOPIS_TEST_CHROMIUM to a Chromium binary to run the browser tests")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.WindowSize(375, 800), chromedp.Flag("disable-gpu", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// The first action starts the browser: no timeout on it (it would stop
	// the browser); the test's own deadline bounds the rest.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 800)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// within runs fn with a context that gives up after d (a page that never
// shows what it should fails the test instead of hanging it).
func within(t *testing.T, ctx context.Context, d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if err := chromedp.Do(c, steps...); err != nil {
		t.Fatal(err)
	}
}

// text is the text of the first element matching a CSS selector.
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(c, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// fitsPhone fails the test if the page is wider than a 375 px screen.
func fitsPhone(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if width > 375 {
		t.Errorf("%s is %d px wide on a 375 px screen", page, width)
	}
}

func TestHomePageInABrowser(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, storagetest.Open(t, "sqlite", nil))
	within(t, ctx, 20*time.Second, chromedp.Navigate(e.url+"/"))
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if links := text(t, ctx, "main ul"); title != "bopis" || !strings.Contains(links, "Store associate app") {
		t.Fatalf("home: %q %q", title, links)
	}
	fitsPhone(t, ctx, "home")
}
