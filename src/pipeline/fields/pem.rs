//! PEM and a minimal DER reader: enough of Go's `tls.X509KeyPair` to check that a client
//! certificate and key belong together, and `CleanedSslKeyPair`'s re-encoding of the chain.

use crate::core::base64::{self, Padding};

/// One PEM block: its type label and decoded bytes (`None` when the body does not decode).
pub struct Block {
    pub label: String,
    pub has_headers: bool,
    pub der: Option<Vec<u8>>,
}

/// All `-----BEGIN X-----` … `-----END X-----` blocks, in order.
pub fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(end_label) = after.find("-----") else {
            break;
        };
        let label = after[..end_label].to_string();
        let body_start = &after[end_label + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = body_start.find(&end_marker) else {
            break;
        };
        let body = &body_start[..end];
        let has_headers = body.lines().any(|l| l.contains(':'));
        let b64: String = body.lines().filter(|l| !l.contains(':')).collect();
        out.push(Block { label, has_headers, der: base64::decode(&b64, Padding::Required) });
        rest = &body_start[end + end_marker.len()..];
    }
    out
}

/// Go's `pem.Encode` of a CERTIFICATE block: 64-column base64 lines, trailing newline.
pub fn encode_certificate(der: &[u8]) -> String {
    let b64 = base64::encode(der);
    let mut s = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(line).expect("ascii"));
        s.push('\n');
    }
    s.push_str("-----END CERTIFICATE-----\n");
    s
}

// ---- DER -------------------------------------------------------------------------------

/// One TLV: tag and content.
#[derive(Clone, Copy)]
struct Tlv<'a> {
    tag: u8,
    body: &'a [u8],
}

/// Read one TLV from the front of `data`; returns it and the rest.
fn tlv(data: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = data.split_first()?;
    let (&l0, rest) = rest.split_first()?;
    let (len, rest) = if l0 < 0x80 {
        (l0 as usize, rest)
    } else {
        let n = (l0 & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, &b| (a << 8) | b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((Tlv { tag, body: &rest[..len] }, &rest[len..]))
}

/// The children of a constructed TLV.
fn children(body: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (t, r) = tlv(rest)?;
        out.push(t);
        rest = r;
    }
    Some(out)
}

/// A whole-input SEQUENCE.
fn sequence(der: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let (t, rest) = tlv(der)?;
    if t.tag != 0x30 || !rest.is_empty() {
        return None;
    }
    children(t.body)
}

fn strip_int(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|&&x| x == 0).count();
    &b[n..]
}

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];

#[derive(Debug, PartialEq, Eq)]
enum PublicKey {
    /// RSA modulus (leading zeros stripped).
    Rsa(Vec<u8>),
    /// EC point, when known.
    Ec(Option<Vec<u8>>),
    /// Another algorithm (Ed25519 ...), not compared.
    Other,
}

/// A certificate's SubjectPublicKeyInfo key, or `None` when it does not parse.
fn cert_public_key(der: &[u8]) -> Option<PublicKey> {
    let cert = sequence(der)?;
    let tbs = children(cert.first().filter(|t| t.tag == 0x30)?.body)?;
    // Skip the optional [0] version.
    let off = usize::from(tbs.first()?.tag == 0xa0);
    // serial, signature, issuer, validity, subject, spki
    let spki = tbs.get(off + 5).filter(|t| t.tag == 0x30)?;
    let parts = children(spki.body)?;
    let alg = children(parts.first().filter(|t| t.tag == 0x30)?.body)?;
    let oid = alg.first().filter(|t| t.tag == 0x06)?.body;
    let bits = parts.get(1).filter(|t| t.tag == 0x03)?.body;
    let key = bits.get(1..)?;
    Some(if oid == OID_RSA {
        let rsa = sequence(key)?;
        PublicKey::Rsa(strip_int(rsa.first().filter(|t| t.tag == 0x02)?.body).to_vec())
    } else if oid == OID_EC {
        PublicKey::Ec(Some(key.to_vec()))
    } else {
        PublicKey::Other
    })
}

