//! The BGP view: each speaker with its ASN and router ID, its sessions grouped by the
//! peer's AS, and the prefixes it announces.

use super::{
    lab_name, machine_key, Class, Direction, Edge, Flowchart, Group, Item, Line, Node, Shape,
};

use crate::Model;

/// Speakers, peers (by AS) and announced prefixes.
pub fn bgp(model: &Model) -> Flowchart {
    let mut chart = Flowchart::new(format!("{} BGP", lab_name(model)), Direction::LeftRight);
    let mut peer_groups: Vec<(u32, Group)> = Vec::new();
    for router in &model.routers {
        let guest = model.machine(router.machine);
        let speaker = machine_key(guest);
        chart.items.push(Item::Node(Node::new(
            speaker.clone(),
            vec![
                guest.name.clone(),
                format!("AS{}", router.asn.value),
                format!("router ID {}", router.router_id.value),
            ],
            Shape::Hexagon,
            Class::Router,
        )));
        for prefix in &router.announce {
            let key = format!("prefix:{}", prefix.value);
            if !chart
                .items
                .iter()
                .any(|i| matches!(i, Item::Node(n) if n.key == key))
            {
                chart.items.push(Item::Node(Node::new(
                    key.clone(),
                    vec![prefix.value.to_string()],
                    Shape::Cylinder,
                    Class::Prefix,
                )));
            }
            chart.edges.push(
                Edge::new(speaker.clone(), key)
                    .label(vec!["announces".into()])
                    .line(Line::Dotted),
            );
        }
        for peer in &router.peers {
            let key = format!("peer:{}:{}", guest.name, peer.name);
            let mut lines = vec![peer.name.clone(), peer.neighbor.value.to_string()];
            if let Some(description) = &peer.description {
                lines.push(description.clone());
            }
            let node = Item::Node(Node::new(key.clone(), lines, Shape::Rounded, Class::Peer));
            match peer_groups
                .iter_mut()
                .find(|(asn, _)| *asn == peer.asn.value)
            {
                Some((_, group)) => group.items.push(node),
                None => {
                    let mut group = Group::new(
                        format!("as:{}", peer.asn.value),
                        vec![format!("AS{}", peer.asn.value)],
                        Class::Internet,
                    );
                    group.direction = Some(Direction::TopDown);
                    group.items.push(node);
                    peer_groups.push((peer.asn.value, group));
                }
            }
            let mut label = vec![if peer.asn.value == router.asn.value {
                "iBGP".to_string()
            } else {
                "eBGP".to_string()
            }];
            let mut options = Vec::new();
            if let Some(hops) = peer.multihop {
                options.push(format!("multihop {hops}"));
            }
            if peer.accept_default {
                options.push("default route".into());
            }
            if peer.password.is_some() {
                options.push("MD5".into());
            }
            if !options.is_empty() {
                label.push(options.join(" · "));
            }
            chart.edges.push(
                Edge::new(speaker.clone(), key)
                    .label(label)
                    .line(Line::Plain),
            );
        }
    }
    chart
        .items
        .extend(peer_groups.into_iter().map(|(_, g)| Item::Group(g)));
    if model.routers.is_empty() {
        chart.items.push(Item::Node(Node::new(
            "note:empty",
            vec!["no BGP speaker declared".into()],
            Shape::Box,
            Class::Note,
        )));
    }
    chart
}
