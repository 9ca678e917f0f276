package termline

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// A run that ends before its planned total (a soak at steady state) ends
// its bar: End returns, and the last frame shows the last fields. Issue
// 23: a bar made with its planned total never completed, and End hung.
func TestBarEndsBeforeItsPlannedTotal(t *testing.T) {
	var buf bytes.Buffer
	b := NewBar(context.Background(), &buf, "soak ")
	for i := int64(0); i <= 5; i++ {
		b.Update(i, 600, []string{"load", "step " + string(rune('0'+i))})
	}
	ended := make(chan struct{})
	go func() { b.End(5); close(ended) }()
	select {
	case <-ended:
	case <-time.After(30 * time.Second): // a hang bound, not a speed limit
		t.Fatal("End did not return with the bar short of its planned total")
	}
	if out := buf.String(); !strings.Contains(out, "soak ") || !strings.Contains(out, "step 5") {
		t.Fatalf("last frame: %q", out)
	}
}

// A bar never updated draws nothing and End returns at once.
func TestBarNeverUpdatedDrawsNothing(t *testing.T) {
	var buf bytes.Buffer
	NewBar(context.Background(), &buf, "soak ").End(0)
	if buf.Len() != 0 {
		t.Fatalf("drew %q", buf.String())
	}
}
