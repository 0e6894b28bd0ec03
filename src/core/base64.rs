//! Standard base64 (RFC 4648 alphabet), for Secret data and PEM bodies.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// How strictly to read padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// Whole quads, at most two `=` at the very end (Go's PEM decoder).
    Required,
    /// Padding optional; decoding stops at the first `=` (as Secret data is read).
    Optional,
}

fn value(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decode, ignoring ASCII whitespace; `None` when the text is not base64.
pub fn decode(s: &str, padding: Padding) -> Option<Vec<u8>> {
    let chars: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    if padding == Padding::Required && !chars.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(chars.len() * 3 / 4);
    let (mut buf, mut bits) = (0u32, 0);
    for (i, &c) in chars.iter().enumerate() {
        if c == b'=' {
            let rest = &chars[i..];
            let ok = padding == Padding::Optional || (rest.len() <= 2 && rest.iter().all(|&r| r == b'='));
            return ok.then_some(out);
        }
        buf = (buf << 6) | value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Encode with padding.
pub fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_data_decodes_with_and_without_padding() {
        assert_eq!(decode("aGVsbG8=", Padding::Optional).unwrap(), b"hello");
        assert_eq!(decode("aGVsbG8", Padding::Optional).unwrap(), b"hello");
        assert_eq!(decode("aGVs\nbG8=", Padding::Optional).unwrap(), b"hello");
        assert!(decode("a$b", Padding::Optional).is_none());
    }

    #[test]
    fn pem_bodies_need_whole_quads() {
        assert_eq!(decode("aGVsbG8=", Padding::Required).unwrap(), b"hello");
        assert_eq!(decode("aGVs bG8h", Padding::Required).unwrap(), b"hello!");
        for bad in ["aGVsbG8", "aGVsbG8==", "aG=sbG8=", "A===", "===="] {
            assert!(decode(bad, Padding::Required).is_none(), "{bad}");
        }
        assert_eq!(decode("", Padding::Required).unwrap(), b"");
    }

    #[test]
    fn encode_round_trips() {
        for data in [&b""[..], b"a", b"ab", b"abc", b"abcd", &[0, 255, 128, 7, 9]] {
            let e = encode(data);
            assert_eq!(e.len() % 4, 0);
            assert_eq!(decode(&e, Padding::Required).unwrap(), data);
        }
    }
}
