//! Which objects a patch's `target` selects, as kustomize v5 selects them: `group`,
//! `version`, `kind`, `name` and `namespace` are anchored regular expressions; `name` and
//! `namespace` match the object's original or current ones (an unset namespace is
//! `default`, a cluster-scoped object's is none that a pattern can match); `labelSelector`
//! and `annotationSelector` are Kubernetes label selectors on the current labels and
//! annotations.
//!
//! Go's regular expressions (RE2) and the `regex` crate agree on a common syntax, which is
//! all that is accepted here; a pattern outside it is unsupported (the real kustomize builds
//! it).

use regex::Regex;
use serde_json::{Map, Value};

use super::res::{KRes, NO_NAMESPACE};

/// A parsed `target`.
#[derive(Debug, Default)]
pub(crate) struct Target {
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Option<Selector>,
    annotations: Option<Selector>,
}

/// Why a target cannot be used: kustomize would refuse it too (`Invalid`), or the built-in
/// engine cannot match it exactly (`Unsupported`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TargetError {
    Invalid(String),
    Unsupported(String),
}

impl Target {
    /// Parse a target mapping.
    pub(crate) fn parse(m: &Map<String, Value>) -> Result<Target, TargetError> {
        let mut t = Target::default();
        for (key, v) in m {
            let s = v.as_str().ok_or_else(|| TargetError::Invalid(format!("target.{key} must be a string")))?;
            if s.is_empty() {
                continue;
            }
            match key.as_str() {
                "group" => t.group = Some(pattern(key, s)?),
                "version" => t.version = Some(pattern(key, s)?),
                "kind" => t.kind = Some(pattern(key, s)?),
                "name" => t.name = Some(pattern(key, s)?),
                "namespace" => t.namespace = Some(pattern(key, s)?),
                "labelSelector" => t.labels = Some(Selector::parse(key, s)?),
                "annotationSelector" => t.annotations = Some(Selector::parse(key, s)?),
                other => return Err(TargetError::Invalid(format!("target: unknown field '{other}'"))),
            }
        }
        Ok(t)
    }

    /// Whether it selects `r`.
    pub(crate) fn selects(&self, r: &KRes) -> bool {
        let is = |re: &Option<Regex>, s: &str| re.as_ref().is_none_or(|re| re.is_match(s));
        let (group, version) = r.group_version();
        let original = r.original();
        let namespace_matches = match &self.namespace {
            None => true,
            // kustomize compares the namespace it uses for ids: none for cluster-scoped objects.
            Some(re) => [&original.namespace, &r.effective_namespace()]
                .iter()
                .any(|ns| ns.as_str() != NO_NAMESPACE && re.is_match(ns)),
        };
        is(&self.group, group)
            && is(&self.version, version)
            && is(&self.kind, r.kind())
            && (is(&self.name, &original.name) || is(&self.name, r.name()))
            && namespace_matches
            && self.labels.as_ref().is_none_or(|s| s.matches(r.value.pointer("/metadata/labels")))
            && self.annotations.as_ref().is_none_or(|s| s.matches(r.value.pointer("/metadata/annotations")))
    }
}

/// Characters of the syntax RE2 and the `regex` crate read alike.
fn common_syntax(s: &str) -> bool {
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        let ok = match c {
            '\\' => chars.next().is_some_and(|e| e.is_ascii_punctuation()),
            c => c.is_ascii_alphanumeric() || "._-*+?|()[]^$/:".contains(c),
        };
        if !ok {
            return false;
        }
    }
    !s.contains("(?")
}

fn pattern(key: &str, s: &str) -> Result<Regex, TargetError> {
    let unsupported = || {
        TargetError::Unsupported(format!(
            "target.{key}: this regular expression is outside the syntax the built-in kustomize matches exactly"
        ))
    };
    if !common_syntax(s) {
        return Err(unsupported());
    }
    Regex::new(&format!("^(?:{s})$")).map_err(|_| unsupported())
}

/// A Kubernetes label selector: requirements, all of which must hold.
#[derive(Debug)]
struct Selector(Vec<Requirement>);

