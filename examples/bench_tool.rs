//! Benchmark helper (see scripts/bench.sh and BENCHMARKS.md).
//!
//! * `bench_tool generate N DIR`: write the generated repository of N namespaces under DIR;
//! * `bench_tool floor DIR`: the floor render is measured against: read every `*.yaml` file
//!   under DIR (sorted walk), parse each with `bcp_render::yaml::parse_stream`, keep every
//!   parsed document, then re-emit them all with `bcp_render::yaml::emit_yaml_stream` on
//!   stdout. No other work.

use std::io::Write;
use std::path::{Path, PathBuf};

use bcp_render::yaml::{ParseLimits, emit_yaml_stream, parse_stream};

/// The generator, shared with the scale test; not part of the shipped library.
#[path = "../tests/support/bench_repo.rs"]
#[allow(dead_code)]
mod bench_repo;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).expect("read dir").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(p);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["generate", n, dir] => {
            let n: usize = n.parse().expect("N namespaces");
            bench_repo::write(Path::new(dir), n).expect("write repository");
        }
        ["floor", dir] => {
            let mut paths = Vec::new();
            files(Path::new(dir), &mut paths);
            let limits = ParseLimits { max_documents: 200_000, max_depth: 64 };
            let mut docs = Vec::new();
            for p in paths {
                let text = std::fs::read_to_string(&p).expect("read file");
                docs.extend(parse_stream(&text, &limits).expect("parse").into_iter().map(|d| d.value));
            }
            let text = emit_yaml_stream(docs.iter());
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
        _ => {
            eprintln!("usage: bench_tool generate N DIR | bench_tool floor DIR");
            std::process::exit(2);
        }
    }
}
