//! The field registry: one row per BackendConfigPolicy field, and each field's translator
//! in a file of its own.
//!
//! A row says when the field exists (the release that added it, and any sub-field added
//! later), how it merges, which Envoy cluster fields it writes, how it is translated, and
//! when it has no effect. Validation (release check), merge, translation, `explain` and
//! `diff` read the rows; a test checks them against every release's CRD.
//!
//! Adding a field: its row here, its translator file, and its CEL rules
//! (`pipeline::validate::rules`).

use std::sync::LazyLock;

use serde_json::Value;

use crate::core::kind::AppProtocol;
use crate::core::release::Release;
use crate::core::value::get;

pub mod ctx;
pub mod value;

mod circuit;
mod connection;
mod dns;
mod health;
mod http;
mod lb;
mod outlier;
pub(crate) mod pem;
mod proxy_protocol;
mod tls;

pub(crate) use tls::redaction;

#[cfg(test)]
pub(crate) mod testutil;

use ctx::{Cluster, Translate};

pub use http::HTTP_OPTIONS_KEY;
pub use proxy_protocol::replace_inner_tls;

/// How a field merges when several policies set it (kgateway 2.4+, `merge.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// The whole value is one unit: the first policy (in merge order) that sets it wins it.
    Whole,
    /// Each of these sub-fields is a unit of its own.
    PerSubField(&'static [&'static str]),
}

/// Why a field a policy sets has no effect on a backend, if it has none (kgateway skips it
/// with a log line; bcp-render warns).
pub type Ignored = fn(&Value, &Cluster, AppProtocol) -> Option<String>;

/// One BackendConfigPolicy field.
#[derive(Debug)]
pub struct Field {
    /// The name under `spec`.
    pub name: &'static str,
    /// The first release that has it.
    pub since: Release,
    /// Sub-fields added after the field itself: a JSON pointer below the field, and the
    /// first release that has it.
    pub newer: &'static [(&'static str, Release)],
    pub merge: Merge,
    /// The top-level Envoy cluster fields it writes (for `diff` attribution).
    pub envoy: &'static [&'static str],
    pub translate: Translate,
    pub ignored: Option<Ignored>,
    /// It yields to a BackendTLSPolicy attached to the same backend (kgateway 2.4+).
    pub yields_to_backend_tls_policy: bool,
}

