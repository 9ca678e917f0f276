package rooted

import (
	"strconv"
	"syscall"
)

func setUmask(m int) int { return syscall.Umask(m) }

func itoa(n int) string { return strconv.Itoa(n) }
