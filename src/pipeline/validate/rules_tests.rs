//! Table-driven tests of every CEL rule, passing and failing.
use super::*;
use serde_json::json;

use crate::core::diag::Diagnostic;

#[test]
fn the_docs_selector_example_is_refused_with_a_core_group_hint() {
    let spec =
        json!({"targetSelectors": [{"group": "networking.istio.io", "kind": "Service", "matchLabels": {"app": "x"}}]});
    let f = backend_config_policy(&spec, Release::V2_4);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].0, "/targetSelectors/0/group");
    assert!(f[0].1.to_string().contains("write group: \"\""), "{}", f[0].1);
}

#[test]
fn valid_targets_pass() {
    let spec = json!({"targetRefs": [{"group": "", "kind": "Service", "name": "a"}, {"group": "gateway.kgateway.dev", "kind": "Backend", "name": "b"}, {"group": "networking.istio.io", "kind": "Hostname", "name": "c"}]});
    assert!(backend_config_policy(&spec, Release::V2_4).is_empty());
}

/// (release, spec, None = passes | Some((pointer, message prefix)))
type Case = (Release, Value, Option<(&'static str, &'static str)>);

fn bcp_cases() -> Vec<Case> {
    let lr = json!({"leastRequest": {}});
    vec![
        // at most one of http1/http2
        (V2_1, json!({"http1ProtocolOptions": {}}), None),
        (
            V2_1,
            json!({"http1ProtocolOptions": {}, "http2ProtocolOptions": {}}),
            Some(("", "at most one of the fields in [http1ProtocolOptions http2ProtocolOptions]")),
        ),
        // target kinds
        (V2_4, json!({"targetRefs": [{"group": "", "kind": "Service", "name": "a"}]}), None),
        (
            V2_4,
            json!({"targetRefs": [{"group": "apps", "kind": "Deployment", "name": "a"}]}),
            Some(("/targetRefs/0/group", "TargetRefs must reference")),
        ),
        (
            V2_4,
            json!({"targetSelectors": [{"group": "", "kind": "Pod", "matchLabels": {}}]}),
            Some(("/targetSelectors/0/group", "TargetSelectors must reference")),
        ),
        // duration regex
        (V2_4, json!({"connectTimeout": "1500ms"}), None),
        (V2_4, json!({"connectTimeout": "1.5s"}), Some(("/connectTimeout", "invalid duration value \"1.5s\""))),
        (
            V2_1,
            json!({"commonHttpProtocolOptions": {"idleTimeout": "10us"}}),
            Some(("/commonHttpProtocolOptions/idleTimeout", "invalid duration value")),
        ),
        (
            V2_1,
            json!({"commonHttpProtocolOptions": {"maxStreamDuration": "-1s"}}),
            Some(("/commonHttpProtocolOptions/maxStreamDuration", "invalid duration value")),
        ),
        (
            V2_1,
            json!({"healthCheck": {"timeout": "1 s", "interval": "1s", "http": {"path": "/"}}}),
            Some(("/healthCheck/timeout", "invalid duration value")),
        ),
        (
            V2_1,
            json!({"healthCheck": {"timeout": "1s", "interval": "1d", "http": {"path": "/"}}}),
            Some(("/healthCheck/interval", "invalid duration value")),
        ),
        (
            V2_1,
            json!({"loadBalancer": {"roundRobin": {"slowStart": {"window": "1.0s"}}}}),
            Some(("/loadBalancer/roundRobin/slowStart/window", "invalid duration value")),
        ),
        (V2_1, json!({"loadBalancer": {"leastRequest": {"slowStart": {"window": "5m"}}}}), None),
        (
            V2_1,
            json!({"loadBalancer": {"leastRequest": {"slowStart": {"window": "5M"}}}}),
            Some(("/loadBalancer/leastRequest/slowStart/window", "invalid duration value")),
        ),
        (
            V2_1,
            json!({"loadBalancer": {"random": {}, "updateMergeWindow": "100000s"}}),
            Some(("/loadBalancer/updateMergeWindow", "invalid duration value")),
        ),
        (
            V2_1,
            json!({"loadBalancer": {"ringHash": {"hashPolicies": [{"cookie": {"name": "c", "ttl": "1x"}}]}}}),
            Some(("/loadBalancer/ringHash/hashPolicies/0/cookie/ttl", "invalid duration value")),
        ),
        (
            V2_1,
            json!({"loadBalancer": {"maglev": {"hashPolicies": [{"cookie": {"name": "c", "ttl": "1h"}}, {"cookie": {"name": "c", "ttl": "1.5h"}}]}}}),
            Some(("/loadBalancer/maglev/hashPolicies/1/cookie/ttl", "invalid duration value")),
        ),
        // duration minimums
        (V2_1, json!({"tcpKeepalive": {"keepAliveTime": "1s", "keepAliveInterval": "1000ms"}}), None),
        (
            V2_1,
            json!({"tcpKeepalive": {"keepAliveTime": "999ms"}}),
            Some(("/tcpKeepalive/keepAliveTime", "keepAliveTime must be at least 1 second")),
        ),
        (
            V2_1,
            json!({"tcpKeepalive": {"keepAliveInterval": "0s"}}),
            Some(("/tcpKeepalive/keepAliveInterval", "keepAliveInterval must be at least 1 second")),
        ),
        (
            V2_1,
            json!({"outlierDetection": {"interval": "0ms"}}),
            Some(("/outlierDetection/interval", "interval must be at least 1ms")),
        ),
        (
            V2_1,
            json!({"outlierDetection": {"baseEjectionTime": "0s"}}),
            Some(("/outlierDetection/baseEjectionTime", "baseEjectionTime must be at least 1ms")),
        ),
        (V2_1, json!({"outlierDetection": {"interval": "1ms", "baseEjectionTime": "30s"}}), None),
        (V2_3, json!({"dns": {"refreshRate": "0s"}}), Some(("/dns/refreshRate", "refreshRate must be at least 1ms"))),
        (V2_3, json!({"dns": {"refreshRate": "5"}}), Some(("/dns/refreshRate", "invalid duration value"))),
        (V2_3, json!({"dns": {"jitter": "1.5s"}}), Some(("/dns/jitter", "invalid duration value"))),
        (
            V2_4,
            json!({"http2ProtocolOptions": {"connectionKeepalive": {"timeout": "0s"}}}),
            Some(("/http2ProtocolOptions/connectionKeepalive/timeout", "timeout must be at least 1ms")),
        ),
        (
            V2_4,
            json!({"http2ProtocolOptions": {"connectionKeepalive": {"timeout": "1s", "interval": "0ms"}}}),
            Some(("/http2ProtocolOptions/connectionKeepalive/interval", "interval must be at least 1ms")),
        ),
        (
            V2_4,
            json!({"http2ProtocolOptions": {"connectionKeepalive": {"timeout": "1s", "connectionIdleInterval": "0s"}}}),
            Some((
                "/http2ProtocolOptions/connectionKeepalive/connectionIdleInterval",
                "connectionIdleInterval must be at least 1ms",
            )),
        ),
        (
            V2_4,
            json!({"http2ProtocolOptions": {"connectionKeepalive": {"timeout": "1s", "interval": "1.5s"}}}),
            Some(("/http2ProtocolOptions/connectionKeepalive/interval", "invalid duration value")),
        ),
        (
            V2_4,
            json!({"http2ProtocolOptions": {"connectionKeepalive": {"timeout": "1ms", "interval": "10s", "connectionIdleInterval": "1h"}}}),
            None,
        ),
        // jitter <= refreshRate
        (V2_3, json!({"dns": {"refreshRate": "5s", "jitter": "5s"}}), None),
        (
            V2_3,
            json!({"dns": {"refreshRate": "5s", "jitter": "6s"}}),
            Some(("/dns/jitter", "jitter must be less than or equal to refreshRate")),
        ),
        // window sizes
        (
            V2_1,
            json!({"http2ProtocolOptions": {"initialStreamWindowSize": 65535, "initialConnectionWindowSize": "2147483647"}}),
            None,
        ),
        (V2_1, json!({"http2ProtocolOptions": {"initialStreamWindowSize": "64Ki"}}), None),
        (
            V2_1,
            json!({"http2ProtocolOptions": {"initialStreamWindowSize": 65534}}),
            Some((
                "/http2ProtocolOptions/initialStreamWindowSize",
                "InitialStreamWindowSize must be between 65535 and 2147483647 bytes (inclusive)",
            )),
        ),
        (
            V2_1,
            json!({"http2ProtocolOptions": {"initialConnectionWindowSize": "2Gi"}}),
            Some(("/http2ProtocolOptions/initialConnectionWindowSize", "InitialConnectionWindowSize must be between")),
        ),
        (
            V2_1,
            json!({"http2ProtocolOptions": {"initialConnectionWindowSize": "64k"}}),
            Some(("/http2ProtocolOptions/initialConnectionWindowSize", "InitialConnectionWindowSize must be between")),
        ),
        // TLS exactly one, TLSFiles at least one
        (V2_1, json!({"tls": {"secretRef": {"name": "s"}}}), None),
        (
            V2_1,
            json!({"tls": {"sni": "x"}}),
            Some((
                "/tls",
                "exactly one of the fields in [secretRef files insecureSkipVerify wellKnownCACertificates] must be set",
            )),
        ),
        (
            V2_1,
            json!({"tls": {"insecureSkipVerify": true, "wellKnownCACertificates": "System"}}),
            Some(("/tls", "exactly one of the fields in [secretRef files")),
        ),
        (
            V2_1,
            json!({"tls": {"files": {}}}),
            Some(("/tls/files", "At least one of tlsCertificate, tlsKey, or rootCA must be set in TLSFiles")),
        ),
        (V2_1, json!({"tls": {"files": {"rootCA": "/ca"}}}), None),
        // LB kinds
        (
            V2_1,
            json!({"loadBalancer": {"healthyPanicThreshold": 10}}),
            Some((
                "/loadBalancer",
                "exactly one of the fields in [leastRequest roundRobin ringHash maglev random] must be set",
            )),
        ),
        (
            V2_1,
            json!({"loadBalancer": {"random": {}, "roundRobin": {}}}),
            Some(("/loadBalancer", "exactly one of the fields in [leastRequest")),
        ),
        // aggression
        (V2_1, json!({"loadBalancer": {"leastRequest": {"slowStart": {"aggression": "1.5"}}}}), None),
        (V2_1, json!({"loadBalancer": {"leastRequest": {"slowStart": {"aggression": ".5"}}}}), None),
        (
            V2_1,
            json!({"loadBalancer": {"leastRequest": {"slowStart": {"aggression": "0"}}}}),
            Some((
                "/loadBalancer/leastRequest/slowStart/aggression",
                "Aggression, if specified, must be a string representing a number greater than 0.0",
            )),
        ),
        (
            V2_1,
            json!({"loadBalancer": {"roundRobin": {"slowStart": {"aggression": "1e3"}}}}),
            Some(("/loadBalancer/roundRobin/slowStart/aggression", "Aggression, if specified")),
        ),
        (
            V2_1,
            json!({"loadBalancer": {"roundRobin": {"slowStart": {"aggression": "-2"}}}}),
            Some(("/loadBalancer/roundRobin/slowStart/aggression", "Aggression, if specified")),
        ),
        // hash policy
        (V2_1, json!({"loadBalancer": {"ringHash": {"hashPolicies": [{"sourceIP": {}}]}}}), None),
        (
            V2_1,
            json!({"loadBalancer": {"ringHash": {"hashPolicies": [{"header": {"name": "h"}, "sourceIP": {}}]}}}),
            Some((
                "/loadBalancer/ringHash/hashPolicies/0",
                "exactly one of the fields in [header cookie sourceIP] must be set",
            )),
        ),
        (
            V2_1,
            json!({"loadBalancer": {"maglev": {"hashPolicies": [{"terminal": true}]}}}),
            Some(("/loadBalancer/maglev/hashPolicies/0", "exactly one of the fields in [header cookie sourceIP]")),
        ),
        // zoneAware
        (V2_4, json!({"loadBalancer": {"leastRequest": {}, "zoneAware": {"preferLocal": {}}}}), None),
        (
            V2_4,
            json!({"loadBalancer": {"leastRequest": {}, "zoneAware": {}}}),
            Some(("/loadBalancer/zoneAware", "at least one of the fields in [preferLocal] must be set")),
        ),
        (
            V2_4,
            json!({"loadBalancer": {"leastRequest": {}, "localityType": "WeightedLb", "zoneAware": {"preferLocal": {}}}}),
            Some(("/loadBalancer", "localityType and zoneAware are mutually exclusive")),
        ),
        (
            V2_4,
            json!({"loadBalancer": {"maglev": {}, "zoneAware": {"preferLocal": {}}}}),
            Some(("/loadBalancer", "zoneAware is not supported with ringHash or maglev load balancers")),
        ),
        (V2_4, json!({"loadBalancer": {"roundRobin": {}, "localityType": "WeightedLb"}}), None),
        // health check
        (V2_1, json!({"healthCheck": {"timeout": "1s", "interval": "1s", "grpc": {}}}), None),
        (
            V2_1,
            json!({"healthCheck": {"timeout": "1s", "interval": "1s"}}),
            Some(("/healthCheck", "exactly one of http or grpc must be set")),
        ),
        (
            V2_1,
            json!({"healthCheck": {"timeout": "1s", "interval": "1s", "grpc": {}, "http": {"path": "/"}}}),
            Some(("/healthCheck", "exactly one of http or grpc must be set")),
        ),
        // circuit breakers (2.2+)
        (V2_2, json!({"circuitBreakers": {"maxRetries": 0}}), None),
        (
            V2_3,
            json!({"circuitBreakers": {"trackRemaining": true}}),
            Some((
                "/circuitBreakers",
                "at least one of the fields in [maxConnections maxPendingRequests maxRequests maxRetries] must be set",
            )),
        ),
        // null counts as unset
        (V2_1, json!({"loadBalancer": {"random": {}, "maglev": null}, "connectTimeout": null}), None),
        (V2_1, lr.clone(), None),
    ]
}

