package sim

import (
	"io/fs"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
)

func TestDeviceTreeIsAlsoUnderSysFirmware(t *testing.T) {
	b := newBoard(t)
	for _, p := range []string{"model", "hat/product", "axi/pcie@1000110000/compatible", "chosen/power/max_current"} {
		if a, s := read(t, b, "proc/device-tree/"+p), read(t, b, "sys/firmware/devicetree/base/"+p); a != s {
			t.Errorf("%s differs: %q vs %q", p, a, s)
		}
	}
	if err := fstest.TestFS(b.FS(), "sys/firmware/devicetree/base/model", "sys/bus/pci/devices/0001:01:00.0/uevent",
		"boot/firmware/overlays/vc4-kms-v3d-pi5.dtbo"); err != nil {
		t.Fatal(err)
	}
}

func TestPCIUeventNamesTheBoundDriver(t *testing.T) {
	ue := read(t, newBoard(t), "sys/bus/pci/devices/0001:01:00.0/uevent")
	if !strings.HasPrefix(ue, "DRIVER=hailo1x_pci\n") || !strings.Contains(ue, "PCI_ID=1E60:45C4\n") {
		t.Fatalf("uevent = %q", ue)
	}
	if ue := read(t, newBoard(t, "driver-missing"), "sys/bus/pci/devices/0001:01:00.0/uevent"); strings.Contains(ue, "DRIVER=") {
		t.Fatalf("unbound device's uevent = %q", ue)
	}
}

func TestStockOverlaysAreDeviceTreeBlobs(t *testing.T) {
	d := stockDTBO()
	if len(d) < 40 || string(d[:4]) != "\xd0\x0d\xfe\xed" || int(d[7]) != len(d) {
		t.Fatalf("stock dtbo = % x", d)
	}
}

func TestOverlayFaultsChangeWhatTheBoardPresents(t *testing.T) {
	dm := newBoard(t, "overlay-dtbo-missing")
	if _, err := fs.Stat(dm.FS(), "boot/firmware/overlays/pineboards-hat-ai.dtbo"); err == nil {
		t.Error("overlay-dtbo-missing installed the dtbo")
	}
	if c := read(t, dm, "boot/firmware/config.txt"); !strings.HasSuffix(c, "\ndtoverlay=pineboards-hat-ai\n") {
		t.Error("overlay-dtbo-missing added no dtoverlay line")
	}
	if c := read(t, newBoard(t, "config-malformed"), "boot/firmware/config.txt"); !strings.Contains(c, "\nenable_uart 1\ndisable-bt\n") {
		t.Error("config-malformed added no malformed line")
	}
	g2 := newBoard(t, "pciex1-gen2")
	if c := read(t, g2, "boot/firmware/config.txt"); !strings.HasSuffix(c, "\ndtparam=pciex1_gen=2\n") {
		t.Error("pciex1-gen2 added no pciex1_gen line")
	}
	if s := read(t, g2, "proc/device-tree/axi/pcie@1000110000/max-link-speed"); s != "\x00\x00\x00\x02" {
		t.Errorf("pciex1-gen2 max-link-speed = % x", s)
	}
	if _, err := fs.Stat(newBoard(t, "dt-node-missing").FS(), "proc/device-tree/axi/pcie@1000110000"); err == nil {
		t.Error("dt-node-missing left the pcie node")
	}
	if p := read(t, newBoard(t, "hat-node-mismatch"), "proc/device-tree/hat/product"); p != "AI HAT+\x00" {
		t.Errorf("hat-node-mismatch product = %q", p)
	}
	fi, err := fs.Stat(newBoard(t, "devnode-perms").FS(), "dev/hailo0")
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); fi.Mode().Perm() != 0o600 || st.Uid != 0 || st.Gid != 0 {
		t.Errorf("devnode-perms: %v %d:%d", fi.Mode(), st.Uid, st.Gid)
	}
	down := newBoard(t, "pcie-link-down")
	if _, err := fs.Stat(down.FS(), "sys/bus/pci/devices/0001:01:00.0"); err == nil {
		t.Error("pcie-link-down left the device on the bus")
	}
	if _, err := fs.Stat(down.FS(), "sys/bus/pci/devices/0001:00:00.0/vendor"); err != nil {
		t.Error("pcie-link-down removed the root port too")
	}
}
