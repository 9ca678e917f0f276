#!/usr/bin/env python3
"""Generates the Pi 5 root filesystem fixtures in this directory (see README.md).

Run from anywhere: python3 testdata/rootfs/gen.py. It rewrites every fixture
directory it names (not README.md or the plan files here); the output is plain
files kept in git, so edit this script and rerun rather than editing a tree.
"""
import os, shutil, struct
ROOT = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(ROOT))
def repo(*p): return os.path.join(REPO, *p)

def stock_dtbo():
    hdr, rsv, st = 40, 16, 16
    b = bytearray(hdr+rsv+st)
    def put(o,v): struct.pack_into('>I', b, o, v)
    put(0,0xd00dfeed); put(4,len(b)); put(8,hdr+rsv); put(12,len(b)); put(16,hdr); put(20,17); put(24,16); put(32,0); put(36,st)
    put(hdr+rsv,1); put(hdr+rsv+8,2); put(hdr+rsv+12,9)
    return bytes(b)

# Stock bookworm config.txt, with the test station's I2C buses on (i2c_arm as
# /dev/i2c-1, i2c_vc = HAT ID pins 27/28 as /dev/i2c-0) on the stock i2c_arm
# line, so line numbers stay stock (overlay tests quote config.txt:54).
CONFIG_BOOKWORM = """# For more options and information see
# http://rptl.io/configtxt
# Some settings may impact device functionality. See link above for details

# Uncomment some or all of these to enable the optional hardware interfaces
dtparam=i2c_arm=on,i2c_vc=on
#dtparam=i2s=on
#dtparam=spi=on

# Enable audio (loads snd_bcm2835)
dtparam=audio=on

# Additional overlays and parameters are documented
# /boot/firmware/overlays/README

# Automatically load overlays for detected cameras
camera_auto_detect=1

# Automatically load overlays for detected DSI displays
display_auto_detect=1

# Automatically load initramfs files, if found
auto_initramfs=1

# Enable DRM VC4 V3D driver
dtoverlay=vc4-kms-v3d
max_framebuffers=2

# Don't have the firmware create an initial video= setting in cmdline.txt.
# Use the kernel's default instead.
disable_fw_kms_setup=1

# Run in 64-bit mode
arm_64bit=1

# Disable compensation for displays with overscan
disable_overscan=1

# Run as fast as firmware / board allows
arm_boost=1

[cm4]
# Enable host mode on the 2711 built-in XHCI USB controller.
# This line should be removed if the legacy DWC2 controller is required
# (e.g. for USB device mode) or if USB support is not required.
otg_mode=1

[cm5]
dtoverlay=dwc2,dr_mode=host

[all]
"""
# The AI HAT+ 2 needs no config.txt line (the firmware sets a HAT+ up from its
# EEPROM); many boards keep dtparam=pciex1 from the M.2 HAT+ / NVMe guides,
# which is harmless.
HAT_TAIL = """# external PCIe port (kept from the M.2 HAT+ guide)
dtparam=pciex1
"""
# Raspberry Pi OS's stock config.txt exactly as shipped (pi-gen tag
# 2025-05-13-raspios-bookworm-arm64), from the real-capture corpus.
CONFIG_STOCK = open(repo('testdata/captures/config.txt/raspios-bookworm-2025-05-13.txt')).read()

EEPROM = open(repo('testdata/eeprom/aihat2-hatplus-padded4k.eep'),'rb').read()
PMIC = open(repo('testdata/power/pmic-jfikar-loaded.txt'),'rb').read()
PMIC_SOURCE = open(repo('testdata/power/pmic-jfikar-loaded.txt.SOURCE'),'rb').read()

def i2cdetect(cells):
    """An `i2cdetect -y N` map: cells maps an address to "UU" or its own hex."""
    out = ['     0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f']
    for base in range(0, 0x80, 0x10):
        row = '%02x:' % base
        for a in range(base, base + 16):
            if a < 0x08 or a > 0x77:  # i2cdetect -y scans 0x08-0x77
                row += '   '
            else:
                row += ' ' + cells.get(a, '--')
        out.append(row + ' ')
    return '\n'.join(out) + '\n'

def w(root, p, data, mode=None):
    full = os.path.join(root, p)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    if isinstance(data, str): data = data.encode()
    open(full,'wb').write(data)

