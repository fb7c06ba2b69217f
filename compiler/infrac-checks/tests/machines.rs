//! The check families over machine-centred models built by hand: labs that are not a
//! Proxmox host with guests (bare metal, appliances, overlays, several sites), and the
//! rules that follow roles rather than kinds.

use infrac_diagnostics::{Code, Diagnostic, FileId, Span};
use infrac_model::{
    Bytes, Cluster, Export, ExportRef, Guest, GuestKind, Lease, Mac, Machine, MachineId,
    MachineService, Model, Network, NetworkId, Nic, Overlay, Placement, Platform, PortSpec,
    Protocol, Reserve, Site, SiteId, Spanned, StorageKind, StoragePool, ThinVec, VipProvider, Vmid,
};
use std::cell::Cell;
use std::net::{IpAddr, Ipv4Addr};

/// Hands out a fresh span per call, so every label of a diagnostic can be told apart.
struct Spans(Cell<usize>);

impl Spans {
    fn next(&self) -> Span {
        let n = self.0.get();
        self.0.set(n + 10);
        Span::new(FileId(0), n, n + 5)
    }
    fn at<T>(&self, value: T) -> Spanned<T> {
        Spanned::new(value, self.next())
    }
}

struct Lab {
    model: Model,
    spans: Spans,
}

fn site(name: &str, span: Span) -> Site {
    Site {
        name: name.into(),
        doc: None,
        domain: None,
        domain_span: span,
        asn: None,
        ipv4: None,
        ipv6: None,
        dns: Vec::new(),
        naming: Default::default(),
        span,
    }
}

impl Lab {
    fn new() -> Lab {
        let spans = Spans(Cell::new(0));
        let mut model = Model::default();
        model.sites.push(site("home", spans.next()));
        Lab { model, spans }
    }
    fn site(&mut self, name: &str) -> SiteId {
        let s = site(name, self.spans.next());
        self.model.sites.push(s);
        SiteId(self.model.sites.len() as u32 - 1)
    }
    fn network(&mut self, name: &str, prefix: &str) -> NetworkId {
        let mut n = Network::new(name, SiteId(0), self.spans.next());
        n.ipv4 = prefix.parse().ok().map(|p| self.spans.at(p));
        self.model.networks.push(n);
        NetworkId(self.model.networks.len() as u32 - 1)
    }
    fn net(&mut self, id: NetworkId) -> &mut Network {
        &mut self.model.networks[id.index()]
    }
    fn machine(&mut self, name: &str, platform: Platform) -> MachineId {
        let m = Machine::new(name, platform, SiteId(0), self.spans.next());
        self.model.machines.push(m);
        MachineId(self.model.machines.len() as u32 - 1)
    }
    fn guest(&mut self, name: &str, vmid: u32, host: MachineId) -> MachineId {
        let id = self.machine(name, Platform::Vm);
        let guest = Guest {
            kind: GuestKind::Vm,
            vmid: self.spans.at(Vmid(vmid)),
            host,
            template: None,
            cores: self.spans.at(2),
            sockets: 1,
            memory: self.spans.at(Bytes(4 << 30)),
            balloon: None,
            swap: None,
            disks: ThinVec::new(),
            pci: ThinVec::new(),
            start: true,
            order: None,
            unprivileged: false,
            nesting: false,
            tags: ThinVec::new(),
            cpu: None,
            machine: None,
            bios: None,
            args: None,
        };
        let site = self.model.machine(host).site;
        let m = self.m(id);
        m.guest = Some(guest);
        m.site = site;
        id
    }
    fn m(&mut self, id: MachineId) -> &mut Machine {
        &mut self.model.machines[id.index()]
    }
    /// A NIC on a network, static when `ip` is given.
    fn nic(&mut self, machine: MachineId, network: NetworkId, ip: Option<&str>) {
        let ip = ip
            .and_then(|a| a.parse::<Ipv4Addr>().ok())
            .map(|a| self.spans.at(a));
        let span = self.spans.next();
        self.m(machine).nics.push(Nic {
            name: None,
            doc: None,
            speed: None,
            mac: None,
            network: Some(network),
            ip,
            ip6: None,
            dhcp: ip.is_none(),
            firewall: false,
            wireguard: None,
            span,
        });
    }
    fn service(&mut self, machine: MachineId, name: &str, port: (Protocol, u16)) {
        let span = self.spans.next();
        self.m(machine).services.push(MachineService {
            name: name.into(),
            ports: vec![PortSpec {
                protocol: port.0,
                first: port.1,
                last: port.1,
            }],
            description: None,
            catalogue: None,
            span,
        });
    }
    fn cluster(&mut self, name: &str, servers: &[MachineId], agents: &[MachineId]) -> usize {
        let cluster = Cluster {
            name: name.into(),
            doc: None,
            servers: servers.iter().map(|s| self.spans.at(*s)).collect(),
            agents: agents.iter().map(|a| self.spans.at(*a)).collect(),
            api: None,
            vip: VipProvider::KubeVip,
            version: None,
            pods: self.spans.at("10.42.0.0/16".parse().unwrap_or_default()),
            services: self.spans.at("10.43.0.0/16".parse().unwrap_or_default()),
            pods6: None,
            services6: None,
            ingress_class: "traefik".into(),
            issuers: Vec::new(),
            token: None,
            reserve: Reserve::default(),
            span: self.spans.next(),
        };
        self.model.clusters.push(cluster);
        self.model.clusters.len() - 1
    }
    fn check(&self) -> Vec<Diagnostic> {
        infrac_checks::check(&self.model)
    }
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code.0).collect()
}

