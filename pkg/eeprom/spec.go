package eeprom

import "github.com/aihat/aihat/pkg/stage"

// VerifySpec is eeprom.verify as a stage value for the stage table.
func VerifySpec() stage.Stage {
	return stage.Stage{
		Name:    "eeprom.verify",
		Summary: "the HAT+ ID EEPROM decodes cleanly, every atom CRC holds, the format is HAT+ (2); identity recorded or judged by the plan",
		Section: "hat",
		Measures: []string{"present", "image.problems", "image.bytes", "image.crc_errors", "format_version",
			"vendor", "product", "product_id", "product_ver", "uuid", "overlay", "dt.*"},
		Run: VerifyStage(VerifyOptions{}),
	}
}
