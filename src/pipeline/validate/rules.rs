//! kgateway's CEL rules (`x-kubernetes-validations`) for BackendConfigPolicy and Backend, as
//! Rust, per release, with kgateway's message text.
//!
//! The rules are a table ([`BCP_RULES`], [`BACKEND_RULES`]): a path below `spec` (`*` for
//! every list item), the releases whose CRD has the rule, a check and the CRD's message.
//! A unit test compares the table with the CEL rules listed from each release's CRD
//! (`schemas/<release>/<kind>.rules.json`, written by `scripts/gen-schemas.py`).

use std::fmt::Write;

use serde_json::Value;

use super::values::{MILLISECOND, SECOND, echo, matches_kgateway_duration, parse_go_duration, parse_quantity};
use crate::core::diag::Diagnostic;
use crate::core::kind::TargetKind;
use crate::core::release::Release;

const TARGET_KINDS_HINT: &str = "use group \"\" with kind Service, group gateway.kgateway.dev with kind Backend, or group networking.istio.io with kind Hostname";

const DURATION_HINT: &str = "integers with h, m, s, ms; e.g. 1500ms";

fn valid_target(group: &str, kind: &str) -> bool {
    TargetKind::of(group, kind).is_some()
}

/// A hint for a target kind/group pair that the CRD rejects.
fn target_hint(group: &str, kind: &str) -> String {
    if kind == "Service" && !group.is_empty() {
        // The kgateway docs' selector example writes group networking.istio.io with kind Service.
        return format!("a Kubernetes Service has group \"\" (the core group), not {group:?}: write group: \"\"");
    }
    TARGET_KINDS_HINT.to_string()
}

/// How many of a list of fields may be set.
#[derive(Debug, Clone, Copy)]
enum Count {
    Exactly(usize),
    AtMost(usize),
    AtLeast(usize),
}

/// What a rule checks at its path.
#[derive(Debug, Clone, Copy)]
enum Check {
    /// `matches(self, '^([0-9]{1,5}(h|m|s|ms)){1,4}$')`
    Duration,
    /// `duration(self) >= duration(min)`; nanoseconds.
    MinDuration(i128),
    /// `[has(self.a),…].filter(x,x==true).size() <op> N`
    Fields(&'static [&'static str], Count),
    /// `self.all(r, <allowed group/kind>)` on targetRefs / targetSelectors.
    TargetKinds,
    /// `!(has(self.jitter) && has(self.refreshRate)) || duration(self.jitter) <= duration(self.refreshRate)`
    JitterAtMostRefreshRate,
    /// `self.matches('^-?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)$') && double(self) > 0.0`
    PositiveNumberString,
    /// int in 65535..=2147483647, or a Quantity string in (65534, 2147483648).
    WindowSize,
    /// `!((has(a) || has(b) …) && has(c))`
    NotWith(&'static [&'static str], &'static str),
    /// `has(self.a) || has(self.b) ? has(self.a) && has(self.b) : true`
    BothOrNeither(&'static str, &'static str),
    /// `self.type == T ? has(self.f) : true`; `guarded` adds `!has(self.type) ||`.
    TypeNeedsField { ty: &'static str, field: &'static str, guarded: bool },
    /// `!(has(self.f) && self.type != T)`
    FieldOnlyForType { field: &'static str, ty: &'static str },
    /// `!(!has(self.f) && self.type == T)`
    FieldRequiredForType { field: &'static str, ty: &'static str },
    /// `self.all(a, self.exists_one(b, a.name == b.name))`
    UniqueNames,
    /// `self.all(r, size(r.name) > 0)`
    NonEmptyNames,
    /// `!has(self.lambda) || has(self.accountId) || has(self.lambda.accountId)`
    LambdaAccountId,
}

struct Rule {
    /// Below `spec`; `*` matches every list item; `""` is `spec` itself.
    path: &'static str,
    /// The first and last release whose CRD has the rule.
    from: Release,
    to: Release,
    check: Check,
    message: &'static str,
}

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

