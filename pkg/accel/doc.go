// Package accel holds what is known about the accelerator on the board,
// read from the board's filesystem: the device on the PCI bus (vendor,
// device, bound driver, trained link), the link speed the plan asks for,
// and its device node under /dev (a character device, its mode and owner,
// and whether the invoking user may open it). driver.check judges these
// facts; overlay.check and the load test's health checks read them too.
// It makes no verdicts and knows no stage.
package accel
