//! The typed view of a `compose.yaml`: only the parts of the Compose Specification
//! (compose-spec/compose-spec, `05-services.md`, `07-volumes.md`, `09-secrets.md`,
//! `deploy.md`) that the lab can express. Field order is the order written.

use indexmap::IndexMap;
use serde::Serialize;

/// The whole file. The project name is in `.env` (`COMPOSE_PROJECT_NAME`), because the
/// top-level `name` is rejected by the Compose 1.x that Debian ships.
#[derive(Debug, Serialize)]
pub struct ComposeFile {
    pub services: IndexMap<String, Service>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub volumes: IndexMap<String, VolumeDefinition>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub secrets: IndexMap<String, SecretDefinition>,
}

/// `services.<name>`.
#[derive(Debug, Serialize)]
pub struct Service {
    pub image: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    pub restart: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<&'static str>,
    /// Short syntax, `[IP:]HOST:CONTAINER/PROTOCOL`, always quoted by the serialiser.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Mount>,
    /// `NAME=VALUE` entries (the list syntax), so names are quoted strings too.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub environment: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Deploy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub depends_on: IndexMap<String, Dependency>,
}

/// A mount in the long syntax.
#[derive(Debug, Serialize)]
pub struct Mount {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub source: String,
    pub target: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
}

/// `deploy`, for a GPU reservation only.
#[derive(Debug, Serialize)]
pub struct Deploy {
    pub resources: Resources,
}

/// `deploy.resources`.
#[derive(Debug, Serialize)]
pub struct Resources {
    pub reservations: Reservations,
}

/// `deploy.resources.reservations`.
#[derive(Debug, Serialize)]
pub struct Reservations {
    pub devices: Vec<DeviceRequest>,
}

/// One device request (`deploy.md`, "devices").
#[derive(Debug, Serialize)]
pub struct DeviceRequest {
    pub driver: &'static str,
    pub count: &'static str,
    pub capabilities: Vec<&'static str>,
}

/// `healthcheck`.
#[derive(Debug, Serialize)]
pub struct Healthcheck {
    pub test: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<String>,
}

/// `depends_on.<service>` in the long syntax.
#[derive(Debug, Serialize)]
pub struct Dependency {
    pub condition: &'static str,
}

/// A top-level named volume; NFS volumes carry the local driver's options.
#[derive(Debug, Serialize)]
pub struct VolumeDefinition {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver_opts: Option<NfsOptions>,
}

/// `driver_opts` of an NFS volume (`07-volumes.md`, "driver_opts").
#[derive(Debug, Serialize)]
pub struct NfsOptions {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub o: String,
    pub device: String,
}

/// A top-level secret read from a file.
#[derive(Debug, Serialize)]
pub struct SecretDefinition {
    pub file: String,
}
