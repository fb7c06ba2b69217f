//! Checks across the services of one stack: `depends_on` names services of the stack
//! without cycles (E0531, E0532), and volumes of one name have one source (E0541).

use crate::Sema;
use infrac_diagnostics::{did_you_mean, Code, Diagnostic};
use infrac_model::{ComposeService, ComposeVolume, VolumeSource};

impl Sema<'_> {
    /// Volumes of one name are one volume of the stack: every service that names it must
    /// mean the same named volume or the same NFS export (bind mounts are each their own).
    pub(crate) fn check_shared_volumes(&mut self, services: &[ComposeService]) {
        let mut seen: Vec<&ComposeVolume> = Vec::new();
        for volume in services.iter().flat_map(|s| &s.volumes) {
            let key = |v: &ComposeVolume| match &v.source {
                VolumeSource::Bind { .. } => None,
                VolumeSource::Named => Some(String::new()),
                VolumeSource::Nfs { export } => {
                    Some(format!("{}:{}", export.machine.0, export.export))
                }
            };
            let Some(mine) = key(volume) else { continue };
            match seen.iter().find(|v| v.name == volume.name) {
                Some(first) if key(first) != Some(mine) => self.diags.push(
                    Diagnostic::error(
                        Code::COMPOSE_VOLUME_SOURCE,
                        format!("volume {} of the stack has two sources", volume.name),
                        volume.span,
                        "this volume's source differs",
                    )
                    .with_label(first.span, "from this volume of the same name")
                    .with_help(
                        "volumes of one name are one volume of the stack: give this one \
                         another name, or the same source",
                    ),
                ),
                Some(_) => {}
                None => seen.push(volume),
            }
        }
    }

    /// Unknown services in `depends_on`, and dependency cycles.
    pub(crate) fn check_depends_on(&mut self, services: &[ComposeService]) {
        let names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
        for s in services {
            for dep in &s.depends_on {
                if !names.contains(&dep.value.as_str()) {
                    self.diags.push(
                        Diagnostic::error(
                            Code::COMPOSE_DEPENDS_UNKNOWN,
                            format!("service {} depends on `{}`, which is not in its stack", s.name, dep.value),
                            dep.span,
                            "no service of this stack has this name",
                        )
                        .with_help(match did_you_mean(&dep.value, names.iter().copied()) {
                            Some(n) => format!("did you mean `{n}`?"),
                            None => format!(
                                "the stack's services are {}; a service of another stack cannot be waited for",
                                names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                            ),
                        }),
                    );
                }
            }
        }
        // Depth-first search from every service; a dependency on the current path closes
        // a cycle, reported once at the edge that closes it.
        let index = |name: &str| names.iter().position(|n| *n == name);
        let mut state = vec![0u8; services.len()];
        fn visit(
            i: usize,
            services: &[ComposeService],
            index: &dyn Fn(&str) -> Option<usize>,
            state: &mut [u8],
            path: &mut Vec<usize>,
            found: &mut Vec<(usize, usize)>,
        ) {
            state[i] = 1;
            path.push(i);
            for (k, dep) in services[i].depends_on.iter().enumerate() {
                let Some(j) = index(&dep.value) else { continue };
                match state[j] {
                    0 => visit(j, services, index, state, path, found),
                    1 => found.push((i, k)),
                    _ => {}
                }
            }
            path.pop();
            state[i] = 2;
        }
        let mut found = Vec::new();
        for i in 0..services.len() {
            if state[i] == 0 {
                visit(i, services, &index, &mut state, &mut Vec::new(), &mut found);
            }
        }
        for (i, k) in found {
            let dep = &services[i].depends_on[k];
            let mut cycle = vec![services[i].name.clone()];
            let mut at = dep.value.clone();
            // Follow the first dependency that leads back, for the message.
            while at != services[i].name && cycle.len() <= services.len() {
                cycle.push(at.clone());
                let next = index(&at)
                    .and_then(|j| {
                        services[j]
                            .depends_on
                            .iter()
                            .find(|d| reaches(services, &index, &d.value, &services[i].name))
                    })
                    .map(|d| d.value.clone());
                match next {
                    Some(n) => at = n,
                    None => break,
                }
            }
            cycle.push(services[i].name.clone());
            self.diags.push(
                Diagnostic::error(
                    Code::COMPOSE_DEPENDS_CYCLE,
                    format!(
                        "services depend on each other in a cycle: {}",
                        cycle.join(" → ")
                    ),
                    dep.span,
                    "this dependency closes the cycle",
                )
                .with_label(
                    services[i].span,
                    format!("{} is declared here", services[i].name),
                )
                .with_help(
                    "Compose cannot start any service of a cycle; remove one of these dependencies",
                ),
            );
        }
    }
}

/// Whether `from` reaches `to` through `depends_on`.
fn reaches(
    services: &[ComposeService],
    index: &dyn Fn(&str) -> Option<usize>,
    from: &str,
    to: &str,
) -> bool {
    let mut seen = vec![false; services.len()];
    let mut stack = vec![from.to_string()];
    while let Some(at) = stack.pop() {
        if at == to {
            return true;
        }
        let Some(i) = index(&at) else { continue };
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        stack.extend(services[i].depends_on.iter().map(|d| d.value.clone()));
    }
    false
}