MODULES_BASE = ["rp1_pio","i2c_dev","pwm_fan","raspberrypi_hwmon","snd_soc_hdmi_codec","v3d","vc4","cfg80211","brcmfmac"]

def tree(name, kernel, modver, devnode, addr, dtroot, pcie_node, config, link="8.0 GT/s PCIe", module_loaded=True,
         hat=True, devdesc="type=char mode=0666 uid=0 gid=0 major=511 minor=0", hatproduct="AI HAT+ 2", readme="", dtgen=3,
         pcie_status='okay', device=True):
    root = os.path.join(ROOT, name)
    if os.path.exists(root): shutil.rmtree(root)
    dt = dtroot + '/'
    w(root, dt+'model', 'Raspberry Pi 5 Model B Rev 1.1\0')
    w(root, dt+'compatible', 'raspberrypi,5-model-b\0brcm,bcm2712\0')
    w(root, dt+'serial-number', 'd83add1f2c4e9b07\0')
    w(root, dt+'chosen/power/max_current', struct.pack('>I', 5000))
    pn = dt + 'axi/' + pcie_node + '/'
    w(root, pn+'compatible', 'brcm,bcm2712-pcie\0')
    w(root, pn+'status', pcie_status+'\0')
    w(root, pn+'max-link-speed', struct.pack('>I', dtgen))
    w(root, pn+'num-lanes', struct.pack('>I', 1))
    w(root, pn+'name', 'pcie\0')
    if hat:
        w(root, dt+'hat/name', 'hat\0')
        w(root, dt+'hat/vendor', 'Raspberry Pi Ltd\0')
        w(root, dt+'hat/product', hatproduct+'\0')
        w(root, dt+'hat/product_id', '0x0010\0')
        w(root, dt+'hat/product_ver', '0x0002\0')
        w(root, dt+'hat/uuid', '5f3c2a10-8e44-4d6b-9a1f-0c2b7e9d4a31\0')
    w(root, 'boot/firmware/config.txt', config)
    w(root, 'boot/firmware/overlays/vc4-kms-v3d-pi5.dtbo', stock_dtbo())
    w(root, 'boot/firmware/overlays/dwc2.dtbo', stock_dtbo())
    w(root, 'proc/sys/kernel/osrelease', kernel+'\n')
    mods = list(MODULES_BASE)
    if module_loaded: mods.insert(0, 'hailo1x_pci')
    lines = []
    for i, m in enumerate(sorted(mods)):
        lines.append('%s %d 0 - Live 0xffffffc0%08x' % (m, 16384*(i+2), 0x13c0000+i*0x10000))
    w(root, 'proc/modules', '\n'.join(lines)+'\n')
    w(root, 'lib/modules/%s/modules.dep' % kernel, 'kernel/drivers/hwmon/raspberrypi-hwmon.ko.xz:\n' + ('updates/dkms/hailo1x_pci.ko.xz:\n' if module_loaded else ''))
    w(root, 'lib/modules/%s/kernel/drivers/hwmon/raspberrypi-hwmon.ko.xz' % kernel, b'')
    if module_loaded:
        w(root, 'lib/modules/%s/updates/dkms/hailo1x_pci.ko.xz' % kernel, b'')
    else:
        w(root, 'lib/modules/6.6.74+rpt-rpi-2712/updates/dkms/hailo1x_pci.ko.xz', b'')
    if module_loaded:
        w(root, 'sys/module/hailo1x_pci/initstate', 'live\n')
        w(root, 'sys/module/hailo1x_pci/version', modver+'\n')
    pci = 'sys/bus/pci/devices/'
    rc = addr.split(':')[0] + ':00:00.0'
    w(root, pci+rc+'/vendor', '0x14e4\n'); w(root, pci+rc+'/device', '0x2712\n'); w(root, pci+rc+'/class', '0x060400\n')
    if addr and device:
        d = pci+addr+'/'
        w(root, d+'vendor', '0x1e60\n'); w(root, d+'device', '0x45c4\n'); w(root, d+'class', '0x120000\n')
        w(root, d+'current_link_speed', link+'\n'); w(root, d+'current_link_width', '1\n')
        w(root, d+'max_link_speed', '8.0 GT/s PCIe\n'); w(root, d+'max_link_width', '1\n')
        ue = ('DRIVER=hailo1x_pci\n' if module_loaded else '') + 'PCI_CLASS=120000\nPCI_ID=1E60:45C4\nPCI_SUBSYS_ID=1E60:45C4\nPCI_SLOT_NAME=%s\nMODALIAS=pci:v00001E60d000045C4sv00001E60sd000045C4bc12sc00i00\n' % addr
        w(root, d+'uevent', ue)
    w(root, 'etc/group', 'root:x:0:\nvideo:x:44:pi\ngpio:x:997:pi\ni2c:x:998:pi\npi:x:1000:\n')
    w(root, 'etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n')
    if devnode and module_loaded and addr and device:
        w(root, '.aihat/dev/'+devnode, devdesc+'\n')
    w(root, '.aihat/cmd/vcgencmd_version', 'Jun  4 2025 10:27:57 \nCopyright (c) 2012 Broadcom\nversion 4ee9c8f0 (release) (embedded)\n')
    # The HAT's ID EEPROM as the kernel's at24 driver presents it (the
    # whole 24C32); at24 claims 0x50, so i2cdetect shows it as UU.
    w(root, 'sys/bus/i2c/devices/0-0050/name', '24c32\n')
    w(root, 'sys/bus/i2c/devices/0-0050/eeprom', EEPROM)
    w(root, '.aihat/i2c/i2c-0.i2cdetect', i2cdetect({0x50: 'UU'}))
    # i2c_arm: nothing fitted (a station without the INA226 monitor).
    w(root, '.aihat/i2c/i2c-1.i2cdetect', i2cdetect({}))
    # Power: the real PMIC capture, no throttling, rpi_volt alarm clear.
    w(root, '.aihat/cmd/vcgencmd_pmic_read_adc', PMIC)
    w(root, '.aihat/cmd/vcgencmd_pmic_read_adc.SOURCE', PMIC_SOURCE)
    w(root, '.aihat/cmd/vcgencmd_get_throttled', 'throttled=0x0\n')
    w(root, 'sys/class/hwmon/hwmon2/name', 'rpi_volt\n')
    w(root, 'sys/class/hwmon/hwmon2/in0_lcrit_alarm', '0\n')
    w(root, 'sys/class/thermal/thermal_zone0/type', 'cpu-thermal\n')
    w(root, 'sys/class/thermal/thermal_zone0/temp', '52150\n')
    w(root, '.aihat/user', 'name=pi uid=1000 gids=1000,44,997,998\n')
    if readme:
        # The Fails: line is read by pkg/bringup's fixture test: what a full
        # bringup with --plan ../../power/pmic-only.yaml fails (step/measurement CODE).
        w(root, 'FIXTURE.md', readme + '\nFails: ' + FAILS[name] + '\n')

