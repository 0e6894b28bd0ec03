//! The YAML/JSON stream parser with small limits: never panics, and whatever it accepts
//! survives our emitter and a second parse unchanged.
#![no_main]

use bcp_render::yaml::{ParseLimits, emit_yaml_stream, parse_stream};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = ParseLimits { max_documents: 64, max_depth: 16 };
    let Ok(docs) = parse_stream(text, &limits) else {
        return;
    };
    let values: Vec<serde_json::Value> = docs.into_iter().map(|d| d.value).collect();
    let emitted = emit_yaml_stream(&values);
    let again = parse_stream(&emitted, &limits).expect("our own output parses");
    let again: Vec<serde_json::Value> = again.into_iter().map(|d| d.value).collect();
    assert_eq!(values, again, "round trip through the emitter:\n{emitted}");
});
