//! Renders the view-models through the embedded templates. The templates only loop and
//! format: every value arrives decided and quoted.

use serde::Serialize;

static TEMPLATES: [(&str, &str); 2] = [
    ("cluster.sh", include_str!("../templates/cluster.sh.j2")),
    ("ceph.sh", include_str!("../templates/ceph.sh.j2")),
];

/// Renders template `name` with `context`.
pub(crate) fn render(name: &str, context: &impl Serialize) -> String {
    infrac_templates::render_in(&TEMPLATES, name, context)
}