FAILS = {
    'healthy-6.12': 'none',
    'healthy-6.6': 'none',
    'stock-config': 'none',
    'pciex1-under-pi4': 'overlay.check/dt.pcie1.status DT_NODE_DISABLED, driver.check/pcie.present PCIE_LINK_DOWN',
    'pciex1-gen2-line': 'overlay.check/dtparam.pciex1_gen CONFIG_CONFLICT, driver.check/pcie.link_speed PCIE_LINK_SLOW',
    'driver-not-loaded': 'driver.check/module.loaded DRIVER_NOT_LOADED',
    'devnode-root-only': 'driver.check/devnode.accessible DEVNODE_PERMS',
    'pcie-gen2': 'driver.check/pcie.link_speed PCIE_LINK_SLOW',
    'pcie-gen2-dt-capped': 'driver.check/pcie.link_speed PCIE_LINK_SLOW',
    'no-hat-node': 'overlay.check/hat.present HAT_NODE_MISSING',
}

K612 = '6.12.47+rpt-rpi-2712'
K66 = '6.6.74+rpt-rpi-2712'
P612 = ('proc/device-tree', 'pcie@1000110000')

tree('healthy-6.12', K612, '5.3.0', 'h1x-0', '0001:01:00.0', *P612, CONFIG_BOOKWORM+HAT_TAIL,
     readme='Raspberry Pi OS bookworm, kernel 6.12, hailo1x_pci 5.3 (/dev/h1x-0), AI HAT+ 2 at 0001:01:00.0, Gen 3 x1. Every check passes.\n')
