package simi2c

import (
	"errors"
	"testing"
)

type echo struct{ last []byte }

func (e *echo) Tx(w, r []byte) error {
	e.last = append([]byte(nil), w...)
	for i := range r {
		r[i] = byte(i)
	}
	return nil
}

func TestBusNAKsWhereNoDeviceAnswers(t *testing.T) {
	b := NewBus(0)
	err := b.Tx(0x50, nil, make([]byte, 1))
	if !errors.Is(err, ErrNAK) {
		t.Fatalf("err = %v, want NAK", err)
	}
	if b.Traffic().NAKs != 1 {
		t.Fatalf("NAKs = %d, want 1", b.Traffic().NAKs)
	}
}

func TestBusCountsWireBytes(t *testing.T) {
	b := NewBus(1)
	d := &echo{}
	b.Attach(0x40, d)
	// write 2 + repeated start + read 4: 1 + 2 + 1 + 4 = 8 bytes.
	if err := b.Tx(0x40, []byte{1, 2}, make([]byte, 4)); err != nil {
		t.Fatal(err)
	}
	tr := b.Traffic()
	if tr.Transactions != 1 || tr.WireBytes != 8 || tr.BytesWritten != 2 || tr.BytesRead != 4 {
		t.Fatalf("traffic = %+v, want 1 tx, 8 wire bytes, 2 written, 4 read", tr)
	}
	if err := b.QuickWrite(0x40); err != nil {
		t.Fatal(err)
	}
	if got := b.Traffic().WireBytes; got != 9 {
		t.Fatalf("quick write moved %d bytes in total, want 9 (address only)", got-8+8)
	}
	b.ResetTraffic()
	if b.Traffic() != (Traffic{}) {
		t.Fatal("ResetTraffic left counts")
	}
}

func TestBusRejects10BitAddresses(t *testing.T) {
	if err := NewBus(0).Tx(0x150, nil, nil); err == nil {
		t.Fatal("10-bit address accepted")
	}
}
