package sim

import "fmt"

// runHailortcli renders HailoRT's command-line tool on the simulated board.
func (b *Board) runHailortcli(args []string) ([]byte, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("hailortcli: a subcommand is required")
	}
	b.mu.Lock()
	pcie := b.state.PCIe
	b.mu.Unlock()
	switch args[0] {
	case "scan":
		if pcie == nil {
			return []byte("Hailo devices not found\n"), nil
		}
		return []byte(fmt.Sprintf("Hailo Devices:\n[-] Device: %s\n", pcie.Address)), nil
	}
	return nil, fmt.Errorf("hailortcli %s: not simulated", args[0])
}
