//! kgateway `Backend`s (`gateway.kgateway.dev/v1alpha1`), one cluster each,
//! `backend_<ns>_<name>_0`, as kgateway's backend plugin builds their IR.
//!
//! Which kind of Backend it is: in 2.1 its `spec.type`; from 2.2 the first of
//! `priorityGroups` (2.4+), `static`, `dynamicForwardProxy`, `aws`, `gcp` (2.3+) that is set
//! (`type` is ignored; the CRD's rules keep the two consistent). Errors kgateway finds while
//! building the IR (a member of a priority group that is not static, EC2 discovery turned
//! off, a Lambda endpoint URL without a port) make the cluster the blackhole.

use std::net::IpAddr;

use serde_json::Value;

use super::model::{
    Backend, BackendKind, BackendOptions, Endpoints, InlineHost, Lambda, LambdaAuth, Resolution, cluster_name,
    port_number,
};
use crate::core::diag::Diagnostic;
use crate::core::index::{ObjectIdx, Table};
use crate::core::kind::{AppProtocol, Kind};
use crate::core::object::Object;
use crate::pipeline::validate::defaults::spec_defaults;
use crate::pipeline::validate::schema::SchemaKind;

/// What kind of kgateway Backend a spec is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    Static,
    Aws,
    Gcp,
    DynamicForwardProxy,
    PriorityGroups,
}

fn is_set(spec: &Value, field: &str) -> bool {
    match spec.get(field) {
        None | Some(Value::Null) => false,
        Some(Value::Array(a)) => !a.is_empty(),
        Some(_) => true,
    }
}

/// The Backend's type as kgateway's release decides it; `Err` for what bcp-render cannot
/// render.
fn type_of(spec: &Value, by_type: bool) -> Result<Option<Type>, String> {
    if by_type {
        return match spec.get("type").and_then(Value::as_str).unwrap_or("") {
            "Static" => Ok(Some(Type::Static)),
            "AWS" => Ok(Some(Type::Aws)),
            "DynamicForwardProxy" => Ok(Some(Type::DynamicForwardProxy)),
            t @ ("AI" | "MCP") => Err(format!(
                "Backend type {t} (kgateway 2.1's {} backend) is not rendered by bcp-render; remove it from the input, or render the rest without it",
                if t == "AI" { "legacy Envoy AI" } else { "agentgateway MCP" }
            )),
            _ => Ok(None),
        };
    }
    let order = [
        ("priorityGroups", Type::PriorityGroups),
        ("static", Type::Static),
        ("dynamicForwardProxy", Type::DynamicForwardProxy),
        ("aws", Type::Aws),
        ("gcp", Type::Gcp),
    ];
    Ok(order.iter().find(|(field, _)| is_set(spec, field)).map(|(_, t)| *t))
}

/// A kgateway Backend's cluster (a blackhole one, with its errors, when kgateway rejects it),
/// or an error for one bcp-render cannot render.
pub fn backend(
    index: ObjectIdx,
    obj: &Object,
    objects: &Table<ObjectIdx, Object>,
    opts: &BackendOptions,
    out: &mut Vec<Backend>,
    diags: &mut Vec<Diagnostic>,
) {
    let own = obj.spec().cloned().unwrap_or(Value::Null);
    // What kgateway reads is what the API server stored: the CRD's defaults filled in.
    let spec = spec_defaults(&own, opts.release, SchemaKind::Backend).unwrap_or(own);
    let ty = match type_of(&spec, opts.release.profile().backend_dispatch_by_type) {
        Ok(t) => t,
        Err(e) => return diags.push(obj.error(Some("spec.type"), e)),
    };
    let mut b = Backend {
        cluster_name: cluster_name("backend", &obj.id.namespace, &obj.id.name, None, 0),
        kind: BackendKind::KgwBackend,
        object: index,
        target: obj.id.clone(),
        namespace: obj.id.namespace.clone(),
        labels: obj.labels().into(),
        hostnames: Vec::new(),
        protocol: AppProtocol::Http1,
        locality_aware: false,
        endpoints: Endpoints::Inline { hosts: Vec::new(), resolution: Resolution::Static },
        port: 0,
        port_name: None,
        errors: Vec::new(),
        client_cert: None,
    };
    match ty {
        Some(Type::Static) => {
            let st = &spec["static"];
            let (hosts, errors) = static_hosts(st);
            b.errors = errors.into_iter().map(|e| ("static.hosts".to_string(), e)).collect();
            b.protocol = st.get("appProtocol").and_then(Value::as_str).map_or(AppProtocol::Http1, AppProtocol::parse);
            b.port = hosts.first().map_or(0, |h| h.port);
            let resolution = resolution(&hosts);
            b.endpoints = Endpoints::Inline { hosts, resolution };
        }
        Some(Type::Aws) => aws(&mut b, &spec["aws"], opts),
        Some(Type::Gcp) => {
            let host = spec["gcp"]["host"].as_str().unwrap_or_default().to_string();
            let audience = spec["gcp"]["audience"].as_str().map_or_else(|| format!("https://{host}"), str::to_string);
            b.port = 443;
            b.endpoints = Endpoints::Gcp { host, audience };
        }
        Some(Type::DynamicForwardProxy) => {
            let tls = spec["dynamicForwardProxy"]["enableTls"].as_bool().unwrap_or(false);
            b.endpoints = Endpoints::DynamicForwardProxy { tls };
        }
        Some(Type::PriorityGroups) => priority_groups(&mut b, obj, &spec["priorityGroups"], objects),
        None => {
            diags.push(obj.warning(Some("spec"), "the Backend sets no type kgateway builds a cluster for; no cluster"));
            return;
        }
    }
    out.push(b);
}

