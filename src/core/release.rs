//! kgateway releases as data: one [`Profile`] per release in [`RELEASES`], holding its name,
//! its embedded CRD schemas and CEL rules, and every translation difference as a named switch.
//!
//! Adding a release means adding its profile (and its `schemas/<release>/` directory); nothing
//! else counts or lists releases. Field availability per release is in the field registry
//! (`pipeline::fields`), CEL rules per release in `pipeline::validate::rules`.

use std::fmt;
use std::str::FromStr;

/// A kgateway release: an index into [`RELEASES`], so releases compare oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Release(u8);

impl Release {
    pub const V2_1: Release = Release::named("2.1");
    pub const V2_2: Release = Release::named("2.2");
    pub const V2_3: Release = Release::named("2.3");
    pub const V2_4: Release = Release::named("2.4");
    pub const MAIN: Release = Release::named("main");

    /// The release of that name (at compile time: a misspelt name does not build).
    const fn named(name: &str) -> Release {
        let mut i = 0;
        while i < RELEASES.len() {
            if same(RELEASES[i].name.as_bytes(), name.as_bytes()) {
                return Release(i as u8);
            }
            i += 1;
        }
        panic!("no such release in RELEASES");
    }

    /// Every release, oldest first.
    pub fn all() -> impl DoubleEndedIterator<Item = Release> + Clone {
        (0..RELEASES.len() as u8).map(Release)
    }

    /// Every release's name, oldest first.
    pub fn names() -> Vec<&'static str> {
        RELEASES.iter().map(|p| p.name).collect()
    }

    pub fn profile(self) -> &'static Profile {
        &RELEASES[usize::from(self.0)]
    }

    pub fn name(self) -> &'static str {
        self.profile().name
    }

    /// Position among [`Release::all`], for per-release tables.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Release {
    type Err = String;
    /// `2.4`, `v2.4`, `2.4.x`, `2.4.1` or `main`.
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().trim_start_matches('v');
        let t = t.strip_suffix(".x").unwrap_or(t);
        Release::all()
            .find(|r| r.name() == t || (*r != Release::MAIN && t.starts_with(&format!("{}.", r.name()))))
            .ok_or_else(|| format!("unknown kgateway version {s:?} (expected one of {})", Release::names().join(", ")))
    }
}

/// How several policies on one backend combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeMode {
    /// 2.4+: merged per top-level field, oldest policy wins each field.
    OldestWins,
    /// 2.1–2.3: applied one after another, oldest first, so the newest wins each field.
    ApplyInOrder,
}

/// How a static Backend with DNS hostnames is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsClusterStyle {
    /// `type: STRICT_DNS` plus `Cluster.dns_lookup_family` (2.1, 2.2).
    StrictDns,
    /// `cluster_type: envoy.clusters.dns` with a `DnsCluster` (2.3+).
    DnsClusterExtension,
}

/// A release's CRD schemas and CEL rule listings (`schemas/<release>/`, generated from its
/// CRDs by `scripts/gen-schemas.py`), embedded in the binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schemas {
    pub backend_config_policy: &'static str,
    pub backend: &'static str,
    /// `[{path, rule, message}]` of the BackendConfigPolicy CRD, for tests and docs.
    pub backend_config_policy_rules: &'static str,
    pub backend_rules: &'static str,
}

macro_rules! embedded {
    ($dir:literal) => {
        Schemas {
            backend_config_policy: include_str!(concat!("../../schemas/", $dir, "/backendconfigpolicy.json")),
            backend: include_str!(concat!("../../schemas/", $dir, "/backend.json")),
            backend_config_policy_rules: include_str!(concat!(
                "../../schemas/",
                $dir,
                "/backendconfigpolicy.rules.json"
            )),
            backend_rules: include_str!(concat!("../../schemas/", $dir, "/backend.rules.json")),
        }
    };
}

