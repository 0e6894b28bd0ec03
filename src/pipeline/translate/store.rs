//! Secrets and ConfigMaps from the repository, decoded for TLS translation.
//!
//! Secret data is only ever handed to the TLS translation, which redacts private keys; it is
//! never printed in messages.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::core::base64::{self, Padding};
use crate::core::index::{ObjectIdx, Table};
use crate::core::kind::Kind;
use crate::core::object::Object;
use crate::core::value::string_map;
use crate::pipeline::fields::ctx::Store;

type Data = BTreeMap<String, String>;

#[derive(Debug, Default)]
pub struct ObjectStore {
    secrets: HashMap<(String, String), Data>,
    config_maps: HashMap<(String, String), Data>,
}

impl ObjectStore {
    pub fn from_objects(objects: &Table<ObjectIdx, Object>) -> ObjectStore {
        let mut store = ObjectStore::default();
        for o in objects {
            let key = (o.id.namespace.clone(), o.id.name.clone());
            match o.kind {
                Kind::Secret => {
                    store.secrets.insert(key, secret_data(o.value()));
                }
                Kind::ConfigMap => {
                    store.config_maps.insert(key, string_map(o.value().get("data")).into_iter().collect());
                }
                _ => {}
            }
        }
        store
    }
}

/// A Secret's data as the API server stores it: `data` base64-decoded, then `stringData`
/// over it. Values that are not UTF-8 text are left out.
fn secret_data(secret: &Value) -> Data {
    let mut data = BTreeMap::new();
    for (k, v) in secret.get("data").and_then(Value::as_object).into_iter().flatten() {
        let decoded = v.as_str().and_then(|s| base64::decode(s, Padding::Optional));
        if let Some(text) = decoded.and_then(|b| String::from_utf8(b).ok()) {
            data.insert(k.clone(), text);
        }
    }
    for (k, v) in secret.get("stringData").and_then(Value::as_object).into_iter().flatten() {
        if let Some(s) = v.as_str() {
            data.insert(k.clone(), s.to_string());
        }
    }
    data
}

impl Store for ObjectStore {
    fn secret(&self, namespace: &str, name: &str) -> Option<&Data> {
        self.secrets.get(&(namespace.to_string(), name.to_string()))
    }

    fn config_map(&self, namespace: &str, name: &str) -> Option<&Data> {
        self.config_maps.get(&(namespace.to_string(), name.to_string()))
    }
}
