//! What the OpenWrt target refuses, each with its code at the place to fix.

mod common;

use infrac_diagnostics::Code;
use infrac_model::Target;
use infrac_target_openwrt::OpenwrtTarget;

/// A router `gw` with a DHCP uplink and a LAN, plus `extra` declarations.
fn lab(gw: &str, extra: &str) -> String {
    format!(
        "site home {{ ipv4 = 192.168.0.0/16 }}\n\
         network wan {{ uplink = true }}\n\
         network lan {{ ipv4 = 192.168.50.0/24, gateway = 192.168.50.1 }}\n\
         machine gw {{\n  platform = openwrt\n  nic wan {{ dhcp = true }}\n  nic lan {{ ip = lan.gateway }}\n{gw}}}\n\
         {extra}\n"
    )
}

/// The codes and primary labels' source text of the target's diagnostics for `text`.
fn refused(text: &str) -> Vec<(Code, String)> {
    let model = common::model_of("lab.infra", text);
    let diagnostics = OpenwrtTarget
        .emit(&model)
        .err()
        .unwrap_or_else(|| panic!("emitted:\n{text}"));
    diagnostics
        .iter()
        .map(|d| {
            let span = d.primary.span;
            let source = model
                .sources
                .get(span.file)
                .map(|f| f.text[span.start as usize..span.end as usize].to_string())
                .unwrap_or_default();
            (d.code, source)
        })
        .collect()
}

#[test]
fn a_network_name_uci_cannot_hold() {
    let text = lab(
        "",
        "network iot-cams { ipv4 = 192.168.60.0/24 }\nmachine ap { platform = openwrt\n  nic iot-cams { ip = 192.168.60.1 } }",
    );
    let found = refused(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, Code::OPENWRT_CONFIG);
    assert_eq!(found[0].1, "iot-cams");
}

#[test]
fn two_uplinks_without_ports() {
    let text = lab(
        "  nic wan2 { dhcp = true }\n",
        "network wan2 { uplink = true }",
    );
    let found = refused(&text);
    assert_eq!(found, [(Code::OPENWRT_CONFIG, "wan2".to_string())]);
}

#[test]
fn a_device_name_longer_than_linux_allows() {
    let text = lab(
        "  nic cameras-upstairs { ip = 192.168.70.1 }\n",
        "network cameras-upstairs { ipv4 = 192.168.70.0/24 }",
    );
    // `br-cameras-upstairs` is 19 bytes, and the name is no UCI name either.
    let found = refused(&text);
    assert!(
        found.iter().all(|(c, _)| *c == Code::OPENWRT_CONFIG),
        "{found:?}"
    );
    let text = lab(
        "  nic camerasupstairs { ip = 192.168.70.1 }\n",
        "network camerasupstairs { ipv4 = 192.168.70.0/24 }",
    );
    assert_eq!(
        refused(&text),
        [(Code::OPENWRT_CONFIG, "camerasupstairs".to_string())]
    );
}

#[test]
fn a_wireguard_member() {
    let text = lab(
        "  nic vpn { ip = 10.99.0.1, public_key = \"YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY=\", private_key = secret(\"wg-gw\"), endpoint = \"vpn.example.net:51820\" }\n",
        "network vpn { overlay = wireguard, ipv4 = 10.99.0.0/24 }",
    );
    let found = refused(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, Code::OPENWRT_CONFIG);
}

#[test]
fn a_forward_to_a_machine_without_a_static_address() {
    let text = lab(
        "",
        "machine web { nic eno1 { network = lan, dhcp = true } }\n\
         firewall on gw { forward wan tcp/443 -> web:443 }",
    );
    assert_eq!(
        refused(&text),
        [(
            Code::OPENWRT_FORWARD_WITHOUT_ADDRESS,
            "forward wan tcp/443 -> web:443".to_string()
        )]
    );
}

#[test]
fn sctp_ports() {
    let text = lab("", "firewall on gw { allow lan -> router sctp/5000 }");
    assert_eq!(
        refused(&text),
        [(
            Code::OPENWRT_FIREWALL,
            "allow lan -> router sctp/5000".to_string()
        )]
    );
}

#[test]
fn a_zone_rule_that_would_overtake_a_port_forward() {
    let text = lab(
        "",
        "machine nas { nic eno1 { network = lan, ip = 192.168.50.20 } }\n\
         firewall on gw {\n  forward wan tcp/443 -> nas:443\n  deny wan -> lan\n}",
    );
    assert_eq!(
        refused(&text),
        [(Code::OPENWRT_FIREWALL, "deny wan -> lan".to_string())]
    );
}

#[test]
fn a_forwarding_a_later_rule_narrows_is_a_rule() {
    // `allow lan -> wan` cannot be a `config forwarding`: fw4 would check the deny first.
    let text = lab(
        "",
        "firewall on gw {\n  allow lan -> wan\n  deny lan -> any tcp/25\n}",
    );
    let model = common::model_of("lab.infra", &text);
    let files = OpenwrtTarget
        .emit(&model)
        .unwrap_or_else(|d| panic!("{d:?}"));
    let firewall = &files
        .iter()
        .find(|a| a.path.ends_with("firewall"))
        .unwrap_or_else(|| panic!("no firewall"))
        .contents;
    assert!(!firewall.contains("config forwarding"), "{firewall}");
    assert!(firewall.contains("allow lan -> wan'"), "{firewall}");
}
