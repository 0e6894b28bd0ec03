//! Kubernetes label selectors (`metav1.LabelSelector`): `matchLabels` and `matchExpressions`,
//! all of which must hold.

use std::collections::BTreeMap;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expression {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    pub match_labels: BTreeMap<String, String>,
    pub expressions: Vec<Expression>,
}

impl LabelSelector {
    /// Parse one selector as `LabelSelectorAsSelector` accepts it.
    pub fn parse(v: &Value) -> Result<LabelSelector, String> {
        let m = v.as_object().ok_or("a label selector must be an object")?;
        let mut s = LabelSelector::default();
        for (k, v) in m {
            match k.as_str() {
                "matchLabels" => {
                    for (key, val) in v.as_object().ok_or("matchLabels must be an object")? {
                        let val = val.as_str().ok_or_else(|| format!("matchLabels.{key} must be a string"))?;
                        s.match_labels.insert(key.clone(), val.to_string());
                    }
                }
                "matchExpressions" => {
                    for e in v.as_array().ok_or("matchExpressions must be a list")? {
                        s.expressions.push(expression(e)?);
                    }
                }
                other => return Err(format!("unknown label selector field {other:?}")),
            }
        }
        Ok(s)
    }

    /// Whether `labels` satisfy it.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self.expressions.iter().all(|e| {
                let got = labels.get(&e.key);
                match e.operator {
                    Operator::In => got.is_some_and(|g| e.values.contains(g)),
                    Operator::NotIn => got.is_none_or(|g| !e.values.contains(g)),
                    Operator::Exists => got.is_some(),
                    Operator::DoesNotExist => got.is_none(),
                }
            })
    }

    /// The label keys it reads.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.match_labels.keys().map(String::as_str).chain(self.expressions.iter().map(|e| e.key.as_str()))
    }
}

fn expression(e: &Value) -> Result<Expression, String> {
    let key = e.get("key").and_then(Value::as_str).ok_or("a match expression needs a key")?.to_string();
    let operator = match e.get("operator").and_then(Value::as_str) {
        Some("In") => Operator::In,
        Some("NotIn") => Operator::NotIn,
        Some("Exists") => Operator::Exists,
        Some("DoesNotExist") => Operator::DoesNotExist,
        other => return Err(format!("unknown match expression operator {other:?}")),
    };
    let values: Vec<String> = match e.get("values") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(vs)) => vs
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or("values must be strings".to_string()))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("values must be a list".into()),
    };
    let needs_values = matches!(operator, Operator::In | Operator::NotIn);
    if needs_values == values.is_empty() {
        return Err(format!(
            "operator {:?} of key {key:?} {}",
            e.get("operator").and_then(Value::as_str).unwrap_or_default(),
            if needs_values { "needs values" } else { "takes no values" }
        ));
    }
    Ok(Expression { key, operator, values })
}

/// A JSON list of label selectors (kgateway's `KGW_DISCOVERY_NAMESPACE_SELECTORS`); empty
/// text is the empty list.
pub fn parse_list(text: &str) -> Result<Vec<LabelSelector>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    v.as_array().ok_or("expected a JSON list of label selectors")?.iter().map(LabelSelector::parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn selectors_and_their_operators() {
        let s = parse_list(r#"[{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"In","values":["infra"]}]},{"matchLabels":{"app":"a"}}]"#).unwrap();
        assert!(s[0].matches(&labels(&[("kubernetes.io/metadata.name", "infra")])));
        assert!(!s[0].matches(&labels(&[("kubernetes.io/metadata.name", "a")])));
        assert!(s[1].matches(&labels(&[("app", "a"), ("x", "y")])));
        let s = parse_list(
            r#"[{"matchExpressions":[{"key":"k","operator":"NotIn","values":["v"]},{"key":"e","operator":"Exists"}]}]"#,
        )
        .unwrap();
        assert!(s[0].matches(&labels(&[("e", "")])) && !s[0].matches(&labels(&[("k", "v"), ("e", "")])));
        assert!(parse_list("").unwrap().is_empty());
        for bad in [
            "{}",
            "[1]",
            r#"[{"matchExpressions":[{"key":"k","operator":"In"}]}]"#,
            r#"[{"matchExpressions":[{"key":"k","operator":"Gt","values":["1"]}]}]"#,
        ] {
            assert!(parse_list(bad).is_err(), "{bad}");
        }
    }
}
