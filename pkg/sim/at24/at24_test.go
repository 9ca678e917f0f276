package at24

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/aihat/aihat/pkg/clock"
	"github.com/aihat/aihat/pkg/sim/simi2c"
)

func newChip() (*Chip, *clock.Virtual) {
	clk := clock.NewVirtual(time.Unix(0, 0))
	return New(clk, Options{}), clk
}

func TestNewChipIsBlank24C32(t *testing.T) {
	c, _ := newChip()
	if c.Size() != 4096 {
		t.Fatalf("size = %d, want 4096", c.Size())
	}
	if !bytes.Equal(c.Contents(), bytes.Repeat([]byte{0xff}, 4096)) {
		t.Fatal("new chip is not all 0xFF")
	}
}

func TestSequentialReadCrossesWholeArrayAndWraps(t *testing.T) {
	c, _ := newChip()
	img := make([]byte, 4096)
	for i := range img {
		img[i] = byte(i * 7)
	}
	c.Load(img)
	got := make([]byte, 4096+2)
	if err := c.Tx([]byte{0x0f, 0xff}, got); err != nil {
		t.Fatal(err)
	}
	// Starts at 0x0fff, wraps to 0x0000 after the last byte.
	if got[0] != img[0xfff] || got[1] != img[0] || got[2] != img[1] {
		t.Fatalf("read from 0xfff = % x..., want % x % x % x", got[:3], img[0xfff], img[0], img[1])
	}
	// A current-address read continues where the last one stopped.
	one := make([]byte, 1)
	if err := c.Tx(nil, one); err != nil {
		t.Fatal(err)
	}
	if one[0] != img[1] {
		t.Fatalf("current-address read = %x, want %x", one[0], img[1])
	}
}

func TestPageWriteWrapsInsideThePage(t *testing.T) {
	c, clk := newChip()
	c.SetWP(false)
	data := make([]byte, 8)
	for i := range data {
		data[i] = byte(0xa0 + i)
	}
	// Start 4 bytes before the end of page 1 (0x20-0x3f): bytes 5..8 wrap to 0x20.
	if err := c.Tx(append([]byte{0x00, 0x3c}, data...), nil); err != nil {
		t.Fatal(err)
	}
	mem := c.Contents()
	if !bytes.Equal(mem[0x3c:0x40], data[:4]) {
		t.Fatalf("page end = % x, want % x", mem[0x3c:0x40], data[:4])
	}
	if !bytes.Equal(mem[0x20:0x24], data[4:]) {
		t.Fatalf("page start = % x, want wrapped % x", mem[0x20:0x24], data[4:])
	}
	if mem[0x40] != 0xff {
		t.Fatalf("write spilled into the next page: 0x40 = %x", mem[0x40])
	}
	clk.Advance(5 * time.Millisecond)
	if c.PageWrites() != 1 {
		t.Fatalf("page writes = %d, want 1", c.PageWrites())
	}
}

func TestNAKDuringWriteCycle(t *testing.T) {
	c, clk := newChip()
	c.SetWP(false)
	if err := c.Tx([]byte{0, 0, 1, 2, 3}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Tx([]byte{0, 0}, make([]byte, 1)); !errors.Is(err, simi2c.ErrNAK) {
		t.Fatalf("during the write cycle err = %v, want NAK", err)
	}
	clk.Advance(4 * time.Millisecond)
	if err := c.Tx(nil, nil); !errors.Is(err, simi2c.ErrNAK) {
		t.Fatalf("at 4 ms err = %v, want NAK (cycle is 5 ms)", err)
	}
	clk.Advance(time.Millisecond)
	r := make([]byte, 3)
	if err := c.Tx([]byte{0, 0}, r); err != nil {
		t.Fatalf("after the write cycle: %v", err)
	}
	if !bytes.Equal(r, []byte{1, 2, 3}) {
		t.Fatalf("read back % x, want 01 02 03", r)
	}
}

func TestWriteProtectIgnoresWrites(t *testing.T) {
	c, _ := newChip()
	c.SetWP(true)
	if err := c.Tx([]byte{0, 0, 0x42}, nil); err != nil {
		t.Fatalf("a protected chip still acknowledges: %v", err)
	}
	if c.Contents()[0] != 0xff || c.PageWrites() != 0 {
		t.Fatal("write stored while WP was high")
	}
	// No write cycle started: the chip answers at once.
	if err := c.Tx(nil, make([]byte, 1)); err != nil {
		t.Fatalf("protected write started a write cycle: %v", err)
	}
}

func TestStuckChipAcknowledgesButNeverStores(t *testing.T) {
	c, _ := newChip()
	c.SetWP(false)
	c.SetStuck(true)
	if err := c.Tx([]byte{0, 0, 0x42}, nil); err != nil {
		t.Fatal(err)
	}
	if c.Contents()[0] != 0xff {
		t.Fatal("stuck chip stored a byte")
	}
}