/// `has(self.f)`: set and not null (the API server drops nulls of non-nullable fields).
fn has(v: &Value, field: &str) -> bool {
    v.get(field).is_some_and(|x| !x.is_null())
}

/// Call `f` with every value at `path` (below `v`; `*` is every list item) and its JSON
/// pointer, built in one reused buffer: the pointer is only kept when a rule fails.
fn for_each_at<'a>(v: &'a Value, path: &str, ptr: &mut String, f: &mut dyn FnMut(&str, &'a Value)) {
    let Some(rest) = path.strip_prefix('/') else {
        f(ptr, v);
        return;
    };
    let (seg, rest) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let len = ptr.len();
    if seg == "*" {
        for (i, item) in v.as_array().into_iter().flatten().enumerate() {
            let _ = write!(ptr, "/{i}");
            for_each_at(item, rest, ptr, f);
            ptr.truncate(len);
        }
    } else if let Some(child) = crate::core::value::get(v, seg).filter(|c| !c.is_null()) {
        ptr.push('/');
        ptr.push_str(seg);
        for_each_at(child, rest, ptr, f);
        ptr.truncate(len);
    }
}

fn duration_of(v: Option<&Value>) -> Option<i128> {
    let s = v?.as_str()?;
    if !matches_kgateway_duration(s) {
        return None;
    }
    parse_go_duration(s)
}

fn type_of(v: &Value) -> Option<&str> {
    v.get("type").and_then(Value::as_str)
}

fn is_positive_number_string(s: &str) -> bool {
    // `^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$`, then `double(self) > 0.0`
    let t = s.strip_prefix('-').unwrap_or(s);
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    let shape = match t.split_once('.') {
        None => !t.is_empty() && digits(t),
        Some((int, frac)) => digits(int) && digits(frac) && (!int.is_empty() || !frac.is_empty()),
    };
    shape && s.parse::<f64>().is_ok_and(|x| x > 0.0)
}

fn window_size_ok(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.as_i64().is_some_and(|i| (65535..=2147483647).contains(&i)),
        Value::String(s) => parse_quantity(s).is_some_and(|q| q > 65534.0 && q < 2147483648.0),
        _ => true, // the schema reports the type
    }
}