fn backend_cases() -> Vec<Case> {
    let lambda = json!({"functionName": "f"});
    vec![
        (V2_4, json!({"type": "Static", "static": {"hosts": []}}), None),
        (V2_4, json!({"static": {"hosts": []}}), None),
        (V2_4, json!({"type": "AWS", "static": {}}), Some(("", "aws backend must be specified when type is 'AWS'"))),
        (
            V2_4,
            json!({"type": "Static", "aws": {}}),
            Some(("", "static backend must be specified when type is 'Static'")),
        ),
        (
            V2_4,
            json!({"type": "DynamicForwardProxy", "static": {}}),
            Some(("", "dynamicForwardProxy backend must be specified when type is 'DynamicForwardProxy'")),
        ),
        (V2_4, json!({"type": "GCP", "static": {}}), Some(("", "gcp backend must be specified when type is 'GCP'"))),
        (
            V2_4,
            json!({"type": "PriorityGroups", "static": {}}),
            Some(("", "priorityGroups backend must be specified when type is 'PriorityGroups'")),
        ),
        (
            MAIN,
            json!({"static": {}, "gcp": {}}),
            Some(("", "exactly one of the fields in [aws static dynamicForwardProxy gcp priorityGroups] must be set")),
        ),
        (V2_4, json!({"aws": {"lambda": lambda, "accountId": "1"}}), None),
        (
            V2_4,
            json!({"aws": {"lambda": lambda}}),
            Some(("/aws", "accountId must be specified on aws or aws.lambda for lambda backends")),
        ),
        (
            V2_4,
            json!({"aws": {"accountId": "1"}}),
            Some(("/aws", "exactly one of the fields in [lambda ec2] must be set")),
        ),
        (
            V2_4,
            json!({"aws": {"ec2": {}, "auth": {"type": "Secret"}}}),
            Some(("/aws/auth", "secretRef must be specified when type is 'Secret'")),
        ),
        (
            V2_2,
            json!({"type": "AWS", "aws": {"auth": {"type": "IRSA", "secretRef": {"name": "s"}}}}),
            Some(("/aws/auth", "secretRef must be nil if the type is not 'Secret'")),
        ),
        (
            V2_4,
            json!({"aws": {"ec2": {}, "auth": {"type": "AssumeRole"}}}),
            Some(("/aws/auth", "assumeRole must be specified when type is 'AssumeRole'")),
        ),
        (
            V2_4,
            json!({"aws": {"ec2": {}, "auth": {"type": "Secret", "secretRef": {"name": "s"}, "assumeRole": {}}}}),
            Some(("/aws/auth", "assumeRole must be nil if the type is not 'AssumeRole'")),
        ),
        (
            V2_4,
            json!({"aws": {"ec2": {"filters": [{"key": "k", "keyValue": {}}]}}}),
            Some(("/aws/ec2/filters/0", "exactly one of the fields in [key keyValue] must be set")),
        ),
        (
            V2_4,
            json!({"priorityGroups": [{"backendRefs": [{"name": "a"}, {"name": ""}]}]}),
            Some(("/priorityGroups/0/backendRefs/1", "backend reference name must not be empty")),
        ),
        // 2.2/2.3: unguarded `self.type == …` rules fail when type is absent
        (V2_3, json!({"type": "GCP", "gcp": {}}), None),
        (V2_3, json!({"static": {}}), Some(("", "no such key: type evaluating rule: aws backend must be specified"))),
        (V2_2, json!({"static": {}}), Some(("", "no such key: type evaluating rule: aws backend must be specified"))),
        // 2.1's CRD requires type: the schema reports it, the rules say nothing.
        (V2_1, json!({"static": {}}), None),
        (
            V2_3,
            json!({"type": "GCP", "gcp": {}, "static": {}}),
            Some(("", "exactly one of the fields in [aws static dynamicForwardProxy gcp] must be set")),
        ),
        (
            V2_2,
            json!({"type": "Static", "gcp": {}}),
            Some(("", "static backend must be specified when type is 'Static'")),
        ),
        (
            V2_2,
            json!({"type": "AWS", "aws": {}, "static": {}}),
            Some(("", "exactly one of the fields in [aws static dynamicForwardProxy] must be set")),
        ),
        // 2.1: AI and MCP
        (V2_1, json!({"type": "AI", "ai": {"llm": {"openai": {}}}}), None),
        (V2_1, json!({"type": "AI", "static": {}}), Some(("", "ai backend must be specified when type is 'AI'"))),
        (V2_1, json!({"type": "MCP", "static": {}}), Some(("", "mcp backend must be specified when type is 'MCP'"))),
        (
            V2_1,
            json!({"type": "Static", "static": {}, "mcp": {}}),
            Some(("", "exactly one of the fields in [ai aws static dynamicForwardProxy mcp] must be set")),
        ),
        (
            V2_1,
            json!({"type": "AI", "ai": {}}),
            Some(("/ai", "exactly one of the fields in [llm priorityGroups] must be set")),
        ),
        (
            V2_1,
            json!({"type": "AI", "ai": {"llm": {"openai": {}, "host": "h"}}}),
            Some(("/ai/llm", "both host and port must be set together")),
        ),
        (
            V2_1,
            json!({"type": "AI", "ai": {"llm": {"openai": {}, "gemini": {}}}}),
            Some((
                "/ai/llm",
                "exactly one of the fields in [openai azureopenai anthropic gemini vertexai bedrock] must be set",
            )),
        ),
        (
            V2_1,
            json!({"type": "AI", "ai": {"llm": {"openai": {"authToken": {"inline": "x", "secretRef": {}}}}}}),
            Some(("/ai/llm/openai/authToken", "at most one of the fields in [inline secretRef] may be set")),
        ),
        (
            V2_1,
            json!({"type": "AI", "ai": {"llm": {"openai": {}, "authHeader": {}}}}),
            Some(("/ai/llm/authHeader", "at least one of prefix or headerName must be set")),
        ),
        (
            V2_1,
            json!({"type": "AI", "ai": {"llm": {"bedrock": {"auth": {"type": "Secret"}}}}}),
            Some(("/ai/llm/bedrock/auth", "secretRef must be specified when type is 'Secret'")),
        ),
        (
            V2_1,
            json!({"type": "AI", "ai": {"priorityGroups": [{"providers": [{"name": "a", "openai": {}}, {"name": "a", "gemini": {}}]}]}}),
            Some(("/ai/priorityGroups/0/providers/1/name", "provider names must be unique within a group")),
        ),
        (
            V2_1,
            json!({"type": "AI", "ai": {"priorityGroups": [{"providers": [{"name": "a", "port": 1, "openai": {}}]}]}}),
            Some(("/ai/priorityGroups/0/providers/0", "both host and port must be set together")),
        ),
        (
            V2_1,
            json!({"type": "MCP", "mcp": {"targets": [{"name": "t", "static": {}}, {"name": "t", "selector": {"service": {}}}]}}),
            Some(("/mcp/targets/1/name", "target names must be unique")),
        ),
        (
            V2_1,
            json!({"type": "MCP", "mcp": {"targets": [{"name": "t"}]}}),
            Some(("/mcp/targets/0", "exactly one of the fields in [selector static] must be set")),
        ),
        (
            V2_1,
            json!({"type": "MCP", "mcp": {"targets": [{"name": "t", "selector": {}}]}}),
            Some(("/mcp/targets/0/selector", "at least one of namespace or service must be set")),
        ),
    ]
}

