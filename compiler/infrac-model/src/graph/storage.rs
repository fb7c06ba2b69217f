//! The storage view: every machine's storage pools and NFS exports, and which pool mounts
//! which export.

use super::{
    lab_name, machine_key, Class, Direction, Edge, Flowchart, Group, Item, Line, Node, Shape,
};
use crate::{Model, StorageKind};

/// Whether the lab has storage that crosses machines (an export, or a pool mounting
/// one): only then is the view drawn.
pub fn has_shared_storage(model: &Model) -> bool {
    model
        .machines
        .iter()
        .any(|m| !m.exports.is_empty() || m.storage.iter().any(|p| p.export.is_some()))
}

/// Machines with their pools and exports; a dotted edge from each pool that mounts an
/// export to that export.
pub fn storage(model: &Model) -> Flowchart {
    let mut chart = Flowchart::new(format!("{} storage", lab_name(model)), Direction::LeftRight);
    for machine in &model.machines {
        if machine.storage.is_empty() && machine.exports.is_empty() {
            continue;
        }
        let key = format!("storage:{}", machine_key(machine));
        let mut group = Group::new(key.clone(), vec![machine.name.clone()], Class::Host);
        group.direction = Some(Direction::TopDown);
        for pool in &machine.storage {
            let kind = StorageKind::ALL
                .iter()
                .find(|(_, k)| *k == pool.kind)
                .map_or("", |(w, _)| w);
            group.items.push(Item::Node(Node::new(
                format!("{key}:pool:{}", pool.name),
                vec![pool.name.clone(), format!("{kind} · {}", pool.size.value)],
                Shape::Cylinder,
                Class::Prefix,
            )));
        }
        for export in &machine.exports {
            let mut lines = vec![format!("export {}", export.name), export.path.clone()];
            if export.read_only {
                lines.push("read-only".into());
            }
            group.items.push(Item::Node(Node::new(
                format!("{key}:export:{}", export.name),
                lines,
                Shape::Rounded,
                Class::Network,
            )));
        }
        chart.items.push(Item::Group(group));
    }
    for machine in &model.machines {
        let key = format!("storage:{}", machine_key(machine));
        for pool in &machine.storage {
            let Some(export) = &pool.export else { continue };
            let server = format!("storage:{}", machine_key(model.machine(export.machine)));
            chart.edges.push(
                Edge::new(
                    format!("{key}:pool:{}", pool.name),
                    format!("{server}:export:{}", export.export),
                )
                .label(vec!["NFS mount".into()])
                .line(Line::Dotted),
            );
        }
    }
    chart
}