/// PKCS#1 RSAPrivateKey: SEQUENCE { version, n, e, d, p, q, dp, dq, qinv }.
fn pkcs1(der: &[u8]) -> Option<PublicKey> {
    let s = sequence(der)?;
    if s.len() < 9 || s.iter().take(9).any(|t| t.tag != 0x02) {
        return None;
    }
    Some(PublicKey::Rsa(strip_int(s[1].body).to_vec()))
}

/// SEC1 ECPrivateKey: `SEQUENCE { 1, OCTET STRING, [0] params?, [1] BIT STRING? }`.
fn sec1(der: &[u8]) -> Option<PublicKey> {
    let s = sequence(der)?;
    if s.len() < 2 || s[0].tag != 0x02 || s[0].body != [1] || s[1].tag != 0x04 {
        return None;
    }
    let point = s
        .iter()
        .find(|t| t.tag == 0xa1)
        .and_then(|t| tlv(t.body))
        .and_then(|(b, _)| (b.tag == 0x03).then(|| b.body.get(1..).map(<[u8]>::to_vec)).flatten());
    Some(PublicKey::Ec(point))
}

/// PKCS#8 PrivateKeyInfo: SEQUENCE { version, AlgorithmIdentifier, OCTET STRING key, ... }.
fn pkcs8(der: &[u8]) -> Option<PublicKey> {
    let s = sequence(der)?;
    if s.len() < 3 || s[0].tag != 0x02 || s[1].tag != 0x30 || s[2].tag != 0x04 {
        return None;
    }
    let alg = children(s[1].body)?;
    let oid = alg.first().filter(|t| t.tag == 0x06)?.body;
    if oid == OID_RSA {
        pkcs1(s[2].body)
    } else if oid == OID_EC {
        sec1(s[2].body)
    } else {
        Some(PublicKey::Other)
    }
}

/// Go's `tls.X509KeyPair` checks, as far as they can be done without public-key math.
pub fn check_key_pair(cert_pem: &str, key_pem: &str) -> Result<(), String> {
    let cert_blocks = blocks(cert_pem);
    let certs: Vec<&Block> = cert_blocks.iter().filter(|b| b.label == "CERTIFICATE").collect();
    if certs.is_empty() {
        if cert_blocks.is_empty() {
            return Err("tls: failed to find any PEM data in certificate input".into());
        }
        if cert_blocks.iter().any(|b| b.label.ends_with("PRIVATE KEY")) {
            return Err("tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched".into());
        }
        let skipped: Vec<&str> = cert_blocks.iter().map(|b| b.label.as_str()).collect();
        return Err(format!(
            "tls: failed to find \"CERTIFICATE\" PEM block in certificate input after skipping PEM blocks of the following types: [{}]",
            skipped.join(" ")
        ));
    }
    let key_blocks = blocks(key_pem);
    let Some(key) = key_blocks.iter().find(|b| b.label == "PRIVATE KEY" || b.label.ends_with(" PRIVATE KEY")) else {
        if key_blocks.is_empty() {
            return Err("tls: failed to find any PEM data in key input".into());
        }
        if key_blocks.iter().any(|b| b.label == "CERTIFICATE") {
            return Err("tls: found a certificate rather than a key in the PEM for the private key".into());
        }
        let skipped: Vec<&str> = key_blocks.iter().map(|b| b.label.as_str()).collect();
        return Err(format!(
            "tls: failed to find PEM block with type ending in \"PRIVATE KEY\" in key input after skipping PEM blocks of the following types: [{}]",
            skipped.join(" ")
        ));
    };
    let leaf = certs[0].der.as_deref().ok_or("x509: malformed certificate")?;
    let cert_key = cert_public_key(leaf).ok_or("x509: malformed certificate")?;
    let key_der = key.der.as_deref().ok_or("tls: failed to parse private key")?;
    let priv_key = pkcs1(key_der)
        .or_else(|| pkcs8(key_der))
        .or_else(|| sec1(key_der))
        .ok_or("tls: failed to parse private key")?;
    match (&cert_key, &priv_key) {
        (PublicKey::Rsa(a), PublicKey::Rsa(b)) if a != b => Err("tls: private key does not match public key".into()),
        (PublicKey::Ec(Some(a)), PublicKey::Ec(Some(b))) if a != b => {
            Err("tls: private key does not match public key".into())
        }
        (PublicKey::Rsa(_), PublicKey::Ec(_)) | (PublicKey::Ec(_), PublicKey::Rsa(_)) => {
            Err("tls: private key type does not match public key type".into())
        }
        _ => Ok(()),
    }
}