/// The differences between kgateway releases that change the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// As `--kgateway-version` takes it.
    pub name: &'static str,
    pub schemas: Schemas,
    /// Every cluster carries `metadata: {}` (2.1–2.3).
    pub empty_metadata: bool,
    /// EDS clusters without LB config get `common_lb_config.locality_weighted_lb_config {}` (2.4+).
    pub default_locality_config: bool,
    /// least_request / round_robin / random always carry `locality_lb_config` (2.4+);
    /// before, only with `localityType`.
    pub typed_lb_always_locality: bool,
    pub dns_cluster_style: DnsClusterStyle,
    pub merge: MergeMode,
    /// BackendTLSPolicy deterministically beats BCP `tls` and keeps the PROXY wrapper (2.4+).
    /// Before, the winner depends on Go map order.
    pub backend_tls_policy_precedence: bool,
    /// An explicit health-check host/authority clears endpoint health-check hostnames (2.3+).
    pub health_check_clears_hostname: bool,
    /// Attached policies with equal timestamps are ordered by namespace/name (2.4+);
    /// before, ties are unordered.
    pub stable_tie_break: bool,
    /// Health-check timeout, interval and thresholds are optional pointers (2.1): unset ones
    /// are absent rather than zero.
    pub health_check_optional_fields: bool,
    /// Each inline ServiceEntry endpoint carries a load-balancing weight of 1 unless it sets
    /// its own (2.1 golden `backendconfigpolicy-alias`; main leaves it unset).
    pub service_entry_endpoint_weights: bool,
    /// A kgateway Backend's kind is its `spec.type` (2.1); from 2.2 the first sub-spec set.
    pub backend_dispatch_by_type: bool,
    /// ServiceEntries become clusters whatever kgateway's `EnableIstioIntegration` (2.1, 2.2).
    pub service_entries_always: bool,
    /// BackendTLSPolicies merge (2.3+): the oldest wins and `sectionName` (a Service port's
    /// name) attaches, beating service-wide ones. Before, each applies in turn (the newest
    /// wins, any error blackholes) and `sectionName` attaches to nothing.
    pub backend_tls_merge: bool,
    /// A BackendTLSPolicy's CA may come from a Secret's `ca.crt` (2.2+); in 2.1 every CA
    /// reference is looked up as a ConfigMap.
    pub backend_tls_secret_ca: bool,
    /// A Gateway's `spec.tls.backend.clientCertificateRef` gives every backend its routes
    /// reach a Gateway-scoped clone cluster with that client certificate (2.3+, #13705).
    pub gateway_backend_client_certificate: bool,
}

/// Every release bcp-render reproduces, oldest first.
pub const RELEASES: &[Profile] = &[V2_1, V2_2, V2_3, V2_4, MAIN];

const V2_1: Profile = Profile {
    name: "2.1",
    schemas: embedded!("2.1"),
    empty_metadata: true,
    default_locality_config: false,
    typed_lb_always_locality: false,
    dns_cluster_style: DnsClusterStyle::StrictDns,
    merge: MergeMode::ApplyInOrder,
    backend_tls_policy_precedence: false,
    health_check_clears_hostname: false,
    stable_tie_break: false,
    health_check_optional_fields: true,
    service_entry_endpoint_weights: true,
    backend_dispatch_by_type: true,
    backend_tls_merge: false,
    service_entries_always: true,
    backend_tls_secret_ca: false,
    gateway_backend_client_certificate: false,
};

// 2.2 made the health-check fields plain values and read Backend kinds from their fields.
const V2_2: Profile = Profile {
    name: "2.2",
    schemas: embedded!("2.2"),
    health_check_optional_fields: false,
    backend_dispatch_by_type: false,
    backend_tls_secret_ca: true,
    ..V2_1
};

const V2_3: Profile = Profile {
    name: "2.3",
    schemas: embedded!("2.3"),
    dns_cluster_style: DnsClusterStyle::DnsClusterExtension,
    health_check_clears_hostname: true,
    backend_tls_merge: true,
    service_entries_always: false,
    gateway_backend_client_certificate: true,
    ..V2_2
};

const V2_4: Profile = Profile {
    name: "2.4",
    schemas: embedded!("2.4"),
    empty_metadata: false,
    default_locality_config: true,
    typed_lb_always_locality: true,
    merge: MergeMode::OldestWins,
    backend_tls_policy_precedence: true,
    stable_tie_break: true,
    ..V2_3
};

// Main leaves ServiceEntry endpoint weights unset (kgateway #14490).
const MAIN: Profile =
    Profile { name: "main", schemas: embedded!("main"), service_entry_endpoint_weights: false, ..V2_4 };

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_release_names() {
        assert_eq!("2.4".parse::<Release>().unwrap(), Release::V2_4);
        assert_eq!("v2.1.x".parse::<Release>().unwrap(), Release::V2_1);
        assert_eq!("2.3.1".parse::<Release>().unwrap(), Release::V2_3);
        assert_eq!("main".parse::<Release>().unwrap(), Release::MAIN);
        assert!("2.0".parse::<Release>().is_err());
        assert_eq!(
            "9.9".parse::<Release>().unwrap_err(),
            "unknown kgateway version \"9.9\" (expected one of 2.1, 2.2, 2.3, 2.4, main)"
        );
    }

    #[test]
    fn releases_are_ordered_and_named_once() {
        let all: Vec<Release> = Release::all().collect();
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        for r in all {
            assert_eq!(r.name().parse::<Release>().unwrap(), r);
        }
        let mut names = Release::names();
        names.dedup();
        assert_eq!(names.len(), RELEASES.len());
    }

    #[test]
    fn profiles_differ_where_the_releases_do() {
        let p21 = Release::V2_1.profile();
        let p24 = Release::V2_4.profile();
        assert!(p21.empty_metadata && !p24.empty_metadata);
        assert_eq!(p21.merge, MergeMode::ApplyInOrder);
        assert_eq!(p24.merge, MergeMode::OldestWins);
        assert_eq!(Release::V2_2.profile().dns_cluster_style, DnsClusterStyle::StrictDns);
        assert_eq!(Release::V2_3.profile().dns_cluster_style, DnsClusterStyle::DnsClusterExtension);
        assert!(Release::V2_3.profile().health_check_clears_hostname);
        assert_ne!(Release::V2_4.profile().schemas, Release::MAIN.profile().schemas);
    }
}