/// A static Backend's hosts, with the errors kgateway finds in them.
fn static_hosts(st: &Value) -> (Vec<InlineHost>, Vec<String>) {
    let mut hosts = Vec::new();
    let mut errors = Vec::new();
    for h in st.get("hosts").and_then(Value::as_array).into_iter().flatten() {
        let address = h.get("host").and_then(Value::as_str).unwrap_or_default();
        let Some(port) = port_number(h.get("port")) else {
            errors.push(format!("port cannot be empty for host {address}"));
            continue;
        };
        if address.is_empty() {
            errors.push("addr cannot be empty for host".to_string());
            continue;
        }
        hosts.push(InlineHost {
            address: address.to_string(),
            port,
            hostname: true,
            weight: None,
            locality: Default::default(),
        });
    }
    (hosts, errors)
}

/// All IPs (Go's `netip.ParseAddr`) make a STATIC cluster; any name makes it DNS.
fn resolution(hosts: &[InlineHost]) -> Resolution {
    if hosts.iter().all(|h| is_ip(&h.address)) { Resolution::Static } else { Resolution::Dns }
}

fn is_ip(host: &str) -> bool {
    // Go rejects IPv4 octets with leading zeros, as Rust does; it accepts an IPv6 zone.
    let bare = host.split_once('%').map_or(host, |(ip, zone)| if zone.is_empty() { host } else { ip });
    bare.parse::<IpAddr>().is_ok_and(|ip| bare == host || ip.is_ipv6())
}

fn aws(b: &mut Backend, aws: &Value, opts: &BackendOptions) {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let lambda = &aws["lambda"];
    if lambda.is_null() {
        if aws.get("ec2").is_some_and(|e| !e.is_null()) {
            // The endpoints come over EDS from kgateway's EC2 poller.
            b.endpoints = Endpoints::Eds;
            if !opts.aws_ec2_discovery {
                b.errors.push((
                    "aws.ec2".into(),
                    "aws ec2 discovery is disabled by controller settings (kgateway's EnableAwsEc2Discovery; bcp-render's --aws-ec2-discovery)".into(),
                ));
            }
        } else {
            b.errors.push(("aws".into(), "an aws Backend needs lambda or ec2".into()));
        }
        return;
    }
    let region = Some(s(aws, "region")).filter(|r| !r.is_empty()).unwrap_or_else(|| "us-east-1".into());
    let account = Some(s(lambda, "accountId")).filter(|a| !a.is_empty()).unwrap_or_else(|| s(aws, "accountId"));
    let qualifier = Some(s(lambda, "qualifier")).filter(|q| !q.is_empty()).unwrap_or_else(|| "$LATEST".into());
    let arn = format!("arn:aws:lambda:{region}:{account}:function:{}:{qualifier}", s(lambda, "functionName"));
    let auth = &aws["auth"];
    let auth = match (auth.get("type").and_then(Value::as_str), auth.get("secretRef")) {
        (Some("AssumeRole"), _) => LambdaAuth::AssumeRole(s(&auth["assumeRole"], "roleArn")),
        (_, Some(r)) if !r.is_null() => LambdaAuth::Secret(s(r, "name")),
        (Some("Secret"), _) => {
            b.errors.push(("aws.auth".into(), "aws auth secretRef is required when type is \"Secret\"".into()));
            return;
        }
        _ => LambdaAuth::Default,
    };
    let (host, port, tls) = match lambda.get("endpointURL").and_then(Value::as_str) {
        None | Some("") => (format!("lambda.{region}.amazonaws.com"), 443, true),
        Some(url) => match endpoint(url) {
            Ok(e) => e,
            Err(e) => {
                b.errors.push(("aws.lambda.endpointURL".into(), e));
                return;
            }
        },
    };
    let mode = |k: &str, v: &str| lambda.get(k).and_then(Value::as_str) == Some(v);
    b.port = port;
    b.endpoints = Endpoints::Lambda(Box::new(Lambda {
        host,
        port,
        tls,
        arn,
        asynchronous: mode("invocationMode", "Async"),
        passthrough: mode("payloadTransformMode", "None"),
        region,
        auth,
    }));
}

