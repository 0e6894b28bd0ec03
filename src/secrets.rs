//! Secrets and ConfigMaps from the repository, decoded for TLS translation.
//!
//! Secret data is only ever handed to the TLS translation, which redacts private keys; it is
//! never printed in messages.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::envoy::Secrets;
use crate::model::Object;

#[derive(Debug, Default)]
pub struct Store {
    secrets: HashMap<(String, String), BTreeMap<String, String>>,
    config_maps: HashMap<(String, String), BTreeMap<String, String>>,
}

impl Store {
    pub fn from_objects(objects: &[Object]) -> Store {
        let mut store = Store::default();
        for o in objects.iter().filter(|o| o.id.group.is_empty()) {
            let key = (o.id.namespace.clone(), o.id.name.clone());
            match o.id.kind.as_str() {
                "Secret" => {
                    let mut data = BTreeMap::new();
                    for (k, v) in o.value().get("data").and_then(Value::as_object).into_iter().flatten() {
                        if let Some(decoded) =
                            v.as_str().and_then(decode_base64).and_then(|b| String::from_utf8(b).ok())
                        {
                            data.insert(k.clone(), decoded);
                        }
                    }
                    // stringData wins over data, as the API server merges it.
                    for (k, v) in o.value().get("stringData").and_then(Value::as_object).into_iter().flatten() {
                        if let Some(s) = v.as_str() {
                            data.insert(k.clone(), s.to_string());
                        }
                    }
                    store.secrets.insert(key, data);
                }
                "ConfigMap" => {
                    let data = crate::model::string_map(o.value().get("data")).into_iter().collect();
                    store.config_maps.insert(key, data);
                }
                _ => {}
            }
        }
        store
    }

    pub fn config_map(&self, namespace: &str, name: &str) -> Option<&BTreeMap<String, String>> {
        self.config_maps.get(&(namespace.to_string(), name.to_string()))
    }
}

impl Secrets for Store {
    fn get(&self, namespace: &str, name: &str) -> Option<&BTreeMap<String, String>> {
        self.secrets.get(&(namespace.to_string(), name.to_string()))
    }
}

/// Standard base64 (padding optional, whitespace ignored), as Kubernetes stores Secret data.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVsbG8").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVs\nbG8=").unwrap(), b"hello");
        assert!(decode_base64("a$b").is_none());
    }
}
