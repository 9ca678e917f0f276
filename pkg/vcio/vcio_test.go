package vcio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func word(b []byte, i int) uint32 { return binary.LittleEndian.Uint32(b[4*i:]) }

// The request is the layout vcgencmd.c sends: 6 header words, a 4 KiB
// value buffer holding the NUL-terminated command, the end tag.
func TestEncodeLaysOutTheDocumentedRequest(t *testing.T) {
	buf, err := Encode("measure_clock arm")
	if err != nil {
		t.Fatal(err)
	}
	if len(buf) != 4124 || MessageSize != 4124 {
		t.Fatalf("message is %d B, want 4124 (6+1024+1 words)", len(buf))
	}
	want := []uint32{4124, 0x00000000, 0x00030080, 4096, 0, 0}
	for i, w := range want {
		if got := word(buf, i); got != w {
			t.Errorf("word %d = 0x%08x, want 0x%08x", i, got, w)
		}
	}
	if !bytes.Equal(buf[24:24+18], []byte("measure_clock arm\x00")) {
		t.Errorf("value buffer starts % x", buf[24:24+18])
	}
	if word(buf, 6+1024) != 0 {
		t.Error("no end tag")
	}
	for i, b := range buf[24+18 : 24+4096] {
		if b != 0 {
			t.Fatalf("value buffer byte %d after the command is 0x%02x", 18+i, b)
		}
	}
}

func TestEncodeRefusesWhatVcgencmdRefuses(t *testing.T) {
	long := string(bytes.Repeat([]byte("a"), MaxString-1))
	if _, err := Encode(long); err == nil {
		t.Error("a command filling the 4 KiB buffer was accepted")
	}
	if _, err := Encode("get_throttled\x00x"); err == nil {
		t.Error("a command with a NUL was accepted")
	}
	if _, err := Encode(long[:MaxString-2]); err != nil {
		t.Errorf("the longest command vcgencmd takes was refused: %v", err)
	}
}

// respond fills a request buffer as the firmware does.
func respond(t *testing.T, cmd string, code, gencmdErr uint32, result string) []byte {
	t.Helper()
	buf, err := Encode(cmd)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint32(buf[4:], code)
	binary.LittleEndian.PutUint32(buf[16:], 0x80000000|uint32(len(result)+1))
	binary.LittleEndian.PutUint32(buf[20:], gencmdErr)
	clear(buf[24 : 24+MaxString])
	copy(buf[24:], result)
	return buf
}

func TestDecodeResponses(t *testing.T) {
	got, err := Decode(respond(t, "get_throttled", 0x80000000, 0, "throttled=0x50000\n"))
	if err != nil || got != "throttled=0x50000" {
		t.Fatalf("success: %q, %v", got, err)
	}
	// A shorter answer than the command: only up to the answer's NUL.
	got, err = Decode(respond(t, "measure_clock arm", 0x80000000, 0, "x"))
	if err != nil || got != "x" {
		t.Fatalf("short answer: %q, %v", got, err)
	}
	_, err = Decode(respond(t, "bogus", 0x80000000, 2, "error=2 error_msg=\"Command not registered\""))
	var ge *GencmdError
	if !errors.As(err, &ge) || ge.Code != 2 {
		t.Fatalf("gencmd error: %v", err)
	}
	if _, err := Decode(respond(t, "x", 0x80000001, 0, "")); !errors.Is(err, ErrParse) {
		t.Fatalf("parse error: %v", err)
	}
	unanswered, _ := Encode("get_throttled")
	if _, err := Decode(unanswered); !errors.Is(err, ErrNotProcessed) {
		t.Fatalf("unprocessed: %v", err)
	}
	noTag := respond(t, "x", 0x80000000, 0, "y")
	binary.LittleEndian.PutUint32(noTag[16:], 0)
	if _, err := Decode(noTag); !errors.Is(err, ErrNotProcessed) {
		t.Fatalf("tag without the response bit: %v", err)
	}
	if _, err := Decode(make([]byte, 100)); err == nil {
		t.Fatal("a short buffer was decoded")
	}
}

func TestIoctlNumberMatchesIOWR(t *testing.T) {
	// _IOWR(100, 0, char *) on this host's pointer size.
	want := map[uintptr]uintptr{8: 0xc0086400, 4: 0xc0046400}
	if w := want[uintptrSize()]; iocMboxProperty != w {
		t.Fatalf("ioctl 0x%x, want 0x%x", iocMboxProperty, w)
	}
}

func TestOpenNamesEveryDeviceItTried(t *testing.T) {
	_, err := Open(t.TempDir())
	if err == nil {
		t.Fatal("opened a mailbox in an empty directory")
	}
	for _, p := range DeviceFiles {
		if !bytes.Contains([]byte(err.Error()), []byte(p)) {
			t.Errorf("error %q does not name %s", err, p)
		}
	}
}
