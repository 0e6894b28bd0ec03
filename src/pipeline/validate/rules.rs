//! kgateway's CEL rules (`x-kubernetes-validations`) for BackendConfigPolicy and Backend, as
//! Rust, per release, with kgateway's message text.
//!
//! The rules are a table ([`BCP_RULES`], [`BACKEND_RULES`]): a path below `spec` (`*` for
//! every list item), the releases whose CRD has the rule, a check ([`cel`](super::cel)) and
//! the CRD's message. A unit test compares the table with the CEL rules listed from each
//! release's CRD (`schemas/<release>/<kind>.rules.json`, written by `scripts/gen-schemas.py`).

use serde_json::Value;

use super::cel::{Check, Count, Findings, Rule, check, for_each_at};
use super::values::{MILLISECOND, SECOND};
use crate::core::release::Release;

use Check::*;
use Count::*;
const V2_1: Release = Release::V2_1;
const V2_2: Release = Release::V2_2;
const V2_3: Release = Release::V2_3;
const V2_4: Release = Release::V2_4;
const MAIN: Release = Release::MAIN;

const fn rule(path: &'static str, from: Release, check: Check, message: &'static str) -> Rule {
    Rule { path, from, to: MAIN, check, message }
}

const fn only(path: &'static str, from: Release, to: Release, check: Check, message: &'static str) -> Rule {
    Rule { path, from, to, check, message }
}

const INVALID_DURATION: &str = "invalid duration value";
const HASH_POLICY: &str = "exactly one of the fields in [header cookie sourceIP] must be set";
const AGGRESSION: &str = "Aggression, if specified, must be a string representing a number greater than 0.0";

