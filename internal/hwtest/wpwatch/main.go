// Command wpwatch runs inside the QEMU hardware-test guest next to
// `aihat eeprom write`: it watches one GPIO line's info through the
// kernel's line-info watch (GPIO_V2_GET_LINEINFO_WATCH_IOCTL, queued by the
// kernel, so no request or release is missed) and, as each change arrives,
// reads the level gpio-sim reports for the line. It prints one line per
// change:
//
//	requested consumer=aihat direction=output level=0
//	released consumer= direction=input level=1
//
// until it is killed. Usage: wpwatch CHIP OFFSET SIM_VALUE_FILE.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/warthog618/go-gpiocdev"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: wpwatch CHIP OFFSET SIM_VALUE_FILE")
		os.Exit(64)
	}
	offset, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fmt.Fprintf(os.Stderr, "wpwatch: offset %q: %v\n", os.Args[2], err)
		os.Exit(64)
	}
	valueFile := os.Args[3]
	c, err := gpiocdev.NewChip(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "wpwatch: open %s: %v\n", os.Args[1], err)
		os.Exit(2)
	}
	defer c.Close()
	level := func() string {
		b, err := os.ReadFile(valueFile)
		if err != nil {
			return "?(" + err.Error() + ")"
		}
		return strings.TrimSpace(string(b))
	}
	events := make(chan string, 64)
	info, err := c.WatchLineInfo(offset, func(e gpiocdev.LineInfoChangeEvent) {
		// Read the level first: the event is handled as soon as it is
		// queued, while the requester still holds the line.
		l := level()
		events <- fmt.Sprintf("%s consumer=%s direction=%s level=%s", kind(e.Type), e.Info.Consumer, direction(e.Info), l)
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "wpwatch: watch %s line %d: %v\n", os.Args[1], offset, err)
		os.Exit(2)
	}
	fmt.Printf("watching %s line %d consumer=%s direction=%s level=%s\n", os.Args[1], offset, info.Consumer, direction(info), level())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	for {
		select {
		case s := <-events:
			fmt.Println(s)
		case <-stop:
			for {
				select {
				case s := <-events:
					fmt.Println(s)
				default:
					return
				}
			}
		}
	}
}

func kind(t gpiocdev.LineInfoChangeType) string {
	switch t {
	case gpiocdev.LineRequested:
		return "requested"
	case gpiocdev.LineReleased:
		return "released"
	case gpiocdev.LineReconfigured:
		return "reconfigured"
	}
	return fmt.Sprintf("event%d", t)
}

func direction(i gpiocdev.LineInfo) string {
	if i.Config.Direction == gpiocdev.LineDirectionOutput {
		return "output"
	}
	return "input"
}
