//! What BoringSSL (as built into Envoy 1.40) accepts in an upstream TLS context's
//! `tls_params`: Envoy joins each list with `:` and hands it to
//! `SSL_CTX_set_strict_cipher_list`, `SSL_CTX_set1_curves_list` and
//! `SSL_CTX_set1_sigalgs_list`; any failure rejects the cluster.
//!
//! The tables are BoringSSL's (`ssl/ssl_cipher.cc`, `ssl_key_share.cc`, `ssl_privkey.cc`);
//! the oracle test (`scripts/envoy-oracle.py`) checks every name against the real Envoy.

/// A TLS 1.2-and-below cipher: its two names and the bits aliases match on.
struct Cipher {
    name: &'static str,
    standard: &'static str,
    kx: u8,
    auth: u8,
    enc: u8,
    mac: u8,
    /// Only from TLS 1.2 (an AEAD or a SHA-256/384 PRF); the rest date from SSLv3.
    tls12: bool,
}

// Key exchange, authentication, encryption and MAC bits, as BoringSSL's SSL_k*, SSL_a*, ...
const K_RSA: u8 = 1;
const K_ECDHE: u8 = 2;
const K_PSK: u8 = 4;
const A_RSA: u8 = 1;
const A_ECDSA: u8 = 2;
const A_PSK: u8 = 4;
const E_3DES: u8 = 1;
const E_AES128: u8 = 2;
const E_AES256: u8 = 4;
const E_AES128GCM: u8 = 8;
const E_AES256GCM: u8 = 16;
const E_CHACHA: u8 = 32;
const M_SHA1: u8 = 1;
const M_AEAD: u8 = 2;
const M_SHA256: u8 = 4;

const fn c(name: &'static str, standard: &'static str, kx: u8, auth: u8, enc: u8, mac: u8, tls12: bool) -> Cipher {
    Cipher { name, standard, kx, auth, enc, mac, tls12 }
}

#[rustfmt::skip]
const CIPHERS: &[Cipher] = &[
    c("DES-CBC3-SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", K_RSA, A_RSA, E_3DES, M_SHA1, false),
    c("AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA", K_RSA, A_RSA, E_AES128, M_SHA1, false),
    c("AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA", K_RSA, A_RSA, E_AES256, M_SHA1, false),
    c("PSK-AES128-CBC-SHA", "TLS_PSK_WITH_AES_128_CBC_SHA", K_PSK, A_PSK, E_AES128, M_SHA1, false),
    c("PSK-AES256-CBC-SHA", "TLS_PSK_WITH_AES_256_CBC_SHA", K_PSK, A_PSK, E_AES256, M_SHA1, false),
    c("AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256", K_RSA, A_RSA, E_AES128GCM, M_AEAD, true),
    c("AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384", K_RSA, A_RSA, E_AES256GCM, M_AEAD, true),
    c("ECDHE-ECDSA-AES128-SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", K_ECDHE, A_ECDSA, E_AES128, M_SHA1, false),
    c("ECDHE-ECDSA-AES256-SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", K_ECDHE, A_ECDSA, E_AES256, M_SHA1, false),
    c("ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", K_ECDHE, A_RSA, E_AES128, M_SHA1, false),
    c("ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", K_ECDHE, A_RSA, E_AES256, M_SHA1, false),
    c("ECDHE-ECDSA-AES128-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", K_ECDHE, A_ECDSA, E_AES128, M_SHA256, true),
    c("ECDHE-RSA-AES128-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", K_ECDHE, A_RSA, E_AES128, M_SHA256, true),
    c("ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", K_ECDHE, A_ECDSA, E_AES128GCM, M_AEAD, true),
    c("ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", K_ECDHE, A_ECDSA, E_AES256GCM, M_AEAD, true),
    c("ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", K_ECDHE, A_RSA, E_AES128GCM, M_AEAD, true),
    c("ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", K_ECDHE, A_RSA, E_AES256GCM, M_AEAD, true),
    c("ECDHE-PSK-AES128-CBC-SHA", "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA", K_ECDHE, A_PSK, E_AES128, M_SHA1, false),
    c("ECDHE-PSK-AES256-CBC-SHA", "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA", K_ECDHE, A_PSK, E_AES256, M_SHA1, false),
    c("ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", K_ECDHE, A_RSA, E_CHACHA, M_AEAD, true),
    c("ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", K_ECDHE, A_ECDSA, E_CHACHA, M_AEAD, true),
    c("ECDHE-PSK-CHACHA20-POLY1305", "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", K_ECDHE, A_PSK, E_CHACHA, M_AEAD, true),
];

