//! The vocabulary every layer shares; it imports nothing above it.
//!
//! * [`object`]: an input object, its identity, origin and output position;
//! * [`kind`]: what an object is ([`kind::Kind`]), target kinds, scopes, app protocols;
//! * [`value`]: reading JSON values (small-map lookups, plain pointers, string maps);
//! * [`pointer`](mod@pointer): JSON pointers and their escapes, as fields in messages;
//! * [`order`]: kustomize's legacy output order;
//! * [`units`]: Go durations, Kubernetes quantities, RFC 3339 timestamps;
//! * [`base64`]: Secret data and PEM bodies;
//! * [`diag`]: diagnostics with a location, an object, a field and a kind;
//! * [`release`]: the kgateway releases, one [`release::Profile`] each;
//! * [`options`]: the typed options every layer reads;
//! * [`index`]: typed indices;
//! * [`yaml`]: reading YAML and JSON streams, locating fields, the YAML 1.1-safe emitter.

pub mod base64;
pub mod diag;
pub mod index;
pub mod kind;
pub mod object;
pub mod options;
pub mod order;
pub mod pointer;
pub mod release;
pub mod selector;
pub mod units;
pub mod value;
pub mod yaml;
