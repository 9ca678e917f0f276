package eeprom

import (
	"errors"
	"fmt"
)

// Kinds of problem Decode reports; test with errors.Is(problem, ErrCRC).
var (
	ErrEmpty         = errors.New("no data")
	ErrBlank         = errors.New("blank EEPROM (all 0xFF)")
	ErrSignature     = errors.New(`bad signature (want "R-Pi")`)
	ErrVersion       = errors.New("unknown format version")
	ErrTruncated     = errors.New("runs past the end of the data")
	ErrLength        = errors.New("header length does not match the atoms")
	ErrAtomCount     = errors.New("atom count mismatch")
	ErrCRC           = errors.New("CRC-16 mismatch")
	ErrOrder         = errors.New("atoms out of order")
	ErrDuplicate     = errors.New("duplicate atom")
	ErrMissingVendor = errors.New("no vendor atom")
	ErrAtomType      = errors.New("atom type not allowed")
	ErrAtomData      = errors.New("malformed atom data")
	ErrTrailing      = errors.New("trailing bytes after the image")
)

// Problem is one thing wrong with an image. Atom is the atom's index, or
// -1 for the header and the image as a whole; Offset is in bytes.
type Problem struct {
	Kind   error
	Atom   int
	Offset int
	Detail string
}

func (p *Problem) Error() string {
	where := fmt.Sprintf("offset %d", p.Offset)
	if p.Atom >= 0 {
		where = fmt.Sprintf("atom %d at offset %d", p.Atom, p.Offset)
	}
	if p.Detail == "" {
		return fmt.Sprintf("%s: %v", where, p.Kind)
	}
	return fmt.Sprintf("%s: %v: %s", where, p.Kind, p.Detail)
}

// Unwrap returns the kind, so errors.Is(p, ErrCRC) works.
func (p *Problem) Unwrap() error { return p.Kind }

// Has says whether any problem is of the given kind.
func (im *Image) Has(kind error) bool {
	for _, p := range im.Problems {
		if errors.Is(p, kind) {
			return true
		}
	}
	return false
}