fn only(diagnostics: &[Diagnostic], code: Code) -> Vec<&Diagnostic> {
    diagnostics.iter().filter(|d| d.code == code).collect()
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// A router holding the LAN's gateway and serving its DHCP, a LAN with a range.
fn lan_with_router() -> (Lab, NetworkId, MachineId) {
    let mut lab = Lab::new();
    let lan = lab.network("lan", "192.168.50.0/24");
    let gw = lab.spans.at(Ipv4Addr::new(192, 168, 50, 1));
    let range = lab.spans.at((
        Ipv4Addr::new(192, 168, 50, 100),
        Ipv4Addr::new(192, 168, 50, 199),
    ));
    lab.net(lan).gateway = Some(gw);
    lab.net(lan).dhcp = Some(range);
    let router = lab.machine("gw", Platform::Openwrt);
    lab.nic(router, lan, Some("192.168.50.1"));
    (lab, lan, router)
}

#[test]
fn a_lab_without_a_hypervisor_checks_clean() {
    let (mut lab, lan, _) = lan_with_router();
    let node = lab.machine("node1", Platform::Baremetal);
    lab.nic(node, lan, Some("192.168.50.20"));
    let tailnet = lab.network("tailnet", "100.64.0.0/10");
    lab.net(tailnet).overlay = Some(Overlay::Tailscale);
    lab.nic(node, tailnet, Some("100.81.0.20"));
    let d = lab.check();
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn ipam_covers_every_address_of_every_machine() {
    let (mut lab, lan, _) = lan_with_router();
    let nas = lab.machine("nas", Platform::Truenas);
    lab.nic(nas, lan, Some("192.168.50.20"));
    let node = lab.machine("node1", Platform::Baremetal);
    let span = lab.spans.next();
    lab.m(node).addresses.push(Placement {
        address: Spanned::new(ip("192.168.50.20"), span),
        network: lan,
    });
    let d = lab.check();
    let dup = only(&d, Code::DUPLICATE_ADDRESS);
    assert_eq!(dup.len(), 1, "{d:#?}");
    assert_eq!(dup[0].primary.span, span);
    // Two physical machines: neither is a fixed point over the other, so both are parties.
    assert_eq!(dup[0].primary.message, "host node1 has it");
    assert_eq!(
        dup[0].message,
        "address 192.168.50.20 is assigned to both host nas and host node1"
    );
}

#[test]
fn naming_rules_cover_every_machine_and_network() {
    let (mut lab, _, _) = lan_with_router();
    let pattern = lab.spans.at("^[a-z]+[0-9]$".to_string());
    lab.model.sites[0].naming.host = Some(pattern.clone());
    lab.model.sites[0].naming.network = Some(pattern);
    let d = lab.check();
    let rules = only(&d, Code::NAMING_RULE);
    let messages: Vec<&str> = rules.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "network name `lan` breaks the naming rule of site home",
            "host name `gw` breaks the naming rule of site home",
        ]
    );
}

