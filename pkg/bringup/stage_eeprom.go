package bringup

import "github.com/aihat/aihat/pkg/eeprom"

func init() {
	register("eeprom.verify", eeprom.VerifyStage)
}
