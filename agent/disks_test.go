package agent

import "testing"

func TestWholeDiskRule(t *testing.T) {
	tests := []struct {
		dev  blockDevice
		want bool
	}{
		{blockDevice{"sda", "../devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda"}, true},
		{blockDevice{"vda", "../devices/pci0000:00/0000:00:02.0/virtio1/block/vda"}, true},
		{blockDevice{"xvda", "../devices/vbd-51712/block/xvda"}, true},
		{blockDevice{"mmcblk0", "../devices/platform/soc/mmc0/mmc_host/mmc0/mmc0:0001/block/mmcblk0"}, true},
		{blockDevice{"nvme0n1", "../devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1"}, true},
		{blockDevice{"nvme0c0n1", "../devices/pci0000:00/0000:00:1d.0/nvme/nvme0/nvme0c0n1"}, false},
		{blockDevice{"loop3", "../devices/virtual/block/loop3"}, false},
		{blockDevice{"ram0", "../devices/virtual/block/ram0"}, false},
		{blockDevice{"zram0", "../devices/virtual/block/zram0"}, false},
		{blockDevice{"dm-0", "../devices/virtual/block/dm-0"}, false},
		{blockDevice{"md0", "../devices/virtual/block/md0"}, false},
		{blockDevice{"nbd0", "../devices/virtual/block/nbd0"}, false},
		{blockDevice{"sr0", "../devices/pci0000:00/0000:00:17.0/ata2/host1/target1:0:0/1:0:0:0/block/sr0"}, false},
		{blockDevice{"fd0", "../devices/platform/floppy.0/block/fd0"}, false},
		{blockDevice{"sdb", ""}, true}, // no link (old sysfs): name rules only
		{blockDevice{"loop0", ""}, false},
	}
	for _, tt := range tests {
		if got := isWholeDisk(tt.dev); got != tt.want {
			t.Errorf("isWholeDisk(%s -> %s) = %v, want %v", tt.dev.Name, tt.dev.Target, got, tt.want)
		}
	}
}