#[test]
fn vmids_are_one_space_per_cluster() {
    let mut lab = Lab::new();
    let pve1 = lab.machine("pve1", Platform::Proxmox);
    let pve2 = lab.machine("pve2", Platform::Proxmox);
    let pve3 = lab.machine("pve3", Platform::Proxmox);
    let pve4 = lab.machine("pve4", Platform::Proxmox);
    let span = Span::default();
    lab.model.pve_clusters.push(infrac_model::pve::PveCluster {
        name: "homelab".into(),
        doc: None,
        nodes: vec![Spanned::new(pve1, span), Spanned::new(pve2, span)],
        links: Vec::new(),
        qdevice: None,
        ha: Vec::new(),
        migration: None,
        ceph: None,
        span,
    });
    lab.guest("a", 100, pve1);
    lab.guest("b", 100, pve2);
    // Standalone hosts each have IDs of their own, even on one site.
    lab.guest("c", 100, pve3);
    lab.guest("d", 100, pve4);
    let d = lab.check();
    let vmids = only(&d, Code::DUPLICATE_VMID);
    assert_eq!(vmids.len(), 1, "{d:#?}");
    assert_eq!(vmids[0].primary.message, "vm b has it");
    assert_eq!(vmids[0].message, "VMID 100 is used by both vm a and vm b");
}

#[test]
fn cluster_nodes_listed_twice_and_clusters_without_servers() {
    let mut lab = Lab::new();
    let pve = lab.machine("pve", Platform::Proxmox);
    let k1 = lab.guest("k1", 100, pve);
    let k2 = lab.guest("k2", 101, pve);
    lab.cluster("twice", &[k1, k1], &[]);
    lab.cluster("both", &[k2], &[k2]);
    lab.cluster("headless", &[], &[k1]);
    let d = lab.check();
    let twice = only(&d, Code::CLUSTER_NODE_TWICE);
    let messages: Vec<&str> = twice.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "node k1 is listed twice in cluster twice",
            "node k2 is both a server and an agent of cluster both",
        ]
    );
    let headless = only(&d, Code::CLUSTER_WITHOUT_SERVER);
    assert_eq!(headless.len(), 1);
    assert_eq!(headless[0].message, "cluster headless has no server");
}

#[test]
fn cluster_allocatable_counts_vcpus_and_each_node_once() {
    let mut lab = Lab::new();
    let pve = lab.machine("pve", Platform::Proxmox);
    let k1 = lab.guest("k1", 100, pve);
    if let Some(g) = &mut lab.m(k1).guest {
        g.sockets = 2;
    }
    let c = lab.cluster("k3s", &[k1, k1], &[]);
    let span = lab.spans.next();
    lab.model.apps.push(infrac_model::App {
        name: "web".into(),
        doc: None,
        cluster: infrac_model::ClusterId(c as u32),
        namespace: "default".into(),
        namespace_span: span,
        image: infrac_model::ImageRef::parse("nginx:1.29").ok(),
        replicas: 1,
        port: None,
        expose: Spanned::new(infrac_model::Expose::ClusterIp, span),
        host: None,
        requests: infrac_model::Resources {
            cpu: Some(Spanned::new(infrac_model::MilliCpu(3500), span)),
            memory: None,
        },
        limits: Default::default(),
        volumes: Vec::new(),
        probe: None,
        env: Vec::new(),
        workload: Default::default(),
        span,
    });
    // 2 cores × 2 sockets = 4 vCPUs, counted once: 3.5 CPUs fit.
    let d = lab.check();
    assert!(only(&d, Code::CLUSTER_BUDGET).is_empty(), "{d:#?}");
    lab.model.apps[0].requests.cpu = Some(Spanned::new(infrac_model::MilliCpu(4500), span));
    let d = lab.check();
    let over = only(&d, Code::CLUSTER_BUDGET);
    assert_eq!(over.len(), 1, "{d:#?}");
    assert_eq!(
        over[0].message,
        "apps in cluster k3s request more CPU than its nodes offer: 4.5 CPUs of 4 CPUs"
    );
}

#[test]
fn overlay_networks_need_no_bridge() {
    let mut lab = Lab::new();
    let pve = lab.machine("pve", Platform::Proxmox);
    let vm = lab.guest("web", 100, pve);
    let tailnet = lab.network("tailnet", "100.64.0.0/10");
    lab.net(tailnet).overlay = Some(Overlay::Tailscale);
    lab.nic(vm, tailnet, Some("100.81.0.2"));
    let plain = lab.network("lan", "192.168.1.0/24");
    lab.nic(vm, plain, Some("192.168.1.2"));
    let d = lab.check();
    let missing = only(&d, Code::BRIDGE_MISSING);
    assert_eq!(missing.len(), 1, "{d:#?}");
    assert!(missing[0].message.contains("network lan"));
}