const BCP_RULES: &[Rule] = &[
    rule(
        "",
        V2_1,
        Fields(&["http1ProtocolOptions", "http2ProtocolOptions"], AtMost(1)),
        "at most one of the fields in [http1ProtocolOptions http2ProtocolOptions] may be set",
    ),
    rule(
        "/targetRefs",
        V2_1,
        TargetKinds,
        "TargetRefs must reference either a Kubernetes Service, a Backend, or an Istio Hostname",
    ),
    rule(
        "/targetSelectors",
        V2_1,
        TargetKinds,
        "TargetSelectors must reference either a Kubernetes Service, a Backend, or an Istio Hostname",
    ),
    rule("/connectTimeout", V2_1, Duration, INVALID_DURATION),
    rule("/tcpKeepalive/keepAliveTime", V2_1, Duration, INVALID_DURATION),
    rule("/tcpKeepalive/keepAliveTime", V2_1, MinDuration(SECOND), "keepAliveTime must be at least 1 second"),
    rule("/tcpKeepalive/keepAliveInterval", V2_1, Duration, INVALID_DURATION),
    rule("/tcpKeepalive/keepAliveInterval", V2_1, MinDuration(SECOND), "keepAliveInterval must be at least 1 second"),
    rule("/commonHttpProtocolOptions/idleTimeout", V2_1, Duration, INVALID_DURATION),
    rule("/commonHttpProtocolOptions/maxStreamDuration", V2_1, Duration, INVALID_DURATION),
    rule(
        "/http2ProtocolOptions/initialStreamWindowSize",
        V2_1,
        WindowSize,
        "InitialStreamWindowSize must be between 65535 and 2147483647 bytes (inclusive)",
    ),
    rule(
        "/http2ProtocolOptions/initialConnectionWindowSize",
        V2_1,
        WindowSize,
        "InitialConnectionWindowSize must be between 65535 and 2147483647 bytes (inclusive)",
    ),
    rule("/http2ProtocolOptions/connectionKeepalive/timeout", V2_4, Duration, INVALID_DURATION),
    rule(
        "/http2ProtocolOptions/connectionKeepalive/timeout",
        V2_4,
        MinDuration(MILLISECOND),
        "timeout must be at least 1ms",
    ),
    rule("/http2ProtocolOptions/connectionKeepalive/interval", V2_4, Duration, INVALID_DURATION),
    rule(
        "/http2ProtocolOptions/connectionKeepalive/interval",
        V2_4,
        MinDuration(MILLISECOND),
        "interval must be at least 1ms",
    ),
    rule("/http2ProtocolOptions/connectionKeepalive/connectionIdleInterval", V2_4, Duration, INVALID_DURATION),
    rule(
        "/http2ProtocolOptions/connectionKeepalive/connectionIdleInterval",
        V2_4,
        MinDuration(MILLISECOND),
        "connectionIdleInterval must be at least 1ms",
    ),
    rule(
        "/tls",
        V2_1,
        Fields(&["secretRef", "files", "insecureSkipVerify", "wellKnownCACertificates"], Exactly(1)),
        "exactly one of the fields in [secretRef files insecureSkipVerify wellKnownCACertificates] must be set",
    ),
    rule(
        "/tls/files",
        V2_1,
        Fields(&["tlsCertificate", "tlsKey", "rootCA"], AtLeast(1)),
        "At least one of tlsCertificate, tlsKey, or rootCA must be set in TLSFiles",
    ),
    rule(
        "/loadBalancer",
        V2_1,
        Fields(&["leastRequest", "roundRobin", "ringHash", "maglev", "random"], Exactly(1)),
        "exactly one of the fields in [leastRequest roundRobin ringHash maglev random] must be set",
    ),
    rule(
        "/loadBalancer",
        V2_4,
        NotWith(&["localityType"], "zoneAware"),
        "localityType and zoneAware are mutually exclusive",
    ),
    rule(
        "/loadBalancer",
        V2_4,
        NotWith(&["ringHash", "maglev"], "zoneAware"),
        "zoneAware is not supported with ringHash or maglev load balancers",
    ),
    rule(
        "/loadBalancer/zoneAware",
        V2_4,
        Fields(&["preferLocal"], AtLeast(1)),
        "at least one of the fields in [preferLocal] must be set",
    ),
    rule("/loadBalancer/updateMergeWindow", V2_1, Duration, INVALID_DURATION),
    rule("/loadBalancer/leastRequest/slowStart/window", V2_1, Duration, INVALID_DURATION),
    rule("/loadBalancer/leastRequest/slowStart/aggression", V2_1, PositiveNumberString, AGGRESSION),
    rule("/loadBalancer/roundRobin/slowStart/window", V2_1, Duration, INVALID_DURATION),
    rule("/loadBalancer/roundRobin/slowStart/aggression", V2_1, PositiveNumberString, AGGRESSION),
    rule(
        "/loadBalancer/ringHash/hashPolicies/*",
        V2_1,
        Fields(&["header", "cookie", "sourceIP"], Exactly(1)),
        HASH_POLICY,
    ),
    rule("/loadBalancer/ringHash/hashPolicies/*/cookie/ttl", V2_1, Duration, INVALID_DURATION),
    rule(
        "/loadBalancer/maglev/hashPolicies/*",
        V2_1,
        Fields(&["header", "cookie", "sourceIP"], Exactly(1)),
        HASH_POLICY,
    ),
    rule("/loadBalancer/maglev/hashPolicies/*/cookie/ttl", V2_1, Duration, INVALID_DURATION),
    rule("/healthCheck", V2_1, Fields(&["http", "grpc"], Exactly(1)), "exactly one of http or grpc must be set"),
    rule("/healthCheck/timeout", V2_1, Duration, INVALID_DURATION),
    rule("/healthCheck/interval", V2_1, Duration, INVALID_DURATION),
    rule("/outlierDetection/interval", V2_1, Duration, INVALID_DURATION),
    rule("/outlierDetection/interval", V2_1, MinDuration(MILLISECOND), "interval must be at least 1ms"),
    rule("/outlierDetection/baseEjectionTime", V2_1, Duration, INVALID_DURATION),
    rule("/outlierDetection/baseEjectionTime", V2_1, MinDuration(MILLISECOND), "baseEjectionTime must be at least 1ms"),
    rule(
        "/circuitBreakers",
        V2_2,
        Fields(&["maxConnections", "maxPendingRequests", "maxRequests", "maxRetries"], AtLeast(1)),
        "at least one of the fields in [maxConnections maxPendingRequests maxRequests maxRetries] must be set",
    ),
    rule("/dns", V2_3, JitterAtMostRefreshRate, "jitter must be less than or equal to refreshRate"),
    rule("/dns/refreshRate", V2_3, Duration, INVALID_DURATION),
    rule("/dns/refreshRate", V2_3, MinDuration(MILLISECOND), "refreshRate must be at least 1ms"),
    rule("/dns/jitter", V2_3, Duration, INVALID_DURATION),
];

const LLM_PROVIDERS: &[&str] = &["openai", "azureopenai", "anthropic", "gemini", "vertexai", "bedrock"];
const LLM_PROVIDERS_MSG: &str =
    "exactly one of the fields in [openai azureopenai anthropic gemini vertexai bedrock] must be set";
