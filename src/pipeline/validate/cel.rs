//! The language of kgateway's CEL rules as bcp-render states them (a [`Check`] at a path,
//! for a range of releases, with the CRD's message), and its evaluation.

use std::fmt::Write;

use serde_json::Value;

use super::schema::{SchemaKind, schema};
use super::values::{echo, matches_kgateway_duration, parse_go_duration, parse_quantity};
use crate::core::diag::Diagnostic;
use crate::core::kind::TargetKind;
use crate::core::release::Release;

use Check::*;
use Count::*;

const TARGET_KINDS_HINT: &str = "use group \"\" with kind Service, group gateway.kgateway.dev with kind Backend, or group networking.istio.io with kind Hostname";

const DURATION_HINT: &str = "integers with h, m, s, ms; e.g. 1500ms";

/// A hint for a target kind/group pair that the CRD rejects.
fn target_hint(group: &str, kind: &str) -> String {
    if kind == "Service" && !group.is_empty() {
        // The kgateway docs' selector example writes group networking.istio.io with kind Service.
        return format!("a Kubernetes Service has group \"\" (the core group), not {group:?}: write group: \"\"");
    }
    TARGET_KINDS_HINT.to_string()
}

/// How many of a list of fields may be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Exactly(usize),
    AtMost(usize),
    AtLeast(usize),
}

/// What a rule checks at its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
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

pub struct Rule {
    /// Below `spec`; `*` matches every list item; `""` is `spec` itself.
    pub path: &'static str,
    /// The first and last release whose CRD has the rule.
    pub from: Release,
    pub to: Release,
    pub check: Check,
    pub message: &'static str,
}

/// `has(self.f)`: set and not null (the API server drops nulls of non-nullable fields).
fn has(v: &Value, field: &str) -> bool {
    v.get(field).is_some_and(|x| !x.is_null())
}

