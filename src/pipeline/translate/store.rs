//! Secrets and ConfigMaps from the repository, decoded for TLS translation.
//!
//! Secret data is only ever handed to the TLS translation, which redacts private keys; it is
//! never printed in messages.

use std::collections::{BTreeMap, HashMap};

use crate::core::index::{ObjectIdx, Table};
use crate::core::kind::Kind;
use crate::core::object::Object;
use crate::core::value::{secret_data, string_map};
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

impl Store for ObjectStore {
    fn secret(&self, namespace: &str, name: &str) -> Option<&Data> {
        self.secrets.get(&(namespace.to_string(), name.to_string()))
    }

    fn config_map(&self, namespace: &str, name: &str) -> Option<&Data> {
        self.config_maps.get(&(namespace.to_string(), name.to_string()))
    }
}