const HOST_PORT: &str = "both host and port must be set together";
const INLINE_OR_SECRET: &str = "at most one of the fields in [inline secretRef] may be set";
const AUTH_HEADER: &str = "at least one of prefix or headerName must be set";
const SECRET_REF_NIL: &str = "secretRef must be nil if the type is not 'Secret'";
const SECRET_REF_NEEDED: &str = "secretRef must be specified when type is 'Secret'";

macro_rules! llm_rules {
    ($base:literal) => {
        [
            only($base, V2_1, V2_1, BothOrNeither("host", "port"), HOST_PORT),
            only($base, V2_1, V2_1, Fields(LLM_PROVIDERS, Exactly(1)), LLM_PROVIDERS_MSG),
            only(
                concat!($base, "/anthropic/authToken"),
                V2_1,
                V2_1,
                Fields(&["inline", "secretRef"], AtMost(1)),
                INLINE_OR_SECRET,
            ),
            only(
                concat!($base, "/azureopenai/authToken"),
                V2_1,
                V2_1,
                Fields(&["inline", "secretRef"], AtMost(1)),
                INLINE_OR_SECRET,
            ),
            only(
                concat!($base, "/gemini/authToken"),
                V2_1,
                V2_1,
                Fields(&["inline", "secretRef"], AtMost(1)),
                INLINE_OR_SECRET,
            ),
            only(
                concat!($base, "/openai/authToken"),
                V2_1,
                V2_1,
                Fields(&["inline", "secretRef"], AtMost(1)),
                INLINE_OR_SECRET,
            ),
            only(
                concat!($base, "/vertexai/authToken"),
                V2_1,
                V2_1,
                Fields(&["inline", "secretRef"], AtMost(1)),
                INLINE_OR_SECRET,
            ),
            only(concat!($base, "/authHeader"), V2_1, V2_1, Fields(&["prefix", "headerName"], AtLeast(1)), AUTH_HEADER),
            only(
                concat!($base, "/bedrock/auth"),
                V2_1,
                V2_1,
                FieldOnlyForType { field: "secretRef", ty: "Secret" },
                SECRET_REF_NIL,
            ),
            only(
                concat!($base, "/bedrock/auth"),
                V2_1,
                V2_1,
                FieldRequiredForType { field: "secretRef", ty: "Secret" },
                SECRET_REF_NEEDED,
            ),
        ]
    };
}

const LLM_RULES: [Rule; 10] = llm_rules!("/ai/llm");
const PROVIDER_RULES: [Rule; 10] = llm_rules!("/ai/priorityGroups/*/providers/*");

const fn type_needs(ty: &'static str, field: &'static str, guarded: bool) -> Check {
    TypeNeedsField { ty, field, guarded }
}