/// Apply one rule at one value; (pointer below the rule's path, diagnostic) on failure.
fn check(rule: &Rule, v: &Value, release: Release, out: &mut Vec<(String, Diagnostic)>, ptr: &str) {
    let msg = rule.message;
    let fail = |out: &mut Vec<(String, Diagnostic)>, d: Diagnostic| out.push((ptr.to_string(), d));
    match rule.check {
        Duration => {
            if let Some(s) = v.as_str()
                && !matches_kgateway_duration(s)
            {
                fail(out, Diagnostic::error(format!("{msg} {}", echo(s))).hint(DURATION_HINT));
            }
        }
        MinDuration(min) => {
            if let Some(d) = duration_of(Some(v))
                && d < min
            {
                fail(out, Diagnostic::error(msg).hint(format!("got {}", echo(v.as_str().unwrap_or("")))));
            }
        }
        Fields(fields, count) => {
            let n = fields.iter().filter(|f| has(v, f)).count();
            let ok = match count {
                Exactly(k) => n == k,
                AtMost(k) => n <= k,
                AtLeast(k) => n >= k,
            };
            if !ok && v.is_object() {
                let set: Vec<&str> = fields.iter().copied().filter(|f| has(v, f)).collect();
                let hint = if set.is_empty() { "none is set".to_string() } else { format!("set: {}", set.join(", ")) };
                fail(out, Diagnostic::error(msg).hint(hint));
            }
        }
        TargetKinds => {
            for (i, r) in v.as_array().into_iter().flatten().enumerate() {
                let group = r.get("group").and_then(Value::as_str).unwrap_or("");
                let kind = r.get("kind").and_then(Value::as_str).unwrap_or("");
                if !valid_target(group, kind) {
                    out.push((
                        format!("{ptr}/{i}/group"),
                        Diagnostic::error(format!("{msg} (got group {group:?}, kind {kind:?})"))
                            .hint(target_hint(group, kind)),
                    ));
                }
            }
        }
        JitterAtMostRefreshRate => {
            if let (Some(j), Some(r)) = (duration_of(v.get("jitter")), duration_of(v.get("refreshRate")))
                && j > r
            {
                let hint = format!(
                    "jitter {} > refreshRate {}",
                    echo(v["jitter"].as_str().unwrap_or("")),
                    echo(v["refreshRate"].as_str().unwrap_or(""))
                );
                out.push((format!("{ptr}/jitter"), Diagnostic::error(msg).hint(hint)));
            }
        }
        PositiveNumberString => {
            if let Some(s) = v.as_str()
                && !is_positive_number_string(s)
            {
                fail(out, Diagnostic::error(msg).hint(format!("got {}", echo(s))));
            }
        }
        WindowSize => {
            if !window_size_ok(v) {
                let got = match v {
                    Value::String(s) => echo(s),
                    other => other.to_string(),
                };
                fail(out, Diagnostic::error(msg).hint(format!("got {got}; e.g. 65535, 64Ki or 1Mi")));
            }
        }
        NotWith(any, with) => {
            if has(v, with) && any.iter().any(|f| has(v, f)) {
                fail(out, Diagnostic::error(msg));
            }
        }
        BothOrNeither(a, b) => {
            if has(v, a) != has(v, b) {
                fail(out, Diagnostic::error(msg));
            }
        }
        TypeNeedsField { ty, field, guarded } => match type_of(v) {
            Some(t) if t == ty && !has(v, field) => fail(out, Diagnostic::error(msg)),
            // 2.1 requires `type` (the schema reports it); 2.2 and 2.3 fail every unguarded
            // rule with "no such key": report that once, at the AWS rule.
            None if !guarded && release != V2_1 && !has(v, "type") && ty == "AWS" => fail(
                out,
                Diagnostic::error(format!("no such key: type evaluating rule: {msg}"))
                    .hint(format!("kgateway {release}'s Backend CEL rules read spec.type: set it (e.g. type: Static)")),
            ),
            _ => {}
        },
        FieldOnlyForType { field, ty } => {
            if let Some(t) = type_of(v)
                && has(v, field)
                && t != ty
            {
                fail(out, Diagnostic::error(msg));
            }
        }
        FieldRequiredForType { field, ty } => {
            if type_of(v) == Some(ty) && !has(v, field) {
                fail(out, Diagnostic::error(msg));
            }
        }
        UniqueNames => {
            let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
            let names: Vec<Option<&Value>> = items.iter().map(|i| i.get("name")).collect();
            for (i, n) in names.iter().enumerate() {
                if n.is_some() && names[..i].contains(n) {
                    out.push((format!("{ptr}/{i}/name"), Diagnostic::error(msg)));
                }
            }
        }
        NonEmptyNames => {
            for (i, r) in v.as_array().into_iter().flatten().enumerate() {
                if r.get("name").and_then(Value::as_str).is_none_or(str::is_empty) {
                    out.push((format!("{ptr}/{i}"), Diagnostic::error(msg)));
                }
            }
        }
        LambdaAccountId => {
            let lambda_account = v.get("lambda").is_some_and(|l| has(l, "accountId"));
            if has(v, "lambda") && !has(v, "accountId") && !lambda_account {
                fail(out, Diagnostic::error(msg));
            }
        }
    }
}

fn run<'r>(rules: impl IntoIterator<Item = &'r Rule>, spec: &Value, release: Release) -> Vec<(String, Diagnostic)> {
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
pub fn backend_config_policy(spec: &Value, release: Release) -> Vec<(String, Diagnostic)> {
    run(BCP_RULES, spec, release)
}

/// Backend findings as (pointer below `spec`, diagnostic).
pub fn backend(spec: &Value, release: Release) -> Vec<(String, Diagnostic)> {
    run(BACKEND_RULES.iter().chain(&LLM_RULES).chain(&PROVIDER_RULES), spec, release)
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