/// Call `f` with every value at `path` (below `v`; `*` is every list item) and its JSON
/// pointer, built in one reused buffer: the pointer is only kept when a rule fails.
pub fn for_each_at<'a>(v: &'a Value, path: &str, ptr: &mut String, f: &mut dyn FnMut(&str, &'a Value)) {
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

/// Findings as (pointer below `spec`, diagnostic).
pub type Findings = Vec<(String, Diagnostic)>;

/// Apply one rule at one value; (pointer below the rule's path, diagnostic) on failure.
pub fn check(rule: &Rule, v: &Value, release: Release, out: &mut Findings, ptr: &str) {
    let msg = rule.message;
    match rule.check {
        Fields(fields, count) => check_fields(fields, count, v, msg, out, ptr),
        TargetKinds => check_target_kinds(v, msg, out, ptr),
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
        UniqueNames | NonEmptyNames => check_names(rule.check, v, msg, out, ptr),
        other => {
            if let Some(d) = check_value(other, v, release, msg) {
                out.push((ptr.to_string(), d));
            }
        }
    }
}

/// The checks whose one finding is at the rule's own path.
fn check_value(check: Check, v: &Value, release: Release, msg: &str) -> Option<Diagnostic> {
    let fails = |failed: bool| failed.then(|| Diagnostic::error(msg));
    match check {
        Duration => v
            .as_str()
            .filter(|s| !matches_kgateway_duration(s))
            .map(|s| Diagnostic::error(format!("{msg} {}", echo(s))).hint(DURATION_HINT)),
        MinDuration(min) => duration_of(Some(v))
            .filter(|d| *d < min)
            .map(|_| Diagnostic::error(msg).hint(format!("got {}", echo(v.as_str().unwrap_or(""))))),
        PositiveNumberString => v
            .as_str()
            .filter(|s| !is_positive_number_string(s))
            .map(|s| Diagnostic::error(msg).hint(format!("got {}", echo(s)))),
        WindowSize => (!window_size_ok(v)).then(|| {
            let got = match v {
                Value::String(s) => echo(s),
                other => other.to_string(),
            };
            Diagnostic::error(msg).hint(format!("got {got}; e.g. 65535, 64Ki or 1Mi"))
        }),
        NotWith(any, with) => fails(has(v, with) && any.iter().any(|f| has(v, f))),
        BothOrNeither(a, b) => fails(has(v, a) != has(v, b)),
        TypeNeedsField { ty, field, guarded } => type_needs_field(ty, field, guarded, v, release, msg),
        FieldOnlyForType { field, ty } => fails(type_of(v).is_some_and(|t| t != ty) && has(v, field)),
        FieldRequiredForType { field, ty } => fails(type_of(v) == Some(ty) && !has(v, field)),
        LambdaAccountId => {
            let lambda_account = v.get("lambda").is_some_and(|l| has(l, "accountId"));
            fails(has(v, "lambda") && !has(v, "accountId") && !lambda_account)
        }
        // Reported by `check`, at paths of their own.
        Fields(..) | TargetKinds | JitterAtMostRefreshRate | UniqueNames | NonEmptyNames => None,
    }
}

/// `[has(self.a),…].filter(x,x==true).size() <op> N`
fn check_fields(fields: &[&str], count: Count, v: &Value, msg: &str, out: &mut Findings, ptr: &str) {
    let n = fields.iter().filter(|f| has(v, f)).count();
    let ok = match count {
        Exactly(k) => n == k,
        AtMost(k) => n <= k,
        AtLeast(k) => n >= k,
    };
    if !ok && v.is_object() {
        let set: Vec<&str> = fields.iter().copied().filter(|f| has(v, f)).collect();
        let hint = if set.is_empty() { "none is set".to_string() } else { format!("set: {}", set.join(", ")) };
        out.push((ptr.to_string(), Diagnostic::error(msg).hint(hint)));
    }
}

/// Every target reference names a kind a policy may target.
fn check_target_kinds(v: &Value, msg: &str, out: &mut Findings, ptr: &str) {
    for (i, r) in v.as_array().into_iter().flatten().enumerate() {
        let group = r.get("group").and_then(Value::as_str).unwrap_or("");
        let kind = r.get("kind").and_then(Value::as_str).unwrap_or("");
        if TargetKind::of(group, kind).is_none() {
            out.push((
                format!("{ptr}/{i}/group"),
                Diagnostic::error(format!("{msg} (got group {group:?}, kind {kind:?})")).hint(target_hint(group, kind)),
            ));
        }
    }
}

/// `self.type == T ? has(self.f) : true`, as each release evaluates it.
fn type_needs_field(
    ty: &str,
    field: &str,
    guarded: bool,
    v: &Value,
    release: Release,
    msg: &str,
) -> Option<Diagnostic> {
    match type_of(v) {
        Some(t) if t == ty && !has(v, field) => Some(Diagnostic::error(msg)),
        // Where the CRD requires `type` (2.1) the schema reports it; elsewhere every unguarded
        // rule fails with "no such key" (2.2, 2.3): report that once, at the AWS rule.
        None if !guarded && !requires_type(release) && !has(v, "type") && ty == "AWS" => Some(
            Diagnostic::error(format!("no such key: type evaluating rule: {msg}"))
                .hint(format!("kgateway {release}'s Backend CEL rules read spec.type: set it (e.g. type: Static)")),
        ),
        _ => None,
    }
}

/// Whether the release's Backend CRD requires `spec.type`.
fn requires_type(release: Release) -> bool {
    let required = &schema(release, SchemaKind::Backend)["properties"]["spec"]["required"];
    required.as_array().is_some_and(|r| r.iter().any(|f| f == "type"))
}

/// `UniqueNames` and `NonEmptyNames` on a list.
fn check_names(check: Check, v: &Value, msg: &str, out: &mut Findings, ptr: &str) {
    let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
    for (i, item) in items.iter().enumerate() {
        let name = item.get("name");
        let bad = match check {
            UniqueNames => name.is_some() && items[..i].iter().any(|earlier| earlier.get("name") == name),
            _ => name.and_then(Value::as_str).is_none_or(str::is_empty),
        };
        if bad {
            let at = if check == UniqueNames { format!("{ptr}/{i}/name") } else { format!("{ptr}/{i}") };
            out.push((at, Diagnostic::error(msg)));
        }
    }
}
