// Package pipower reads the Raspberry Pi 5's power figures as the board
// prints them: vcgencmd pmic_read_adc (rails' volts and amps), get_throttled
// (under-voltage, capping, throttling, now and since boot), and the hwmon
// power monitors (INA2xx) and rpi_volt alarm. Both the power stages and the
// telemetry sampler use it; it knows no stage.
package pipower
