//! JSON6902 patches: `[document, patch]` as JSON; applying any patch never panics.
#![no_main]

use bcp_render::source::json_patch;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(serde_json::Value::Array(mut pair)) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if pair.len() != 2 {
        return;
    }
    let patch = pair.pop().unwrap();
    let mut doc = pair.pop().unwrap();
    let _ = json_patch::is_json6902(&patch);
    let before = doc.clone();
    if json_patch::apply(&mut doc, &patch).is_err() {
        // A failed patch leaves nothing half-applied that matters to us, but must not panic.
        let _ = before;
    }
});