/// TLS 1.3 suites: names BoringSSL knows but that select nothing (they are not configurable).
const TLS13: &[&str] = &["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];

/// Version an alias pins: none, SSLv3 ("SSLv3", "TLSv1") or TLS 1.2.
#[derive(Clone, Copy, PartialEq, Eq)]
enum MinVersion {
    Any,
    Ssl3,
    Tls12,
}

struct Alias {
    name: &'static str,
    kx: u8,
    auth: u8,
    enc: u8,
    mac: u8,
    version: MinVersion,
    deprecated: bool,
}

const ALL: u8 = u8::MAX;

const fn a(name: &'static str, kx: u8, auth: u8, enc: u8, mac: u8) -> Alias {
    Alias { name, kx, auth, enc, mac, version: MinVersion::Any, deprecated: false }
}

#[rustfmt::skip]
const ALIASES: &[Alias] = &[
    a("ALL", ALL, ALL, ALL, ALL),
    a("kRSA", K_RSA, ALL, ALL, ALL),
    a("kECDHE", K_ECDHE, ALL, ALL, ALL),
    a("kEECDH", K_ECDHE, ALL, ALL, ALL),
    a("ECDH", K_ECDHE, ALL, ALL, ALL),
    a("kPSK", K_PSK, ALL, ALL, ALL),
    a("aRSA", ALL, A_RSA, ALL, ALL),
    a("aECDSA", ALL, A_ECDSA, ALL, ALL),
    a("ECDSA", ALL, A_ECDSA, ALL, ALL),
    a("aPSK", ALL, A_PSK, ALL, ALL),
    a("ECDHE", K_ECDHE, ALL, ALL, ALL),
    a("EECDH", K_ECDHE, ALL, ALL, ALL),
    a("RSA", K_RSA, A_RSA, ALL, ALL),
    a("PSK", K_PSK, A_PSK, ALL, ALL),
    Alias { deprecated: true, ..a("3DES", ALL, ALL, E_3DES, ALL) },
    a("AES128", ALL, ALL, E_AES128 | E_AES128GCM, ALL),
    a("AES256", ALL, ALL, E_AES256 | E_AES256GCM, ALL),
    a("AES", ALL, ALL, E_AES128 | E_AES256 | E_AES128GCM | E_AES256GCM, ALL),
    a("AESGCM", ALL, ALL, E_AES128GCM | E_AES256GCM, ALL),
    a("CHACHA20", ALL, ALL, E_CHACHA, ALL),
    a("SHA1", ALL, ALL, ALL, M_SHA1),
    a("SHA", ALL, ALL, ALL, M_SHA1),
    Alias { version: MinVersion::Ssl3, ..a("SSLv3", ALL, ALL, ALL, ALL) },
    Alias { version: MinVersion::Ssl3, ..a("TLSv1", ALL, ALL, ALL, ALL) },
    Alias { version: MinVersion::Tls12, ..a("TLSv1.2", ALL, ALL, ALL, ALL) },
    a("HIGH", ALL, ALL, ALL, ALL),
    a("FIPS", ALL, ALL, ALL, ALL),
];

/// What one rule selects: one cipher by name, or the ciphers an alias (or `A+B`) matches.
enum Selector {
    Exact(Option<usize>),
    Mask { kx: u8, auth: u8, enc: u8, mac: u8, version: MinVersion, deprecated: bool, skip: bool },
}

impl Selector {
    fn matches(&self, i: usize, adding: bool) -> bool {
        let c = &CIPHERS[i];
        match *self {
            Selector::Exact(id) => id == Some(i),
            Selector::Mask { kx, auth, enc, mac, version, deprecated, skip } => {
                let v = if c.tls12 { MinVersion::Tls12 } else { MinVersion::Ssl3 };
                !skip
                    && kx & c.kx != 0
                    && auth & c.auth != 0
                    && enc & c.enc != 0
                    && mac & c.mac != 0
                    && (version == MinVersion::Any || version == v)
                    && (deprecated || !adding || c.enc != E_3DES)
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Del,
    Ord,
    Kill,
    Special,
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')
}

/// Why `SSL_CTX_set_strict_cipher_list` rejects the list, if it does: BoringSSL's rule
/// grammar in strict mode, then "no cipher match" when nothing is left selected.
pub fn cipher_list_error(list: &str) -> Option<String> {
    if list.is_empty() {
        return None; // Envoy's defaults
    }
    let list = expand_default(list);
    let s = list.as_bytes();
    let mut active = [false; CIPHERS.len()];
    let mut killed = [false; CIPHERS.len()];
    let (mut i, mut in_group, mut has_group) = (0, false, false);
    while i < s.len() {
        let ch = s[i];
        let mut op = Op::Add;
        if in_group {
            if ch == b']' {
                in_group = false;
                i += 1;
                continue;
            }
            if ch == b'|' {
                i += 1;
                continue;
            }
            if !ch.is_ascii_alphanumeric() {
                return Some("unexpected operator in an equal-preference group".into());
            }
        } else {
            match ch {
                b'-' => op = Op::Del,
                b'+' => op = Op::Ord,
                b'!' => op = Op::Kill,
                b'@' => op = Op::Special,
                b'[' => {
                    in_group = true;
                    has_group = true;
                    i += 1;
                    continue;
                }
                _ => {}
            }
            if op != Op::Add {
                i += 1;
            }
        }
        if has_group && op != Op::Add {
            return Some("operators cannot be mixed with equal-preference groups".into());
        }
        if op == Op::Add && ch == b':' {
            i += 1;
            continue;
        }
        let (selector, next) = match rule(s, i, op) {
            Ok(r) => r,
            Err(word) => return Some(format!("{word:?} is not a cipher or cipher rule BoringSSL knows")),
        };
        i = next;
        if op == Op::Special {
            continue; // @STRENGTH only reorders
        }
        apply(&selector, op, &mut active, &mut killed);
    }
    if in_group {
        return Some("an equal-preference group is not closed with ]".into());
    }
    if !active.iter().any(|&a| a) {
        return Some(
            "it selects no cipher suite BoringSSL can use below TLS 1.3 (TLS 1.3 suites cannot be configured)".into(),
        );
    }
    None
}

/// A leading "DEFAULT" (a prefix, even of a longer word) is BoringSSL's default rule, "ALL",
/// then the rest, less one ':'.
fn expand_default(list: &str) -> std::borrow::Cow<'_, str> {
    match list.strip_prefix("DEFAULT") {
        Some(rest) => format!("ALL:{}", rest.strip_prefix(':').unwrap_or(rest)).into(),
        None => list.into(),
    }
}

/// One rule's effect on the ciphers it selects: add (unless killed), delete, or kill.
fn apply(selector: &Selector, op: Op, active: &mut [bool], killed: &mut [bool]) {
    for c in 0..CIPHERS.len() {
        if !selector.matches(c, op == Op::Add) {
            continue;
        }
        match op {
            Op::Add if !killed[c] => active[c] = true,
            Op::Del => active[c] = false,
            Op::Kill => {
                active[c] = false;
                killed[c] = true;
            }
            _ => {}
        }
    }
}

/// One rule from `s[i..]` (after its operator): what it selects and where the next starts,
/// or the word BoringSSL's strict parser rejects.
fn rule(s: &[u8], mut i: usize, op: Op) -> Result<(Selector, usize), String> {
    let mut mask = Selector::Mask {
        kx: ALL,
        auth: ALL,
        enc: ALL,
        mac: ALL,
        version: MinVersion::Any,
        deprecated: op != Op::Add,
        skip: false,
    };
    let mut multi = false;
    loop {
        let start = i;
        while i < s.len() && is_word(s[i]) {
            i += 1;
        }
        let word = String::from_utf8_lossy(&s[start..i]).into_owned();
        if word.is_empty() {
            return Err(String::from_utf8_lossy(&s[start..(start + 1).min(s.len())]).into_owned());
        }
        if op == Op::Special {
            if word != "STRENGTH" {
                return Err(format!("@{word}"));
            }
            while i < s.len() && s[i] != b':' {
                i += 1;
            }
            return Ok((Selector::Exact(None), i));
        }
        let plus = i < s.len() && s[i] == b'+';
        if !multi && !plus {
            if let Some(id) = CIPHERS.iter().position(|c| c.name == word || c.standard == word) {
                return Ok((Selector::Exact(Some(id)), i));
            }
            if TLS13.contains(&word.as_str()) {
                return Ok((Selector::Exact(None), i));
            }
        }
        let Some(al) = ALIASES.iter().find(|a| a.name == word) else { return Err(word) };
        if let Selector::Mask { kx, auth, enc, mac, version, deprecated, skip } = &mut mask {
            *kx &= al.kx;
            *auth &= al.auth;
            *enc &= al.enc;
            *mac &= al.mac;
            *deprecated |= al.deprecated;
            if *version != MinVersion::Any && *version != al.version {
                *skip = true;
            } else {
                *version = al.version;
            }
        }
        if !plus {
            return Ok((mask, i));
        }
        i += 1;
        multi = true;
    }
}

/// ECDH groups by name (`SSL_CTX_set1_curves_list`): each once.
const CURVES: &[(&str, u8)] = &[
    ("P-256", 1),
    ("prime256v1", 1),
    ("P-384", 2),
    ("secp384r1", 2),
    ("P-521", 3),
    ("secp521r1", 3),
    ("X25519", 4),
    ("x25519", 4),
    ("X25519MLKEM768", 5),
    ("MLKEM1024", 6),
];

pub fn curve_list_error(list: &str) -> Option<String> {
    if list.is_empty() {
        return None;
    }
    let mut seen = Vec::new();
    for name in list.split(':') {
        let Some(&(_, id)) = CURVES.iter().find(|(n, _)| *n == name) else {
            return Some(format!("{name:?} is not an ECDH curve BoringSSL knows"));
        };
        if seen.contains(&id) {
            return Some(format!("{name:?} is listed twice"));
        }
        seen.push(id);
    }
    None
}

/// TLS 1.3-style signature algorithm names, and the `TYPE+HASH` forms, by code point.
const SIGALG_NAMES: &[(&str, u16)] = &[
    ("rsa_pkcs1_sha1", 0x0201),
    ("rsa_pkcs1_sha256", 0x0401),
    ("rsa_pkcs1_sha256_legacy", 0x0420),
    ("rsa_pkcs1_sha384", 0x0501),
    ("rsa_pkcs1_sha512", 0x0601),
    ("ecdsa_sha1", 0x0203),
    ("ecdsa_secp256r1_sha256", 0x0403),
    ("ecdsa_secp384r1_sha384", 0x0503),
    ("ecdsa_secp521r1_sha512", 0x0603),
    ("rsa_pss_rsae_sha256", 0x0804),
    ("rsa_pss_rsae_sha384", 0x0805),
    ("rsa_pss_rsae_sha512", 0x0806),
    ("ed25519", 0x0807),
    ("mldsa44", 0x0904),
    ("mldsa65", 0x0905),
    ("mldsa87", 0x0906),
];

const SIGALG_PAIRS: &[(&str, &str, u16)] = &[
    ("RSA", "SHA1", 0x0201),
    ("RSA", "SHA256", 0x0401),
    ("RSA", "SHA384", 0x0501),
    ("RSA", "SHA512", 0x0601),
    ("PSS", "SHA256", 0x0804),
    ("PSS", "SHA384", 0x0805),
    ("PSS", "SHA512", 0x0806),
    ("ECDSA", "SHA1", 0x0203),
    ("ECDSA", "SHA256", 0x0403),
    ("ECDSA", "SHA384", 0x0503),
    ("ECDSA", "SHA512", 0x0603),
];

pub fn sigalg_list_error(list: &str) -> Option<String> {
    if list.is_empty() {
        return None;
    }
    let mut seen = Vec::new();
    for name in list.split(':') {
        let id = match name.split_once('+') {
            Some((key, hash)) => {
                let key = if key == "RSA-PSS" { "PSS" } else { key };
                SIGALG_PAIRS.iter().find(|(k, h, _)| *k == key && *h == hash).map(|p| p.2)
            }
            None => SIGALG_NAMES.iter().find(|(n, _)| *n == name).map(|p| p.1),
        };
        let Some(id) = id else {
            return Some(format!("{name:?} is not a signature algorithm BoringSSL accepts"));
        };
        if seen.contains(&id) {
            return Some(format!("{name:?} names a signature algorithm listed already"));
        }
        seen.push(id);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cipher_lists_as_envoy_1_40_judges_them() {
        for ok in [
            "ECDHE-RSA-AES128-GCM-SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "DES-CBC3-SHA",
            "ALL",
            "HIGH",
            "ECDHE+AES128",
            "[ECDHE-RSA-AES128-GCM-SHA256|ECDHE-RSA-CHACHA20-POLY1305]",
            "TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256",
            "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256",
            "3DES",
            "[AES128-SHA|TLS_AES_128_GCM_SHA256]",
            "ALL:@STRENGTH",
            "DEFAULT",
            "DEFAULT:!AES128-SHA",
            "DEFAULTAES128-SHA",
        ] {
            assert_eq!(cipher_list_error(ok), None, "{ok}");
        }
        for bad in [
            "TLS_AES_128_GCM_SHA256",
            "ecdhe-rsa-aes128-gcm-sha256",
            "!aNULL",
            "-ALL",
            "ECDHE-RSA-AES128-GCM-SHA256 ",
            "ECDHE-RSA-AES128-GCM-SHA256,AES128-SHA",
            "RC4-SHA",
            "BOGUS_CIPHER_SUITE_1:INVALID_AES_256_GCM_SHA384",
            "[AES128-SHA",
            "ALL:-[AES128-SHA]",
            "ECDHE-RSA-AES128-GCM-SHA256+AES128",
            "DEFAULTX",
            "AES128-SHA:DEFAULT",
        ] {
            assert!(cipher_list_error(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn curves_and_signature_algorithms() {
        for ok in ["P-256", "prime256v1", "X25519:P-256", "MLKEM1024", ""] {
            assert_eq!(curve_list_error(ok), None, "{ok}");
        }
        for bad in ["secp256r1", "P-224", "P-256:P-256", "p-256", "X25519Kyber768Draft00", "prime256v1:P-256"] {
            assert!(curve_list_error(bad).is_some(), "{bad}");
        }
        for ok in ["rsa_pkcs1_sha256", "RSA-PSS+SHA256", "PSS+SHA384", "ECDSA+SHA1", "ed25519:mldsa65"] {
            assert_eq!(sigalg_list_error(ok), None, "{ok}");
        }
        for bad in ["rsa_pkcs1_md5_sha1", "PSS+SHA1", "ecdsa_sha256", "RSA+SHA256:rsa_pkcs1_sha256", "ed448", "a::b"] {
            assert!(sigalg_list_error(bad).is_some(), "{bad}");
        }
    }
}