/// Rows are compared by identity: each field has one.
impl PartialEq for Field {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Field {}

const fn field(name: &'static str, envoy: &'static [&'static str], translate: Translate) -> Field {
    Field {
        name,
        since: Release::V2_1,
        newer: &[],
        merge: Merge::Whole,
        envoy,
        translate,
        ignored: None,
        yields_to_backend_tls_policy: false,
    }
}

/// Every BackendConfigPolicy field, in kgateway's `processBackend` order (§5 of the
/// reference): translation applies them in this order (`upstreamProxyProtocol` wraps the
/// socket `tls` set), and merge, `explain` and `diff` list them in it.
pub static FIELDS: &[Field] = &[
    field("connectTimeout", &["connect_timeout"], connection::apply_connect_timeout),
    field(
        "perConnectionBufferLimitBytes",
        &["per_connection_buffer_limit_bytes"],
        connection::apply_per_connection_buffer_limit_bytes,
    ),
    field("tcpKeepalive", &["upstream_connection_options"], connection::apply_tcp_keepalive),
    field("commonHttpProtocolOptions", &["typed_extension_protocol_options"], http::apply_common_http_protocol_options),
    Field {
        ignored: Some(http::http1_ignored),
        ..field("http1ProtocolOptions", &["typed_extension_protocol_options"], http::apply_http1_protocol_options)
    },
    Field {
        newer: &[("/connectionKeepalive", Release::V2_4)],
        ignored: Some(http::http2_ignored),
        ..field("http2ProtocolOptions", &["typed_extension_protocol_options"], http::apply_http2_protocol_options)
    },
    Field {
        newer: &[("/parameters/signatureAlgorithms", Release::V2_4)],
        yields_to_backend_tls_policy: true,
        ..field("tls", &["transport_socket"], tls::apply)
    },
    Field { since: Release::V2_3, ..field("upstreamProxyProtocol", &["transport_socket"], proxy_protocol::apply) },
    Field {
        newer: &[("/zoneAware", Release::V2_4)],
        ignored: Some(lb::ignored),
        ..field("loadBalancer", &["common_lb_config", "load_balancing_policy"], lb::apply)
    },
    field("healthCheck", &["health_checks"], health::apply),
    Field {
        newer: &[
            ("/enforcingConsecutive5xx", Release::MAIN),
            ("/splitExternalLocalOriginErrors", Release::MAIN),
            ("/consecutiveLocalOriginFailure", Release::MAIN),
            ("/enforcingConsecutiveLocalOriginFailure", Release::MAIN),
        ],
        ..field("outlierDetection", &["outlier_detection"], outlier::apply)
    },
    Field {
        since: Release::V2_2,
        newer: &[("/trackRemaining", Release::V2_3)],
        ..field("circuitBreakers", &["circuit_breakers"], circuit::apply)
    },
    Field {
        since: Release::V2_3,
        merge: Merge::PerSubField(&["refreshRate", "jitter", "respectTTL"]),
        ignored: Some(dns::ignored),
        ..field("dns", &["cluster_type"], dns::apply)
    },
];

/// Spec fields that are not translated: attachment reads them.
pub const ATTACHMENT_FIELDS: [&str; 2] = ["targetRefs", "targetSelectors"];

/// The row of a field.
#[cfg(test)]
fn field_named(name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.name == name)
}

/// One merge unit: a whole field, or one sub-field of a [`Merge::PerSubField`] field.
#[derive(Debug)]
pub struct Unit {
    pub field: &'static Field,
    pub sub: Option<&'static str>,
    /// `connectTimeout`, `dns.jitter`.
    pub name: String,
    /// Its bit in a [`UnitSet`].
    pub bit: u32,
}

impl Unit {
    /// Its value in a spec, if set (not null).
    pub fn lookup<'s>(&self, spec: &'s Value) -> Option<&'s Value> {
        let v = get(spec, self.field.name)?;
        let v = match self.sub {
            Some(sub) => get(v, sub)?,
            None => v,
        };
        (!v.is_null()).then_some(v)
    }
}

/// Units are compared by identity: each has one entry in [`UNITS`].
impl PartialEq for Unit {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Unit {}

/// Every merge unit, in registry order.
pub static UNITS: LazyLock<Vec<Unit>> = LazyLock::new(|| {
    let mut out = Vec::new();
    for field in FIELDS {
        let mut push = |sub: Option<&'static str>, name: String| {
            let bit = out.len() as u32;
            out.push(Unit { field, sub, name, bit });
        };
        match field.merge {
            Merge::Whole => push(None, field.name.to_string()),
            Merge::PerSubField(subs) => subs.iter().for_each(|s| push(Some(s), format!("{}.{s}", field.name))),
        }
    }
    assert!(out.len() <= 64, "a UnitSet holds 64 units");
    out
});

/// A set of merge units (bit i: `UNITS[i]`).
pub type UnitSet = u64;

/// The units a spec sets. Computed once per policy, it spares merging the lookups per backend.
pub fn set_units(spec: &Value) -> UnitSet {
    UNITS.iter().filter(|u| u.lookup(spec).is_some()).fold(0, |bits, u| bits | 1 << u.bit)
}

/// The first release that has the field at `pointer` below `spec` (`/dns/jitter`), as the
/// registry states it: the most specific `newer` entry covering it, else its field's `since`.
#[cfg(test)]
fn release_of(pointer: &str) -> Option<Release> {
    let rest = pointer.strip_prefix('/')?;
    let (name, below) = match rest.split_once('/') {
        Some((name, _)) => (name, &rest[name.len()..]),
        None => (rest, ""),
    };
    let f = field_named(name)?;
    let covering = f.newer.iter().filter(|(p, _)| below == *p || below.starts_with(&format!("{p}/")));
    Some(covering.max_by_key(|(p, _)| p.len()).map_or(f.since, |(_, r)| *r))
}

#[cfg(test)]
mod tests;
