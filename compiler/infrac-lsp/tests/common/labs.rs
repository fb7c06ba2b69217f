//! A two-file lab with a hypervisor, a pool, two guests and stdlib hardware.

pub const NETS: &str = "## Servers.
network lan {
  bridge  = vmbr0
  ipv4    = 192.168.10.0/24
  gateway = 192.168.10.1
}
";

pub const LAB: &str = "import \"./nets.infra\"
import \"std/hardware/dell\"
import \"std/hardware/intel\"
import \"std/hardware/memory\"

## The only hypervisor.
host pve {
  hardware = dell.r730 {
    cpus  = 2 * intel.xeon_e5_2690_v4
    dimms = 4 * memory.ddr4-2400-rdimm-32gib
  }
  platform = proxmox
  nic eno1 { speed = 10G }
  bridge vmbr0 { ports = [eno1] }
  storage local-lvm { kind = lvmthin, size = 500GiB }
}

## The web server.
vm web 100 on pve {
  os     = os.debian-12-vm
  cores  = 2
  memory = 2GiB
  disk   = 32GiB on local-lvm
  nic lan { ip = host(lan.ipv4, 61) }
}

vm db 101 on pve {
  os     = os.debian-12-vm
  cores  = 2
  memory = 4GiB
  disk   = 64GiB on local-lvm
  nic lan { ip = 192.168.10.62 }
}
";

/// A lab in one file: a hypervisor, a network and two guests.
pub const ONE_FILE: &str = "import \"std/hardware/dell\"

host pve {
  nic eno1 { speed = 10G }
  bridge vmbr0 { ports = [eno1] }
}

network lan {
  bridge  = vmbr0
  ipv4    = 192.168.10.0/24
  gateway = 192.168.10.1
  dhcp    = 192.168.10.2..192.168.10.9
}

vm web 100 on pve {
  cores  = 2
  memory = 2GiB
  nic lan { ip = 192.168.10.10 }
}

vm db 101 on pve {
  cores  = 2
  memory = 4GiB
  nic lan {}
}
";
