package i2c

import "periph.io/x/conn/v3/physic"

// busAdapter gives recordingBus periph's SetSpeed signature.
type busAdapter struct{ *recordingBus }

func (busAdapter) SetSpeed(physic.Frequency) error { return nil }