const BACKEND_RULES: &[Rule] = &[
    // 2.1
    only("", V2_1, V2_1, type_needs("AI", "ai", false), "ai backend must be specified when type is 'AI'"),
    only("", V2_1, V2_3, type_needs("AWS", "aws", false), "aws backend must be specified when type is 'AWS'"),
    only(
        "",
        V2_1,
        V2_3,
        type_needs("Static", "static", false),
        "static backend must be specified when type is 'Static'",
    ),
    only(
        "",
        V2_1,
        V2_3,
        type_needs("DynamicForwardProxy", "dynamicForwardProxy", false),
        "dynamicForwardProxy backend must be specified when type is 'DynamicForwardProxy'",
    ),
    only("", V2_1, V2_1, type_needs("MCP", "mcp", false), "mcp backend must be specified when type is 'MCP'"),
    only(
        "",
        V2_1,
        V2_1,
        Fields(&["ai", "aws", "static", "dynamicForwardProxy", "mcp"], Exactly(1)),
        "exactly one of the fields in [ai aws static dynamicForwardProxy mcp] must be set",
    ),
    only(
        "/ai",
        V2_1,
        V2_1,
        Fields(&["llm", "priorityGroups"], Exactly(1)),
        "exactly one of the fields in [llm priorityGroups] must be set",
    ),
    only("/ai/priorityGroups/*/providers", V2_1, V2_1, UniqueNames, "provider names must be unique within a group"),
    only("/mcp/targets", V2_1, V2_1, UniqueNames, "target names must be unique"),
    only(
        "/mcp/targets/*",
        V2_1,
        V2_1,
        Fields(&["selector", "static"], Exactly(1)),
        "exactly one of the fields in [selector static] must be set",
    ),
    only(
        "/mcp/targets/*/selector",
        V2_1,
        V2_1,
        Fields(&["namespace", "service"], AtLeast(1)),
        "at least one of namespace or service must be set",
    ),
    // 2.2
    only(
        "",
        V2_2,
        V2_2,
        Fields(&["aws", "static", "dynamicForwardProxy"], Exactly(1)),
        "exactly one of the fields in [aws static dynamicForwardProxy] must be set",
    ),
    // 2.3
    only("", V2_3, V2_3, type_needs("GCP", "gcp", false), "gcp backend must be specified when type is 'GCP'"),
    only(
        "",
        V2_3,
        V2_3,
        Fields(&["aws", "static", "dynamicForwardProxy", "gcp"], Exactly(1)),
        "exactly one of the fields in [aws static dynamicForwardProxy gcp] must be set",
    ),
    // 2.4+
    rule("", V2_4, type_needs("AWS", "aws", true), "aws backend must be specified when type is 'AWS'"),
    rule("", V2_4, type_needs("Static", "static", true), "static backend must be specified when type is 'Static'"),
    rule(
        "",
        V2_4,
        type_needs("DynamicForwardProxy", "dynamicForwardProxy", true),
        "dynamicForwardProxy backend must be specified when type is 'DynamicForwardProxy'",
    ),
    rule("", V2_4, type_needs("GCP", "gcp", true), "gcp backend must be specified when type is 'GCP'"),
    rule(
        "",
        V2_4,
        type_needs("PriorityGroups", "priorityGroups", true),
        "priorityGroups backend must be specified when type is 'PriorityGroups'",
    ),
    rule(
        "",
        V2_4,
        Fields(&["aws", "static", "dynamicForwardProxy", "gcp", "priorityGroups"], Exactly(1)),
        "exactly one of the fields in [aws static dynamicForwardProxy gcp priorityGroups] must be set",
    ),
    rule("/aws", V2_4, LambdaAccountId, "accountId must be specified on aws or aws.lambda for lambda backends"),
    rule("/aws", V2_4, Fields(&["lambda", "ec2"], Exactly(1)), "exactly one of the fields in [lambda ec2] must be set"),
    rule(
        "/aws/auth",
        V2_4,
        FieldOnlyForType { field: "assumeRole", ty: "AssumeRole" },
        "assumeRole must be nil if the type is not 'AssumeRole'",
    ),
    rule(
        "/aws/auth",
        V2_4,
        FieldRequiredForType { field: "assumeRole", ty: "AssumeRole" },
        "assumeRole must be specified when type is 'AssumeRole'",
    ),
    rule(
        "/aws/ec2/filters/*",
        V2_4,
        Fields(&["key", "keyValue"], Exactly(1)),
        "exactly one of the fields in [key keyValue] must be set",
    ),
    rule("/priorityGroups/*/backendRefs", V2_4, NonEmptyNames, "backend reference name must not be empty"),
    // every release
    rule("/aws/auth", V2_1, FieldOnlyForType { field: "secretRef", ty: "Secret" }, SECRET_REF_NIL),
    rule("/aws/auth", V2_1, FieldRequiredForType { field: "secretRef", ty: "Secret" }, SECRET_REF_NEEDED),
];

fn run<'r>(rules: impl IntoIterator<Item = &'r Rule>, spec: &Value, release: Release) -> Findings {
    let mut out = Vec::new();
    // A spec sets a few of the many fields the rules look at: skip the rules below absent
    // top-level fields by comparing names, before any lookup (each one hashes its key).
    let present: Vec<&str> = spec.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
    let applies = |r: &Rule| {
        let first = r.path.split('/').nth(1);
        first.is_none_or(|f| present.contains(&f))
    };
    let mut ptr = String::new();
    for rule in rules.into_iter().filter(|r| r.from <= release && release <= r.to && applies(r)) {
        for_each_at(spec, rule.path, &mut ptr, &mut |p, v| check(rule, v, release, &mut out, p));
    }
    out
}

/// BackendConfigPolicy findings as (pointer below `spec`, diagnostic).
pub fn backend_config_policy(spec: &Value, release: Release) -> Findings {
    run(BCP_RULES, spec, release)
}

/// Backend findings as (pointer below `spec`, diagnostic).
pub fn backend(spec: &Value, release: Release) -> Findings {
    run(BACKEND_RULES.iter().chain(&LLM_RULES).chain(&PROVIDER_RULES), spec, release)
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
