//! bcp-render: render kgateway BackendConfigPolicies into Envoy clusters, offline.

pub mod diag;
pub mod envoy;
pub mod profile;
pub mod model;
pub mod source;
pub mod yaml;
