//! `stack NAME on MACHINE { service NAME { … } }`: a Compose project on one machine.
//! What each attribute becomes in `compose.yaml` is documented in
//! `docs/targets/compose.md`.

use super::{attr, block, required, schema, AttrSpec, Schema, ENV, PORT_NUMBER};
use crate::value::{PlaceOn, Ty};
use infrac_model::{ComposeGpu, RestartPolicy};

const RESTART: [&str; RestartPolicy::ALL.len()] =
    words!(RestartPolicy::ALL, RestartPolicy::ALL.len());
const GPUS: [&str; ComposeGpu::ALL.len()] = words!(ComposeGpu::ALL, ComposeGpu::ALL.len());

/// `port NAME { host = tcp/8443  container = 443 }`: a published port whose container
/// side differs from the host side, or that binds one address.
static PORT: Schema = schema(
    &[
        required("host", Ty::Port),
        attr("container", PORT_NUMBER),
        attr("address", Ty::Ip),
    ],
    &[],
);

/// `volume NAME { target = "/config"  source = "/srv/plex" }`: a bind mount with
/// `source`, an NFS export with `export = media on nas`, else a named volume.
static VOLUME: Schema = schema(
    &[
        required("target", Ty::Str),
        attr("source", Ty::Str),
        attr("export", Ty::Placed(&Ty::Word(&[]), PlaceOn::Machine)),
        attr("read_only", Ty::Bool),
    ],
    &[],
);

static HEALTHCHECK: Schema = schema(
    &[
        required("test", Ty::List(&Ty::Str)),
        attr("interval", Ty::Duration),
        attr("timeout", Ty::Duration),
        attr("retries", Ty::Int(1, 1000)),
        attr("start_period", Ty::Duration),
    ],
    &[],
);

static SERVICE_ATTRS: [AttrSpec; 8] = [
    required("image", Ty::Image),
    attr("command", Ty::List(&Ty::Str)),
    attr("ports", Ty::List(&Ty::Port)),
    attr("network_mode", Ty::Word(&["bridge", "host"])),
    attr("restart", Ty::Word(&RESTART)),
    attr("devices", Ty::List(&Ty::Str)),
    attr("gpu", Ty::Word(&GPUS)),
    attr("depends_on", Ty::List(&Ty::Word(&[]))),
];

static SERVICE: Schema = schema(
    &SERVICE_ATTRS,
    &[
        block("port", true, &PORT),
        block("volume", true, &VOLUME),
        block("healthcheck", false, &HEALTHCHECK),
        block("env", false, &ENV),
    ],
);

/// `stack NAME on MACHINE { … }`.
pub static STACK: Schema = schema(
    &[attr("description", Ty::Str)],
    &[block("service", true, &SERVICE)],
);
