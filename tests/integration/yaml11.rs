//! What our emitter writes reads back as the same values under YAML 1.1 as Kubernetes reads
//! it (the go-yaml v2 oracle, `tests/oracles/k8s_yaml.py`) and under PyYAML's own YAML 1.1
//! `safe_load_all`. (YAML 1.2, `yaml_serde`, is checked by the unit tests.)

use crate::util::{NASTY, carriable, oracle_available, project_dir};
use bcp_render::yaml::emit_yaml_stream;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::process::Command;

/// A small deterministic generator (64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 11
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn char(&mut self) -> char {
        match self.below(6) {
            0 => char::from_u32(self.below(0x80) as u32).unwrap(),
            1 => {
                let punct: Vec<char> = " :#-'\"\\\n\t?&*!|>%@`,[]{}".chars().collect();
                punct[self.below(punct.len() as u64) as usize]
            }
            2 => char::from_u32(0x80 + self.below(0x180) as u32).unwrap(),
            3 => ['\u{2028}', '\u{2029}', '\u{feff}', '\u{fffd}', '\u{ffff}', '\u{e000}'][self.below(6) as usize],
            4 => char::from_u32(0x10000 + self.below(0x1000) as u32).unwrap_or('x'),
            _ => char::from_u32(b'a' as u32 + self.below(26) as u32).unwrap(),
        }
    }
    /// A string Kubernetes can carry (see `carriable`).
    fn string(&mut self) -> String {
        loop {
            let s = self.any_string();
            if carriable(&s) {
                return s;
            }
        }
    }
    fn any_string(&mut self) -> String {
        match self.below(3) {
            0 => NASTY[self.below(NASTY.len() as u64) as usize].to_string(),
            1 => {
                // A nasty word with a random prefix or suffix.
                let word = NASTY[self.below(NASTY.len() as u64) as usize];
                let c = self.char();
                if self.below(2) == 0 { format!("{c}{word}") } else { format!("{word}{c}") }
            }
            _ => (0..self.below(8)).map(|_| self.char()).collect(),
        }
    }
    fn float(&mut self) -> f64 {
        loop {
            let f = match self.below(3) {
                0 => f64::from_bits(self.next() << 11 | self.next() & 0x7ff),
                1 => (self.below(2000) as f64 - 1000.0) / 8.0,
                _ => self.below(100) as f64,
            };
            if f.is_finite() {
                return f;
            }
        }
    }
    fn value(&mut self, depth: u32) -> Value {
        let pick = if depth == 0 { self.below(5) } else { self.below(7) };
        match pick {
            0 => Value::Null,
            1 => Value::Bool(self.below(2) == 0),
            2 => match self.below(3) {
                0 => Value::from(self.next() as i64 - (1 << 52)),
                // Beyond int64 Kubernetes holds a float.
                1 => Value::from((u64::MAX - self.below(10)) as f64),
                _ => Value::from(i64::MIN + self.below(10) as i64),
            },
            3 => kubernetes_float(self.float()),
            4 => Value::String(self.string()),
            5 => Value::Array((0..self.below(4)).map(|_| self.value(depth - 1)).collect()),
            _ => Value::Object(self.object(depth - 1)),
        }
    }
    fn object(&mut self, depth: u32) -> Map<String, Value> {
        (0..self.below(6)).map(|_| (self.string(), self.value(depth))).collect()
    }
}

const CHECK: &str = r#"
import json, sys, yaml

def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a.keys()) == list(b.keys()) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b

d = sys.argv[1]
with open(d + "/cases.json", encoding="utf-8") as f:
    expected = json.load(f)
with open(d + "/cases.yaml", encoding="utf-8") as f:
    got = list(yaml.safe_load_all(f))
if len(got) != len(expected):
    print("document count: yaml %d, json %d" % (len(got), len(expected)))
    sys.exit(1)
for i, (e, g) in enumerate(zip(expected, got)):
    if not same(e, g):
        print("document %d differs\njson: %r\nyaml: %r" % (i, e, g))
        sys.exit(1)
print("ok %d documents" % len(got))
"#;

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A float as Kubernetes holds it: integral below 1e21 and within int64, an integer.
fn kubernetes_float(f: f64) -> Value {
    if f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        Value::from(f as i64)
    } else {
        Value::from(f)
    }
}

fn pyyaml() -> Result<(), String> {
    match Command::new("python3").args(["-c", "import yaml"]).output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!(
            "python3 cannot import yaml; run `pip install pyyaml` ({})",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Err(format!("python3 not found ({e}); install python3 and `pip install pyyaml`")),
    }
}

#[test]
fn yaml11_round_trip_as_kubernetes_and_pyyaml_read_it() {
    if !oracle_available("PyYAML", pyyaml()) {
        return;
    }
    let mut rng = Lcg(0x5eed_2024);
    let mut docs: Vec<Value> = Vec::new();
    // Every nasty string as a value and as a key, alone.
    for s in NASTY.iter().filter(|s| carriable(s)) {
        docs.push(serde_json::json!({ "v": s, *s: [s] }));
    }
    for _ in 0..400 {
        docs.push(Value::Object(rng.object(3)));
    }

    let dir = TempDir(std::env::temp_dir().join(format!("bcp-render-yaml11-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).unwrap();
    std::fs::write(dir.0.join("cases.json"), serde_json::to_string(&docs).unwrap()).unwrap();
    std::fs::write(dir.0.join("cases.yaml"), emit_yaml_stream(&docs)).unwrap();

    let out = Command::new("python3").args(["-c", CHECK]).arg(&dir.0).output().expect("run python3");
    assert!(
        out.status.success(),
        "PyYAML (YAML 1.1) read back something else:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let oracle = project_dir().join("tests/oracles/k8s_yaml.py");
    let out = Command::new("python3").arg(oracle).arg("documents").arg(dir.0.join("cases.yaml")).output().unwrap();
    assert!(out.status.success(), "the Kubernetes oracle failed: {}", String::from_utf8_lossy(&out.stderr));
    let read: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(read.len(), docs.len());
    for (want, got) in docs.iter().zip(&read) {
        assert_eq!(want, got, "Kubernetes reads back something else");
    }
}