tree('healthy-6.6', K66, '5.1.1', 'hailo0', '0000:01:00.0', 'sys/firmware/devicetree/base', 'pcie@110000',
     CONFIG_BOOKWORM + "include hailo.txt\n", devdesc="type=char mode=0660 uid=0 gid=44 major=508 minor=0",
     readme='Raspberry Pi OS bookworm, kernel 6.6, hailo1x_pci 5.1 (/dev/hailo0, group video 0660), device at 0000:01:00.0 (older numbering), live tree only under sys/firmware/devicetree/base with the older node name pcie@110000, HAT lines in an included file with the AI Kit habit dtparam=pciex1_gen=3. Every check passes.\n')
w(os.path.join(ROOT,'healthy-6.6'), 'boot/firmware/hailo.txt', "[pi5]\n# copied from the AI Kit guide\ndtparam=pciex1\ndtparam=pciex1_gen=3\n[all]\n")

tree('stock-config', K612, '5.3.0', 'h1x-0', '0001:01:00.0', *P612, CONFIG_STOCK,
     readme='Raspberry Pi OS bookworm with its stock config.txt exactly as shipped (testdata/captures/config.txt/raspios-bookworm-2025-05-13.txt): no dtoverlay and no dtparam=pciex1 for the AI HAT+ 2, which the firmware sets up from its EEPROM; the live tree has pcie1 okay at Gen 3 and the hat node, the link is up at 8.0 GT/s. Every check passes.\n')
tree('pciex1-under-pi4', K612, '5.3.0', 'h1x-0', '0001:01:00.0', *P612,
     CONFIG_BOOKWORM + "[pi4]\n# external PCIe port\ndtparam=pciex1\n[all]\n", pcie_status='disabled', device=False,
     readme='The firmware did not enable the external PCIe port from the HAT\'s EEPROM (firmware older than the HAT), and the dtparam=pciex1 added by hand sits under [pi4], which does not apply to a Pi 5: pcie1 is "disabled" in the live tree and no device is on the bus. overlay.check fails DT_NODE_DISABLED naming the line (config.txt:54, move it under [all]); driver.check fails PCIE_LINK_DOWN.\n')
tree('pciex1-gen2-line', K612, '5.3.0', 'h1x-0', '0001:01:00.0', *P612, CONFIG_BOOKWORM + "dtparam=pciex1\ndtparam=pciex1_gen=2\n",
     link='5.0 GT/s PCIe', dtgen=2,
     readme='config.txt sets dtparam=pciex1_gen=2 (a habit from NVMe guides), so the live tree caps pcie1 at Gen 2 and the link trains at 5.0 GT/s: overlay.check fails CONFIG_CONFLICT naming the line (config.txt:53: remove it), driver.check fails PCIE_LINK_SLOW.\n')
tree('driver-not-loaded', K612, '5.3.0', 'h1x-0', '0001:01:00.0', *P612, CONFIG_BOOKWORM+HAT_TAIL, module_loaded=False,
     readme='Kernel upgraded to 6.12 but hailo1x_pci was built for the old kernel: the module is not loaded, no device node: DRIVER_NOT_LOADED.\n')
tree('devnode-root-only', K612, '5.3.0', 'h1x-0', '0001:01:00.0', *P612, CONFIG_BOOKWORM+HAT_TAIL,
     devdesc="type=char mode=0600 uid=0 gid=0 major=511 minor=0",
     readme='/dev/h1x-0 is crw------- root:root (no udev rule): DEVNODE_PERMS.\n')
tree('pcie-gen2', K612, '5.3.0', 'h1x-0', '0001:01:00.0', *P612, CONFIG_BOOKWORM+HAT_TAIL, link='5.0 GT/s PCIe',
     readme='The link trained at Gen 2 (5.0 GT/s) though the device tree allows Gen 3 (a marginal cable): PCIE_LINK_SLOW (marginal with driver.gen2: marginal).\n')
tree('pcie-gen2-dt-capped', K612, '5.3.0', 'h1x-0', '0001:01:00.0', *P612, CONFIG_BOOKWORM+HAT_TAIL, link='5.0 GT/s PCIe', dtgen=2,
     readme='The link trained at Gen 2 because the live device tree caps pcie1 at Gen 2 (max-link-speed = <2>, older firmware that did not apply Gen 3): PCIE_LINK_SLOW, remedy dtparam=pciex1_gen=3.\n')
tree('no-hat-node', K612, '5.3.0', 'h1x-0', '0001:01:00.0', *P612, CONFIG_BOOKWORM+HAT_TAIL+"force_eeprom_read=0\n", hat=False,
     readme='config.txt sets force_eeprom_read=0, so the firmware wrote no hat node: HAT_NODE_MISSING.\n')
