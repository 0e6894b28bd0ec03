//! A policy as attachment sees it, and kgateway's order among policies.

use crate::core::index::{ObjectIdx, Table};
use crate::core::kind::Kind;
use crate::core::object::{Object, ObjectId};
use crate::core::units::timestamp::parse_timestamp;

/// A policy (BackendConfigPolicy or BackendTLSPolicy) as attachment sees it.
#[derive(Debug, Clone)]
pub struct PolicyRef {
    pub object: ObjectIdx,
    pub id: ObjectId,
    /// Creation time in seconds since the epoch, when the object carries one.
    pub created: Option<i64>,
}

impl PolicyRef {
    pub fn of(object: ObjectIdx, o: &Object) -> PolicyRef {
        PolicyRef { object, id: o.id.clone(), created: o.creation_timestamp().and_then(parse_timestamp) }
    }
}

/// Every policy of `kind`, in kgateway's merge order.
pub fn policies_of(objects: &Table<ObjectIdx, Object>, kind: Kind) -> Vec<PolicyRef> {
    let mut out: Vec<PolicyRef> =
        objects.enumerate().filter(|(_, o)| o.kind == kind).map(|(i, o)| PolicyRef::of(i, o)).collect();
    out.sort_by(merge_order);
    out
}

/// kgateway's merge order: oldest first, then namespace, then name. Objects without a
/// timestamp (normal in Git) will be created at sync time, so they sort after dated ones and
/// tie among themselves.
pub fn merge_order(a: &PolicyRef, b: &PolicyRef) -> std::cmp::Ordering {
    let key = |p: &PolicyRef| (p.created.is_none(), p.created.unwrap_or(0));
    key(a).cmp(&key(b)).then_with(|| a.id.namespace.cmp(&b.id.namespace)).then_with(|| a.id.name.cmp(&b.id.name))
}

/// True when the live order of two policies is decided by creation times Git does not hold.
pub fn order_is_unknown(a: &PolicyRef, b: &PolicyRef) -> bool {
    a.created == b.created
}
