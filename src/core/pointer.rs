//! JSON pointers (RFC 6901), the one place that knows their `~0`/`~1` escapes.
//!
//! Diagnostics carry a pointer into the object (`/spec/targetRefs/0/group`); messages show it
//! as a dotted field (`spec.targetRefs[0].group`) and the YAML layer locates it in the text.

/// One segment as written in a pointer: `~` → `~0`, `/` → `~1`.
pub fn escape(segment: &str) -> String {
    if !segment.contains(['~', '/']) {
        return segment.to_string();
    }
    segment.replace('~', "~0").replace('/', "~1")
}

/// One segment as the key it names.
pub fn unescape(segment: &str) -> String {
    if !segment.contains('~') {
        return segment.to_string();
    }
    segment.replace("~1", "/").replace("~0", "~")
}

/// Append `/segment` (escaped) to a pointer being built.
pub fn push(pointer: &mut String, segment: &str) {
    pointer.push('/');
    pointer.push_str(&escape(segment));
}

/// A pointer made of these keys.
pub fn from_segments<S: AsRef<str>>(segments: &[S]) -> String {
    let mut out = String::new();
    for s in segments {
        push(&mut out, s.as_ref());
    }
    out
}

/// The unescaped segments of a pointer (`""` has none).
pub fn segments(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer.strip_prefix('/').unwrap_or(pointer).split('/').map(unescape).collect()
}

/// The segments of a pointer read strictly, as RFC 6901 requires of input (JSON patches): it
/// starts with `/` (or is empty), and `~` is only ever `~0` or `~1`. `None` otherwise.
pub fn parse(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    rest.split('/')
        .map(|seg| {
            let escapes_ok =
                seg.match_indices('~').all(|(i, _)| matches!(seg.as_bytes().get(i + 1), Some(b'0' | b'1')));
            escapes_ok.then(|| unescape(seg))
        })
        .collect()
}

/// Whether a segment is an array index.
pub fn is_index(segment: &str) -> bool {
    !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit())
}

/// `/spec/tls` → `spec.tls`; `/spec/targetRefs/0/group` → `spec.targetRefs[0].group`.
pub fn to_field(pointer: &str) -> String {
    let mut out = String::new();
    for seg in segments(pointer) {
        if is_index(&seg) {
            out.push('[');
            out.push_str(&seg);
            out.push(']');
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}

/// `spec.tls` → `/spec/tls` for dotted paths of plain keys (merge units such as `dns.jitter`).
pub fn from_dotted(path: &str) -> String {
    from_segments(&path.split('.').collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip() {
        for key in ["plain", "a/b", "a~b", "~1", "/~0/", ""] {
            assert_eq!(unescape(&escape(key)), key);
            assert_eq!(segments(&from_segments(&[key, "x"])), [key, "x"]);
        }
        assert_eq!(escape("a/b~c"), "a~1b~0c");
        // `~01` is `~1` unescaped, not `/`.
        assert_eq!(unescape("~01"), "~1");
    }

    #[test]
    fn strict_parsing_refuses_bad_escapes() {
        assert_eq!(parse("/a~1b/c~0d").unwrap(), ["a/b", "c~d"]);
        assert_eq!(parse("").unwrap(), Vec::<String>::new());
        assert_eq!(parse("/").unwrap(), [""]);
        for bad in ["a", "/~", "/~2", "/a~"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn fields_read_like_paths() {
        assert_eq!(to_field("/spec/targetRefs/0/group"), "spec.targetRefs[0].group");
        assert_eq!(to_field("/data/tls.key"), "data.tls.key");
        assert_eq!(to_field("/metadata/annotations/a~1b"), "metadata.annotations.a/b");
        assert_eq!(to_field(""), "");
        assert_eq!(from_dotted("dns.jitter"), "/dns/jitter");
        assert!(segments("").is_empty());
    }
}