#[derive(Debug)]
enum Requirement {
    Exists(String),
    Absent(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

impl Selector {
    /// `a=b,c!=d,e in (x,y),f notin (z),g,!h`. What is outside this plain form (`>`, `<`,
    /// odd characters) is unsupported.
    fn parse(key: &str, s: &str) -> Result<Selector, TargetError> {
        let unsupported = || {
            TargetError::Unsupported(format!(
                "target.{key}: a selector outside the plain forms (a=b, a!=b, a in (x,y), a notin (x,y), a, !a)"
            ))
        };
        let mut reqs = Vec::new();
        for part in split_requirements(s).ok_or_else(unsupported)? {
            let part = part.trim();
            let req = if let Some(k) = part.strip_prefix('!') {
                Requirement::Absent(word(k.trim()).ok_or_else(unsupported)?)
            } else if let Some((k, v)) = part.split_once("!=") {
                Requirement::NotIn(
                    word(k.trim()).ok_or_else(unsupported)?,
                    vec![value(v.trim()).ok_or_else(unsupported)?],
                )
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                Requirement::In(word(k.trim()).ok_or_else(unsupported)?, vec![value(v.trim()).ok_or_else(unsupported)?])
            } else if let Some((k, rest)) = part.split_once(' ') {
                let rest = rest.trim();
                let (not, list) = match (rest.strip_prefix("notin"), rest.strip_prefix("in")) {
                    (Some(l), _) => (true, l),
                    (None, Some(l)) => (false, l),
                    _ => return Err(unsupported()),
                };
                let list = list.trim().strip_prefix('(').and_then(|l| l.strip_suffix(')')).ok_or_else(unsupported)?;
                let values =
                    list.split(',').map(|v| value(v.trim())).collect::<Option<Vec<_>>>().ok_or_else(unsupported)?;
                let k = word(k.trim()).ok_or_else(unsupported)?;
                if not { Requirement::NotIn(k, values) } else { Requirement::In(k, values) }
            } else {
                Requirement::Exists(word(part).ok_or_else(unsupported)?)
            };
            reqs.push(req);
        }
        Ok(Selector(reqs))
    }

    fn matches(&self, labels: Option<&Value>) -> bool {
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.0.iter().all(|r| match r {
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::Absent(k) => get(k).is_none(),
            Requirement::In(k, vs) => get(k).is_some_and(|v| vs.iter().any(|w| w == v)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|v| !vs.iter().any(|w| w == v)),
        })
    }
}

/// Requirements split on the commas outside parentheses.
fn split_requirements(s: &str) -> Option<Vec<&str>> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        if !(0..=1).contains(&depth) {
            return None;
        }
    }
    parts.push(&s[start..]);
    Some(parts)
}

/// A label key: a plain name, optionally with a DNS prefix.
fn word(s: &str) -> Option<String> {
    let ok = !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && s.chars().last().is_some_and(|c| c.is_ascii_alphanumeric());
    ok.then(|| s.to_string())
}

/// A label value: empty, or a plain name.
fn value(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some(String::new());
    }
    let ok = s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && s.chars().last().is_some_and(|c| c.is_ascii_alphanumeric());
    ok.then(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn target(v: Value) -> Result<Target, TargetError> {
        Target::parse(v.as_object().unwrap())
    }

    #[test]
    fn patterns_are_anchored_and_outside_syntax_is_unsupported() {
        let t = target(json!({"name": "web.*", "kind": "Deployment|StatefulSet"})).unwrap();
        let re = t.name.as_ref().unwrap();
        assert!(re.is_match("web") && re.is_match("web-2") && !re.is_match("my-web"));
        assert!(t.kind.as_ref().unwrap().is_match("StatefulSet"));
        let t = target(json!({"name": "c"})).unwrap();
        assert!(!t.name.unwrap().is_match("cm"));
        for odd in ["(?i)web", "a{2}", "\\d+", "wéb"] {
            assert!(matches!(target(json!({"name": odd})), Err(TargetError::Unsupported(_))), "{odd}");
        }
        assert!(matches!(target(json!({"name": 1})), Err(TargetError::Invalid(_))));
    }

    #[test]
    fn label_selectors_of_the_plain_forms() {
        let s = Selector::parse("labelSelector", "app=web, tier in (a,b),!legacy,env!=prod").unwrap();
        assert!(s.matches(Some(&json!({"app": "web", "tier": "b"}))));
        assert!(!s.matches(Some(&json!({"app": "web", "tier": "b", "legacy": "x"}))));
        assert!(!s.matches(Some(&json!({"app": "web", "tier": "c"}))));
        assert!(!s.matches(Some(&json!({"app": "web", "tier": "a", "env": "prod"}))));
        assert!(!s.matches(None));
        let s = Selector::parse("labelSelector", "x notin (y), z").unwrap();
        assert!(s.matches(Some(&json!({"z": ""}))));
        for odd in ["a>1", "a in x", "a=b=c", "(a)"] {
            assert!(Selector::parse("labelSelector", odd).is_err(), "{odd}");
        }
    }
}