/// client-go's `ParseCertsPEM` then `EncodeCertificates`, as kgateway cleans a CA: every
/// CERTIFICATE block without headers must parse and is re-encoded; other blocks are dropped.
pub fn clean_certificates(pem: &str) -> Result<String, String> {
    let mut out = String::new();
    for b in blocks(pem) {
        if b.label != "CERTIFICATE" || b.has_headers {
            continue;
        }
        let der = b.der.ok_or("x509: malformed certificate")?;
        cert_public_key(&der).ok_or("x509: malformed certificate")?;
        out.push_str(&encode_certificate(&der));
    }
    if out.is_empty() {
        return Err("data does not contain any valid RSA or ECDSA certificates".into());
    }
    Ok(out)
}

/// kgateway's `CleanedSslKeyPair`: validate the pair, then re-encode every CERTIFICATE block.
pub fn cleaned_ssl_key_pair(cert_pem: &str, key_pem: &str) -> Result<String, String> {
    check_key_pair(cert_pem, key_pem)?;
    clean_certificates(cert_pem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
            let e = base64::encode(s.as_bytes());
            assert_eq!(base64::decode(&e, Padding::Required).unwrap(), s.as_bytes());
        }
        assert_eq!(base64::encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64::encode(b"fo"), "Zm8=");
        assert!(base64::decode("Zm9=v", Padding::Required).is_none());
        assert!(base64::decode("Zm=8", Padding::Required).is_none());
    }
}

#[cfg(test)]
mod pair_tests {
    use super::*;

    const A_CRT: &str = include_str!("testdata/a.crt");
    const A_KEY: &str = include_str!("testdata/a.key");
    const B_KEY: &str = include_str!("testdata/b.key");
    // Generated with openssl (prime256v1), test-only.
    const EC_CRT: &str = include_str!("testdata/ec.crt");
    const EC_KEY: &str = include_str!("testdata/ec.key");
    const EC_PK8: &str = include_str!("testdata/ec.pk8.key");
    const EC2_KEY: &str = include_str!("testdata/ec2.key");

    #[test]
    fn rsa_and_ec_pairs() {
        check_key_pair(A_CRT, A_KEY).unwrap();
        assert_eq!(check_key_pair(A_CRT, B_KEY).unwrap_err(), "tls: private key does not match public key");
        check_key_pair(EC_CRT, EC_KEY).unwrap();
        check_key_pair(EC_CRT, EC_PK8).unwrap();
        assert_eq!(check_key_pair(EC_CRT, EC2_KEY).unwrap_err(), "tls: private key does not match public key");
        assert_eq!(check_key_pair(EC_CRT, A_KEY).unwrap_err(), "tls: private key type does not match public key type");
        assert_eq!(check_key_pair("", A_KEY).unwrap_err(), "tls: failed to find any PEM data in certificate input");
        assert_eq!(check_key_pair(A_CRT, "x").unwrap_err(), "tls: failed to find any PEM data in key input");
        assert_eq!(
            check_key_pair(A_CRT, A_CRT).unwrap_err(),
            "tls: found a certificate rather than a key in the PEM for the private key"
        );
        let garbled = A_KEY.replace("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC2xPi+xL+5M9e6", "AAAA");
        assert_eq!(check_key_pair(A_CRT, &garbled).unwrap_err(), "tls: failed to parse private key");
    }

    #[test]
    fn cleaned_chain_is_pem_encode_form() {
        assert_eq!(cleaned_ssl_key_pair(A_CRT, A_KEY).unwrap(), A_CRT);
        assert_eq!(cleaned_ssl_key_pair(EC_CRT, EC_KEY).unwrap(), EC_CRT);
    }
}