#[test]
fn named_servers_need_a_static_address_on_their_network() {
    let (mut lab, lan, _) = lan_with_router();
    let pihole = lab.machine("pihole", Platform::Baremetal);
    lab.nic(pihole, lan, None);
    let nas = lab.machine("nas", Platform::Truenas);
    let dhcp_ref = lab.spans.at(pihole);
    let dns_ref = lab.spans.at(nas);
    lab.net(lan).dhcp_server = Some(dhcp_ref);
    lab.net(lan).dns_server = Some(dns_ref);
    let d = lab.check();
    let off = only(&d, Code::SERVER_OFF_NETWORK);
    let messages: Vec<&str> = off.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "the DHCP server pihole of network lan takes its address there by DHCP",
            "the DNS server nas of network lan is not on it with a static address",
        ]
    );
    assert_eq!(off[0].primary.span, dhcp_ref.span);
}

#[test]
fn a_dhcp_range_has_one_server() {
    let mut lab = Lab::new();
    let lan = lab.network("lan", "192.168.50.0/24");
    let range = lab.spans.at((
        Ipv4Addr::new(192, 168, 50, 100),
        Ipv4Addr::new(192, 168, 50, 199),
    ));
    lab.net(lan).dhcp = Some(range);
    let gateway = lab.spans.at(Ipv4Addr::new(192, 168, 50, 1));
    lab.net(lan).gateway = Some(gateway);
    // The gateway is outside the lab (the ISP's router), which may serve the range.
    let d = lab.check();
    assert_eq!(codes(&d), [] as [&str; 0], "{d:#?}");

    // The lab's own router holds the gateway and serves nothing: the range is orphaned.
    let router = lab.machine("router", Platform::Baremetal);
    lab.nic(router, lan, Some("192.168.50.1"));
    let d = lab.check();
    assert_eq!(codes(&d), ["W0410"], "{d:#?}");

    let named = lab.spans.at(router);
    lab.net(lan).dhcp_server = Some(named);
    let pihole = lab.machine("pihole", Platform::Baremetal);
    lab.nic(pihole, lan, Some("192.168.50.2"));
    lab.service(pihole, "dnsmasq", (Protocol::Udp, 67));
    let d = lab.check();
    let two = only(&d, Code::TWO_DHCP_SERVERS);
    assert_eq!(two.len(), 1, "{d:#?}");
    assert_eq!(
        two[0].message,
        "network lan has two DHCP servers: router and pihole"
    );
    assert_eq!(two[0].labels[0].span, named.span);
}

#[test]
fn leases_may_sit_in_the_pool_of_a_served_network() {
    let (mut lab, lan, _) = lan_with_router();
    let server = lab.spans.at(MachineId(0));
    lab.net(lan).dhcp_server = Some(server);
    let mac = |last: u8| Mac([0x02, 0, 0, 0, 0, last]);
    let lease = |lab: &Lab, name: &str, m: Mac, a: [u8; 4]| Lease {
        name: name.into(),
        mac: lab.spans.at(m),
        ip: lab.spans.at(Ipv4Addr::from(a)),
        machine: None,
        span: lab.spans.next(),
    };
    let printer = lease(&lab, "printer", mac(1), [192, 168, 50, 120]);
    let tv = lease(&lab, "tv", mac(2), [192, 168, 50, 120]);
    let phone = lease(&lab, "phone", mac(1), [192, 168, 50, 121]);
    let far = lease(&lab, "far", mac(3), [10, 0, 0, 1]);
    let (tv_span, phone_mac, far_span) = (tv.ip.span, phone.mac.span, far.ip.span);
    lab.net(lan).leases = vec![printer, tv, phone, far];
    // A plain static address inside the pool is still an error.
    let static_host = lab.machine("static", Platform::Baremetal);
    lab.nic(static_host, lan, Some("192.168.50.150"));
    let d = lab.check();
    assert_eq!(codes(&d), ["E0412", "E0418", "E0411", "E0414"], "{d:#?}");
    assert_eq!(only(&d, Code::DUPLICATE_ADDRESS)[0].primary.span, tv_span);
    assert_eq!(only(&d, Code::DUPLICATE_MAC)[0].primary.span, phone_mac);
    assert_eq!(
        only(&d, Code::ADDRESS_OUTSIDE_NETWORK)[0].primary.span,
        far_span
    );
    assert!(only(&d, Code::ADDRESS_IN_DHCP_RANGE)[0]
        .message
        .contains("host static"));
}