/// An endpoint URL as Go's `url.Parse` reads the parts kgateway uses: the scheme (TLS for
/// https), the host without brackets, and the port, which must be given.
fn endpoint(url: &str) -> Result<(String, u32, bool), String> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| format!("invalid endpoint URL {url:?}"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']').ok_or_else(|| format!("invalid endpoint URL {url:?}"))?;
            (host, after.strip_prefix(':').unwrap_or(""))
        }
        None => authority.rsplit_once(':').map_or((authority, ""), |(h, p)| (h, p)),
    };
    let port: u32 = port.parse().map_err(|_| {
        format!("failed to parse port: strconv.ParseUint: parsing {port:?}: invalid syntax (the endpoint URL must give a port)")
    })?;
    if port > 65535 {
        return Err(format!("failed to parse port: strconv.ParseUint: parsing \"{port}\": value out of range"));
    }
    Ok((host.to_string(), port, scheme.eq_ignore_ascii_case("https")))
}

/// One group of endpoints per priority, from each member's static hosts (members are
/// Backends of the same namespace).
fn priority_groups(b: &mut Backend, obj: &Object, groups: &Value, objects: &Table<ObjectIdx, Object>) {
    let ns = &obj.id.namespace;
    let mut out = Vec::new();
    for (gi, group) in groups.as_array().into_iter().flatten().enumerate() {
        let mut hosts = Vec::new();
        for r in group.get("backendRefs").and_then(Value::as_array).into_iter().flatten() {
            let name = r.get("name").and_then(Value::as_str).unwrap_or_default();
            let field = format!("priorityGroups[{gi}]");
            let member = objects.iter().find(|o| o.kind == Kind::Backend && o.id.namespace == *ns && o.id.name == name);
            let Some(member) = member else {
                b.errors.push((field, format!("priority group {gi}: backend {name:?} not found in namespace {ns:?}")));
                continue;
            };
            let st = member.spec().and_then(|s| s.get("static")).filter(|s| !s.is_null());
            let Some(st) = st else {
                let e = format!(
                    "priority group {gi}: backend {name:?} is not a static backend; only static backends are supported in priority groups"
                );
                b.errors.push((field, e));
                continue;
            };
            let (member_hosts, errors) = static_hosts(st);
            match errors.first() {
                Some(e) => b.errors.push((field, format!("priority group {gi}: backend {name:?}: {e}"))),
                None => hosts.extend(member_hosts),
            }
        }
        out.push(hosts);
    }
    let all: Vec<InlineHost> = out.iter().flatten().cloned().collect();
    b.port = all.first().map_or(0, |h| h.port);
    b.endpoints = Endpoints::Priorities { resolution: resolution(&all), groups: out };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls_as_go_reads_them() {
        assert_eq!(endpoint("http://172.18.0.2:31566").unwrap(), ("172.18.0.2".into(), 31566, false));
        assert_eq!(endpoint("https://user@[::1]:443/x?y").unwrap(), ("::1".into(), 443, true));
        assert!(endpoint("https://lambda.example.com").unwrap_err().contains("must give a port"));
        assert!(endpoint("https://h:99999").is_err());
    }

    #[test]
    fn the_type_is_the_first_field_set_from_2_2() {
        let spec = serde_json::json!({"type": "AWS", "static": {"hosts": []}, "aws": {}});
        assert_eq!(type_of(&spec, false), Ok(Some(Type::Static)));
        assert_eq!(type_of(&spec, true), Ok(Some(Type::Aws)));
        let spec = serde_json::json!({"priorityGroups": [], "dynamicForwardProxy": {}});
        assert_eq!(type_of(&spec, false), Ok(Some(Type::DynamicForwardProxy)));
        assert!(type_of(&serde_json::json!({"type": "AI"}), true).is_err());
    }

    #[test]
    fn ips_as_go_parses_them() {
        assert!(is_ip("10.0.0.1") && is_ip("::1") && is_ip("fe80::1%eth0"));
        assert!(!is_ip("010.0.0.1") && !is_ip("example.com") && !is_ip("10.0.0.1%x"));
    }
}
