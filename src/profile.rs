//! kgateway release profiles: every behaviour that differs between releases, as data.
//!
//! The translation consults these flags; nothing else in the code checks a version.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Release {
    V2_1,
    V2_2,
    V2_3,
    V2_4,
    Main,
}

impl Release {
    pub const ALL: [Release; 5] = [Release::V2_1, Release::V2_2, Release::V2_3, Release::V2_4, Release::Main];
    pub const DEFAULT: Release = Release::V2_4;

    pub fn name(self) -> &'static str {
        match self {
            Release::V2_1 => "2.1",
            Release::V2_2 => "2.2",
            Release::V2_3 => "2.3",
            Release::V2_4 => "2.4",
            Release::Main => "main",
        }
    }

    pub fn profile(self) -> &'static Profile {
        match self {
            Release::V2_1 => &V2_1,
            Release::V2_2 => &V2_2,
            Release::V2_3 => &V2_3,
            Release::V2_4 => &V2_4,
            Release::Main => &MAIN,
        }
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Release {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().trim_start_matches('v');
        let t = t.strip_suffix(".x").unwrap_or(t);
        Release::ALL
            .into_iter()
            .find(|r| r.name() == t || (r.name() != "main" && t.starts_with(&format!("{}.", r.name()))))
            .ok_or_else(|| format!("unknown kgateway version {s:?} (expected one of 2.1, 2.2, 2.3, 2.4, main)"))
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

/// The differences between kgateway releases that change the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub release: Release,
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
    /// ServiceEntry clusters carry `Cluster.dns_lookup_family` whatever their type, and each
    /// inline endpoint a load-balancing weight of 1 (2.1 golden `backendconfigpolicy-alias`).
    pub service_entry_legacy_endpoints: bool,
}

const V2_1: Profile = Profile {
    release: Release::V2_1,
    empty_metadata: true,
    default_locality_config: false,
    typed_lb_always_locality: false,
    dns_cluster_style: DnsClusterStyle::StrictDns,
    merge: MergeMode::ApplyInOrder,
    backend_tls_policy_precedence: false,
    health_check_clears_hostname: false,
    stable_tie_break: false,
    health_check_optional_fields: true,
    service_entry_legacy_endpoints: true,
};

// 2.2 made the health-check fields plain values. Whether 2.2 still had the legacy
// ServiceEntry endpoint shape is not covered by any golden we have; we assume it changed
// together with the move to DNS cluster extensions in 2.3, so 2.2 keeps it.
const V2_2: Profile = Profile { release: Release::V2_2, health_check_optional_fields: false, ..V2_1 };

const V2_3: Profile = Profile {
    release: Release::V2_3,
    dns_cluster_style: DnsClusterStyle::DnsClusterExtension,
    health_check_clears_hostname: true,
    service_entry_legacy_endpoints: false,
    ..V2_2
};

const V2_4: Profile = Profile {
    release: Release::V2_4,
    empty_metadata: false,
    default_locality_config: true,
    typed_lb_always_locality: true,
    merge: MergeMode::OldestWins,
    backend_tls_policy_precedence: true,
    stable_tie_break: true,
    ..V2_3
};

const MAIN: Profile = Profile { release: Release::Main, ..V2_4 };

/// The first release that has a BackendConfigPolicy field (JSON pointer below `spec`), for
/// fields that did not exist in 2.1. Checked by validation under the chosen profile.
pub const FIELD_SINCE: &[(&str, Release)] = &[
    ("/circuitBreakers", Release::V2_2),
    ("/circuitBreakers/trackRemaining", Release::V2_3),
    ("/dns", Release::V2_3),
    ("/upstreamProxyProtocol", Release::V2_3),
    ("/http2ProtocolOptions/connectionKeepalive", Release::V2_4),
    ("/loadBalancer/zoneAware", Release::V2_4),
    ("/tls/parameters/signatureAlgorithms", Release::V2_4),
    ("/outlierDetection/enforcingConsecutive5xx", Release::Main),
    ("/outlierDetection/splitExternalLocalOriginErrors", Release::Main),
    ("/outlierDetection/consecutiveLocalOriginFailure", Release::Main),
    ("/outlierDetection/enforcingConsecutiveLocalOriginFailure", Release::Main),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_release_names() {
        assert_eq!("2.4".parse::<Release>().unwrap(), Release::V2_4);
        assert_eq!("v2.1.x".parse::<Release>().unwrap(), Release::V2_1);
        assert_eq!("2.3.1".parse::<Release>().unwrap(), Release::V2_3);
        assert_eq!("main".parse::<Release>().unwrap(), Release::Main);
        assert!("2.0".parse::<Release>().is_err());
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
    }
}