fn run_cases(kind: &str, cases: Vec<Case>, f: fn(&Value, Release) -> Vec<(String, Diagnostic)>) {
    for (i, (release, spec, expect)) in cases.into_iter().enumerate() {
        let got = f(&spec, release);
        match expect {
            None => assert!(got.is_empty(), "{kind} case {i} ({release}) {spec}: expected no finding, got {got:?}"),
            Some((ptr, msg)) => {
                assert!(
                    got.iter().any(|(p, d)| p == ptr && d.is_error() && d.message.starts_with(msg)),
                    "{kind} case {i} ({release}) {spec}: expected {ptr:?} {msg:?}, got {got:?}"
                );
            }
        }
    }
}

#[test]
fn bcp_rules_table() {
    run_cases("BackendConfigPolicy", bcp_cases(), backend_config_policy);
}

#[test]
fn backend_rules_table() {
    run_cases("Backend", backend_cases(), backend);
}

#[test]
fn duration_diagnostic_is_friendly() {
    let f = backend_config_policy(&json!({"connectTimeout": "1.5s"}), V2_4);
    assert_eq!(f[0].1.to_string(), "error: invalid duration value \"1.5s\" (integers with h, m, s, ms; e.g. 1500ms)");
}

#[test]
fn rules_follow_the_release() {
    let zone = json!({"loadBalancer": {"maglev": {}, "zoneAware": {}}});
    assert!(backend_config_policy(&zone, V2_3).is_empty());
    assert_eq!(backend_config_policy(&zone, V2_4).len(), 2);
    let cb = json!({"circuitBreakers": {}});
    assert!(backend_config_policy(&cb, V2_1).is_empty());
    assert_eq!(backend_config_policy(&cb, V2_2).len(), 1);
}

/// Every CEL rule of every release's CRD is in the table, with the same message, and no
/// rule in the table is applied to a release whose CRD lacks it.
#[test]
fn table_matches_the_crds_cel_rules() {
    for release in Release::all() {
        for (kind, listed, table) in [
            (
                "backendconfigpolicy",
                release.profile().schemas.backend_config_policy_rules,
                BCP_RULES.iter().collect::<Vec<_>>(),
            ),
            (
                "backend",
                release.profile().schemas.backend_rules,
                BACKEND_RULES.iter().chain(&LLM_RULES).chain(&PROVIDER_RULES).collect(),
            ),
        ] {
            let listed: Value = serde_json::from_str(listed).unwrap();
            let mut want: Vec<(String, String)> = listed
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (r["path"].as_str().unwrap().to_string(), r["message"].as_str().unwrap().to_string()))
                .collect();
            let mut have: Vec<(String, String)> = table
                .iter()
                .filter(|r| r.from <= release && release <= r.to)
                .map(|r| (format!("/spec{}", r.path), r.message.to_string()))
                .collect();
            want.sort();
            have.sort();
            assert_eq!(have, want, "{kind} {release}");
        }
    }
}
