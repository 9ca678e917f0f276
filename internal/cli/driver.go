package cli

import (
	"fmt"

	"github.com/aihat/aihat/pkg/accel"
	"github.com/aihat/aihat/pkg/driver"
	"github.com/spf13/cobra"
)

// DriverUnitOptions are `aihat driver systemd-unit`'s flags.
type DriverUnitOptions struct {
	driver.UnitOptions
}

func newCmdDriver(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "driver",
		Short: "Kernel driver, PCIe link and device node checks",
	}
	cmd.AddCommand(newCmdDriverCheck(f), newCmdDriverUdevRule(f), newCmdDriverSystemdUnit(f))
	return cmd
}

// newCmdDriverCheck builds `driver check`: the table's driver.check.
func newCmdDriverCheck(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Check the kernel module, the PCIe link and the device node (step driver.check)",
		Long: `Check that the kernel module the plan names is loaded (and record its version and the
running kernel), that the accelerator enumerated on PCIe (found by vendor/device id) with
the expected link speed and width, and that its device node (/dev/h1x-0 with driver 5.3,
/dev/hailo0 with 5.1-5.2) is a character device the invoking user can open.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.Session().RunStage(cmd.Context(), "driver.check", nil)
		},
	}
}

// newCmdDriverUdevRule builds `driver udev-rule`.
func newCmdDriverUdevRule(f *Factory) *cobra.Command {
	udev := &cobra.Command{
		Use:   "udev-rule",
		Short: "Print the udev rule that gives the device node the plan's mode and group",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := f.Session().Plan()
			if err != nil {
				return err
			}
			rule, err := driver.UdevRule(p)
			if err != nil {
				return fmt.Errorf("udev rule: %w", err)
			}
			_, err = fmt.Fprint(f.IO.Out, rule)
			return err
		},
	}
	addTextOutput(udev, "")
	return udev
}

// newCmdDriverSystemdUnit builds `driver systemd-unit`.
func newCmdDriverSystemdUnit(f *Factory) *cobra.Command {
	opts := &DriverUnitOptions{}
	unit := &cobra.Command{
		Use:   "systemd-unit",
		Short: "Print a systemd unit for an inference service that uses the accelerator",
		Long: `Print a systemd unit for an inference service: a plain binary (--exec) or a container
(--image, run with podman or docker) given the device node (--device; default: the node
present on the target, else the plan's first). The unit loads the plan's kernel module
and starts once the node exists.`,
		Example: `  aihat driver systemd-unit --exec "/usr/local/bin/detect --hef /opt/models/yolov8s.hef" --user pi
  aihat driver systemd-unit --image ghcr.io/example/infer:1.0 --device /dev/h1x-0`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := f.Session().Plan()
			if err != nil {
				return err
			}
			o := opts.UnitOptions
			if (o.Exec == "") == (o.Image == "") {
				return usageErrorf("give exactly one of --exec (a plain binary) or --image (a container)")
			}
			if len(o.Devices) == 0 {
				o.Devices = []string{defaultDevice(f)}
			}
			if o.Runtime != "" && o.Runtime != "podman" && o.Runtime != "docker" {
				return usageErrorf("--runtime %q: choose podman or docker", o.Runtime)
			}
			text, err := driver.SystemdUnit(p, o)
			if err != nil {
				return usageErrorf("%v", err)
			}
			_, err = fmt.Fprint(f.IO.Out, text)
			return err
		},
	}
	fl := unit.Flags()
	fl.StringVar(&opts.Name, "name", "hailo-inference", "unit name (without .service)")
	fl.StringVar(&opts.Exec, "exec", "", "command line of the service's binary (absolute path)")
	fl.StringVar(&opts.Image, "image", "", "container image to run instead of a binary")
	fl.StringVar(&opts.Runtime, "runtime", "podman", "container runtime: podman or docker")
	fl.StringArrayVar(&opts.Args, "arg", nil, "argument after the image in the container's command (repeatable)")
	fl.StringArrayVar(&opts.Devices, "device", nil, "device node to give the service (repeatable; default: the one on the target)")
	fl.StringVar(&opts.User, "user", "", "user to run a plain binary as (default root)")
	addTextOutput(unit, "")
	return unit
}

// defaultDevice is the plan's device node that exists on the target, or
// the plan's first when the target has none (or cannot be opened).
func defaultDevice(f *Factory) string {
	p, err := f.Session().Plan()
	if err != nil || len(p.Driver.DevNodes) == 0 {
		return "/dev/h1x-0"
	}
	if b, err := f.Session().Board(); err == nil {
		for _, s := range p.Driver.DevNodes {
			if n := accel.StatNode(b.FS(), s.Name); n.Exists {
				return "/" + n.Path
			}
		}
	}
	fmt.Fprintf(f.IO.ErrOut, "notice: no device node of the plan on the target; using /dev/%s (--device to choose)\n", p.Driver.DevNodes[0].Name)
	return "/dev/" + p.Driver.DevNodes[0].Name
}