#[test]
fn the_api_address_belongs_to_the_servers_network_and_to_no_machine() {
    let (mut lab, lan, _) = lan_with_router();
    let mgmt = lab.network("mgmt", "10.0.0.0/24");
    let n1 = lab.machine("node1", Platform::Baremetal);
    let n2 = lab.machine("node2", Platform::Baremetal);
    lab.nic(n1, lan, Some("192.168.50.20"));
    lab.nic(n2, lan, Some("192.168.50.99"));
    lab.nic(n2, mgmt, Some("10.0.0.2"));
    let c = lab.cluster("k3s", &[n1, n2], &[]);
    let api = lab.spans.at(ip("192.168.50.99"));
    lab.model.clusters[c].api = Some(api);
    let d = lab.check();
    let dup = only(&d, Code::DUPLICATE_ADDRESS);
    assert_eq!(dup.len(), 1, "{d:#?}");
    assert_eq!(
        dup[0].labels[0].span, api.span,
        "the API address is the fixed point"
    );
    assert!(only(&d, Code::CLUSTER_API_OFF_NETWORK).is_empty());

    let api = lab.spans.at(ip("10.0.0.50"));
    lab.model.clusters[c].api = Some(api);
    let d = lab.check();
    let off = only(&d, Code::CLUSTER_API_OFF_NETWORK);
    assert_eq!(off.len(), 1, "{d:#?}");
    assert_eq!(
        off[0].message,
        "the API address 10.0.0.50 of cluster k3s is on network mgmt, which server node1 is not on"
    );
}

#[test]
fn machines_join_only_networks_of_their_site_or_overlays() {
    let mut lab = Lab::new();
    let away = lab.site("away");
    let lan = lab.network("lan", "192.168.50.0/24");
    let wg = lab.network("wg", "10.99.0.0/24");
    lab.net(wg).overlay = Some(Overlay::Wireguard);
    let nas = lab.machine("nas", Platform::Truenas);
    lab.m(nas).site = away;
    lab.nic(nas, lan, Some("192.168.50.5"));
    lab.nic(nas, wg, Some("10.99.0.2"));
    let d = lab.check();
    let foreign = only(&d, Code::FOREIGN_SITE_NETWORK);
    assert_eq!(foreign.len(), 1, "{d:#?}");
    assert_eq!(
        foreign[0].message,
        "host nas of site away joins network lan of site home"
    );
}

#[test]
fn prefixes_lie_in_their_site_space_and_tailscale_in_its_range() {
    let mut lab = Lab::new();
    let space = lab.spans.at("192.168.0.0/16".parse().unwrap_or_default());
    lab.model.sites[0].ipv4 = Some(space);
    lab.network("lan", "192.168.50.0/24");
    lab.network("odd", "10.1.0.0/24");
    let tailnet = lab.network("tailnet", "10.2.0.0/24");
    lab.net(tailnet).overlay = Some(Overlay::Tailscale);
    let bare = lab.network("tailnet2", "0.0.0.0/0");
    lab.net(bare).ipv4 = None;
    lab.net(bare).overlay = Some(Overlay::Tailscale);
    let node = lab.machine("node", Platform::Baremetal);
    lab.nic(node, bare, Some("192.168.99.2"));
    let d = lab.check();
    assert_eq!(codes(&d), ["E0425", "E0426", "E0411"], "{d:#?}");
    assert!(d[0].message.starts_with("10.1.0.0/24 of network odd"));
}

#[test]
fn nfs_pools_use_the_exporters_address_from_an_admitted_network() {
    let (mut lab, lan, _) = lan_with_router();
    let storage = lab.network("storage", "10.10.0.0/24");
    let nas = lab.machine("nas", Platform::Truenas);
    lab.nic(nas, lan, Some("192.168.50.5"));
    lab.nic(nas, storage, Some("10.10.0.5"));
    let export_span = lab.spans.next();
    lab.m(nas).exports.push(Export {
        name: "media".into(),
        doc: None,
        path: "/mnt/tank/media".into(),
        clients: vec![storage],
        read_only: false,
        span: export_span,
    });
    let pve = lab.machine("pve", Platform::Proxmox);
    lab.nic(pve, lan, Some("192.168.50.10"));
    let (pool_span, ref_span) = (lab.spans.next(), lab.spans.next());
    let size = lab.spans.at(Bytes(1 << 40));
    lab.m(pve).storage.push(StoragePool {
        name: "media".into(),
        doc: None,
        kind: StorageKind::Nfs,
        size,
        shared: true,
        server: Some(ip("192.168.50.6")),
        export: Some(ExportRef {
            machine: nas,
            export: "media".into(),
            span: ref_span,
        }),
        proxmox: Default::default(),
        span: pool_span,
    });
    let d = lab.check();
    assert_eq!(codes(&d), ["E0451", "E0452"], "{d:#?}");
    assert_eq!(d[0].primary.span, pool_span);
    assert_eq!(d[1].primary.span, ref_span);
    assert_eq!(
        d[1].message,
        "host pve mounts export media of nas, which admits only storage"
    );
}
