// Package vcio sends VideoCore general commands ("gencmd": measure_clock
// arm, get_throttled, pmic_read_adc) through the firmware mailbox, the way
// Raspberry Pi's own vcgencmd does, without forking a process per reading.
// A sampler that forks vcgencmd every second disturbs the load it measures
// (stressberry and sbc-bench do); one ioctl on an open /dev/vcio does not.
//
// The message is the mailbox property interface's buffer (raspberrypi/utils
// vcgencmd/vcgencmd.c, the firmware wiki's "Mailbox property interface"),
// in the host's byte order (little-endian on every Pi):
//
//	word 0     total size in bytes
//	word 1     request code: 0 = process request; the firmware answers
//	           0x80000000 (success) or 0x80000001 (error parsing the request)
//	word 2     tag 0x00030080, "get gencmd result"
//	word 3     value buffer size: MaxString bytes
//	word 4     request: 0; response: 0x80000000 | response length
//	word 5     gencmd's own error code (0 = success)
//	word 6...  the command, NUL-terminated; the response replaces it
//	last word  end tag 0
package vcio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Mailbox protocol constants.
const (
	TagGetGencmdResult = 0x00030080
	// MaxString is the command and response buffer vcgencmd uses (4 KiB).
	MaxString = 4 * 1024

	codeRequest    = 0x00000000
	codeSuccess    = 0x80000000
	codeParseError = 0x80000001
	responseBit    = 0x80000000

	headerWords = 6 // size, code, tag, buffer size, request/response length, gencmd error
	// MessageSize is the whole buffer: header, value buffer, end tag.
	MessageSize = (headerWords + MaxString/4 + 1) * 4
)

var le = binary.LittleEndian

// Encode builds the property message for one gencmd command line.
func Encode(command string) ([]byte, error) {
	if strings.IndexByte(command, 0) >= 0 {
		return nil, fmt.Errorf("gencmd %q: contains a NUL byte", command)
	}
	if len(command)+1 >= MaxString {
		return nil, fmt.Errorf("gencmd command is %d B: at most %d", len(command), MaxString-2)
	}
	buf := make([]byte, MessageSize)
	le.PutUint32(buf[0:], MessageSize)
	le.PutUint32(buf[4:], codeRequest)
	le.PutUint32(buf[8:], TagGetGencmdResult)
	le.PutUint32(buf[12:], MaxString)
	le.PutUint32(buf[16:], 0) // request length
	le.PutUint32(buf[20:], 0) // gencmd error, set by the firmware
	copy(buf[headerWords*4:], command)
	// The command's NUL and the rest of the value buffer are already zero;
	// so is the end tag.
	return buf, nil
}

// Errors a response can carry.
var (
	ErrNotProcessed = errors.New("the firmware did not process the mailbox request")
	ErrParse        = errors.New("the firmware could not parse the mailbox request")
)

// GencmdError is a command the VideoCore ran and refused (vcgencmd prints
// "vc_gencmd_read_response returned N" and exits with N).
type GencmdError struct {
	Code   uint32
	Result string
}

func (e *GencmdError) Error() string {
	if e.Result != "" {
		return fmt.Sprintf("VideoCore returned error %d: %s", e.Code, e.Result)
	}
	return fmt.Sprintf("VideoCore returned error %d", e.Code)
}

// Decode reads the firmware's answer from a buffer Encode made: the result
// text (up to its NUL, without a trailing newline), or the reason there is
// none.
func Decode(buf []byte) (string, error) {
	if len(buf) < MessageSize {
		return "", fmt.Errorf("mailbox response is %d B, want %d", len(buf), MessageSize)
	}
	switch code := le.Uint32(buf[4:]); code {
	case codeSuccess:
	case codeRequest:
		return "", ErrNotProcessed
	case codeParseError:
		return "", ErrParse
	default:
		return "", fmt.Errorf("mailbox response code 0x%08x", code)
	}
	if tag := le.Uint32(buf[8:]); tag != TagGetGencmdResult {
		return "", fmt.Errorf("mailbox response carries tag 0x%08x, want 0x%08x", tag, TagGetGencmdResult)
	}
	if le.Uint32(buf[16:])&responseBit == 0 {
		return "", fmt.Errorf("the firmware did not answer the gencmd tag: %w", ErrNotProcessed)
	}
	val := buf[headerWords*4 : headerWords*4+MaxString]
	if i := bytes.IndexByte(val, 0); i >= 0 {
		val = val[:i]
	}
	result := strings.TrimRight(string(val), "\n")
	if e := le.Uint32(buf[20:]); e != 0 {
		return result, &GencmdError{Code: e, Result: result}
	}
	return result, nil
}
