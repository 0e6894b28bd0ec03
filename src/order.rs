// TEMP placeholder until the source branch lands.
use crate::model::Object;
pub fn legacy_key(o: &Object) -> (String, String, String, String) {
    (o.id.kind.clone(), o.id.group.clone(), o.id.namespace.clone(), o.id.name.clone())
}
