//! Sprig's key and certificate generators: `genPrivateKey` (rsa/ecdsa/ed25519 PEM),
//! `genCA`, `genSelfSignedCert`, `genSignedCert` (each also `…WithKey` taking a PEM key) and
//! `buildCustomCert`, returning the `sprig.certificate` object with `.Cert` and `.Key` PEM text.
//! Certificates carry what sprig's template sets: CN, SANs, validity, key usages
//! (digitalSignature, keyEncipherment, + certSign for CAs), server/client auth, basic
//! constraints, and a random 128-bit serial.

use std::net::IpAddr;
use std::rc::Rc;

use base64::Engine as _;
use rand_core::{OsRng, RngCore};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};

use super::args::{arity, int, list_or_nil, string};
use super::{FuncError, FuncMap};
use crate::value::{Map, Object, Value};

/// Registers the certificate family.
pub(super) fn register(fm: &mut FuncMap) {
    fm.insert("genPrivateKey", |a| {
        arity("genPrivateKey", a, 1)?;
        let typ = string(a, 0)?;
        let key = match typ {
            "" | "rsa" => PrivKey::generate_rsa(4096),
            "ecdsa" => Ok(PrivKey::Ec(p256::SecretKey::random(&mut OsRng))),
            "ed25519" => Ok(PrivKey::Ed(ed25519_dalek::SigningKey::generate(&mut OsRng))),
            // DSA is deprecated and not offered by the RustCrypto stack we build on.
            "dsa" => Err("failed to generate dsa params: DSA keys are not supported".into()),
            other => return Ok(Value::from(format!("Unknown type {other}"))),
        };
        Ok(Value::from(match key {
            Ok(k) => k.sprig_pem(),
            Err(e) if e.starts_with("failed") => e,
            Err(e) => format!("failed to generate private key: {e}"),
        }))
    });
    fm.insert("genCA", |a| {
        arity("genCA", a, 2)?;
        let (cn, days) = (string(a, 0)?, int(a, 1)?);
        let key = PrivKey::generate_rsa(2048)
            .map_err(|e| FuncError::new(format!("error generating rsa key: {e}")))?;
        ca(cn, days, key)
    });
    fm.insert("genCAWithKey", |a| {
        arity("genCAWithKey", a, 3)?;
        let (cn, days, pem) = (string(a, 0)?, int(a, 1)?, string(a, 2)?);
        ca(cn, days, parse_key_arg(pem)?)
    });
    fm.insert("genSelfSignedCert", |a| {
        arity("genSelfSignedCert", a, 4)?;
        let key = PrivKey::generate_rsa(2048)
            .map_err(|e| FuncError::new(format!("error generating rsa key: {e}")))?;
        self_signed(a, key)
    });
    fm.insert("genSelfSignedCertWithKey", |a| {
        arity("genSelfSignedCertWithKey", a, 5)?;
        let key = parse_key_arg(string(a, 4)?)?;
        self_signed(a, key)
    });
    fm.insert("genSignedCert", |a| {
        arity("genSignedCert", a, 5)?;
        let ca = cert_arg(a, 4)?;
        let key = PrivKey::generate_rsa(2048)
            .map_err(|e| FuncError::new(format!("error generating rsa key: {e}")))?;
        signed(a, &ca, key)
    });
    fm.insert("genSignedCertWithKey", |a| {
        arity("genSignedCertWithKey", a, 6)?;
        let ca = cert_arg(a, 4)?;
        let key = parse_key_arg(string(a, 5)?)?;
        signed(a, &ca, key)
    });
    fm.insert("buildCustomCert", build_custom);
}

/// sprig's `certificate` struct.
#[derive(Debug, Clone)]
pub struct Certificate {
    cert: String,
    key: String,
}

impl Certificate {
    fn into_value(self) -> Value {
        Value::Object(Rc::new(self))
    }
}

impl Object for Certificate {
    fn type_name(&self) -> &str {
        "sprig.certificate"
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Cert" => Some(Value::str(&self.cert)),
            "Key" => Some(Value::str(&self.key)),
            _ => None,
        }
    }

    fn display(&self) -> String {
        format!("{{{} {}}}", self.cert, self.key)
    }

    fn to_data(&self) -> Value {
        let mut m = Map::new();
        m.insert("Cert".into(), Value::str(&self.cert));
        m.insert("Key".into(), Value::str(&self.key));
        Value::map(m)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn cert_arg(a: &[Value], i: usize) -> Result<Certificate, FuncError> {
    match &a[i] {
        Value::Object(o) => o.as_any().downcast_ref::<Certificate>().cloned(),
        _ => None,
    }
    .ok_or_else(|| {
        let got = if a[i].is_nil() {
            "interface {}".to_string()
        } else {
            a[i].type_name()
        };
        FuncError::bad_arg(
            i,
            format_args!("wrong type for value; expected sprig.certificate; got {got}"),
        )
    })
}

/// A private key of one of the kinds sprig generates or accepts.
enum PrivKey {
    Rsa(Box<rsa::RsaPrivateKey>),
    Ec(p256::SecretKey),
    Ed(ed25519_dalek::SigningKey),
}

impl PrivKey {
    /// OpenSSL does the prime search: it is an order of magnitude faster than the pure-Rust
    /// search (a 4096-bit `genPrivateKey` took seconds to tens of seconds), and syncd links
    /// OpenSSL for git's transports anyway. The key is then held as an `rsa` key like any other.
    fn generate_rsa(bits: usize) -> Result<PrivKey, String> {
        use rsa::pkcs1::DecodeRsaPrivateKey as _;
        let bits = u32::try_from(bits).map_err(|e| e.to_string())?;
        let key = openssl::rsa::Rsa::generate(bits).map_err(|e| e.to_string())?;
        let der = key.private_key_to_der().map_err(|e| e.to_string())?;
        rsa::RsaPrivateKey::from_pkcs1_der(&der)
            .map(|k| PrivKey::Rsa(Box::new(k)))
            .map_err(|e| e.to_string())
    }

    /// The PEM block sprig's `pemBlockForKey` writes: PKCS#1 for RSA, SEC1 for EC, PKCS#8
    /// otherwise.
    fn sprig_pem(&self) -> String {
        match self {
            PrivKey::Rsa(k) => {
                use rsa::pkcs1::EncodeRsaPrivateKey as _;
                let der = k.to_pkcs1_der().map(|d| d.as_bytes().to_vec());
                pem_encode("RSA PRIVATE KEY", &der.unwrap_or_default())
            }
            PrivKey::Ec(k) => {
                let der = k.to_sec1_der().map(|d| d.to_vec());
                pem_encode("EC PRIVATE KEY", &der.unwrap_or_default())
            }
            PrivKey::Ed(k) => {
                use ed25519_dalek::pkcs8::EncodePrivateKey as _;
                // Go writes the RFC 8410 v1 form, without the public key.
                let bytes = ed25519_dalek::pkcs8::KeypairBytes {
                    secret_key: k.to_bytes(),
                    public_key: None,
                };
                let der = bytes.to_pkcs8_der().map(|d| d.as_bytes().to_vec());
                pem_encode("PRIVATE KEY", &der.unwrap_or_default())
            }
        }
    }

    /// The key as rcgen/ring sign with it (PKCS#8 DER and the Go default signature algorithm).
    fn key_pair(&self) -> Result<KeyPair, String> {
        use rsa::pkcs8::EncodePrivateKey as _;
        let (der, alg) = match self {
            PrivKey::Rsa(k) => (
                k.to_pkcs8_der()
                    .map_err(|e| e.to_string())?
                    .as_bytes()
                    .to_vec(),
                &rcgen::PKCS_RSA_SHA256,
            ),
            PrivKey::Ec(k) => (
                k.to_pkcs8_der()
                    .map_err(|e| e.to_string())?
                    .as_bytes()
                    .to_vec(),
                &rcgen::PKCS_ECDSA_P256_SHA256,
            ),
            PrivKey::Ed(k) => (
                k.to_pkcs8_der()
                    .map_err(|e| e.to_string())?
                    .as_bytes()
                    .to_vec(),
                &rcgen::PKCS_ED25519,
            ),
        };
        KeyPair::from_pkcs8_der_and_sign_algo(&der.as_slice().into(), alg)
            .map_err(|e| e.to_string())
    }
}

/// Go's `pem.EncodeToMemory`: 64-column base64 between BEGIN/END lines.
fn pem_encode(kind: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {kind}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {kind}-----\n"));
    out
}

/// Go's `pem.Decode` of the first block: (type, bytes).
fn pem_decode(s: &str) -> Option<(String, Vec<u8>)> {
    let start = s.find("-----BEGIN ")?;
    let rest = &s[start + 11..];
    let type_end = rest.find("-----")?;
    let kind = rest[..type_end].to_string();
    let body = &rest[type_end + 5..];
    let end = body.find(&format!("-----END {kind}-----"))?;
    let b64: String = body[..end]
        .lines()
        .filter(|l| !l.contains(':'))
        .flat_map(|l| l.trim().chars())
        .collect();
    let der = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    Some((kind, der))
}

/// sprig's `parsePrivateKeyPEM`.
fn parse_private_key(pem: &str) -> Result<PrivKey, String> {
    let (kind, der) = pem_decode(pem).ok_or("no PEM data in input")?;
    if kind == "PRIVATE KEY" {
        use rsa::pkcs8::DecodePrivateKey as _;
        if let Ok(k) = rsa::RsaPrivateKey::from_pkcs8_der(&der) {
            return Ok(PrivKey::Rsa(Box::new(k)));
        }
        if let Ok(k) = p256::SecretKey::from_pkcs8_der(&der) {
            return Ok(PrivKey::Ec(k));
        }
        if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_der(&der) {
            return Ok(PrivKey::Ed(k));
        }
        return Err("decoding PEM as PKCS#8: x509: failed to parse private key".into());
    }
    let Some(prefix) = kind.strip_suffix(" PRIVATE KEY") else {
        return Err(format!("no private key data in PEM block of type {kind}"));
    };
    match prefix {
        "RSA" => {
            use rsa::pkcs1::DecodeRsaPrivateKey as _;
            rsa::RsaPrivateKey::from_pkcs1_der(&der)
                .map(|k| PrivKey::Rsa(Box::new(k)))
                .map_err(|e| format!("parsing RSA private key from PEM: {e}"))
        }
        "EC" => p256::SecretKey::from_sec1_der(&der)
            .map(PrivKey::Ec)
            .map_err(|e| format!("parsing EC private key from PEM: {e}")),
        _ => Err(format!("invalid private key type {kind}")),
    }
}

fn parse_key_arg(pem: &str) -> Result<PrivKey, FuncError> {
    parse_private_key(pem).map_err(|e| FuncError::new(format!("parsing private key: {e}")))
}

/// sprig's `getBaseCertTemplate`.
fn base_params(
    cn: &str,
    ips: &[Value],
    dns: &[Value],
    days: i64,
) -> Result<CertificateParams, FuncError> {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    p.distinguished_name = dn;
    for d in dns {
        let Value::Str(s) = d else {
            return Err(FuncError::new(format!(
                "error processing alternate dns name: {d} is not a string"
            )));
        };
        let name = s
            .to_string()
            .try_into()
            .map_err(|_| FuncError::new(format!("x509: SAN dNSName is malformed: {s}")))?;
        p.subject_alt_names.push(SanType::DnsName(name));
    }
    for ip in ips {
        let Value::Str(s) = ip else {
            return Err(FuncError::new(format!(
                "error parsing ip: {ip} is not a string"
            )));
        };
        let addr: IpAddr = s
            .parse()
            .map_err(|_| FuncError::new(format!("error parsing ip: {s}")))?;
        p.subject_alt_names.push(SanType::IpAddress(addr));
    }
    let mut serial = [0u8; 16];
    OsRng.fill_bytes(&mut serial);
    p.serial_number = Some(SerialNumber::from_slice(&serial));
    let now = time::OffsetDateTime::now_utc();
    p.not_before = now;
    p.not_after = now + time::Duration::hours(24 * days);
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    p.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    p.is_ca = IsCa::ExplicitNoCa;
    Ok(p)
}

fn finish(
    cert: Result<rcgen::Certificate, rcgen::Error>,
    key: &PrivKey,
) -> Result<Value, FuncError> {
    let cert = cert.map_err(|e| FuncError::new(format!("error creating certificate: {e}")))?;
    Ok(Certificate {
        cert: pem_encode("CERTIFICATE", cert.der()),
        key: key.sprig_pem(),
    }
    .into_value())
}

fn ca(cn: &str, days: i64, key: PrivKey) -> Result<Value, FuncError> {
    let mut p = base_params(cn, &[], &[], days)?;
    p.key_usages.push(KeyUsagePurpose::KeyCertSign);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let kp = key.key_pair().map_err(FuncError::new)?;
    finish(p.self_signed(&kp), &key)
}

fn self_signed(a: &[Value], key: PrivKey) -> Result<Value, FuncError> {
    let cn = string(a, 0)?;
    let (ips, dns, days) = (list_or_nil(a, 1)?, list_or_nil(a, 2)?, int(a, 3)?);
    let p = base_params(cn, &ips, &dns, days)?;
    let kp = key.key_pair().map_err(FuncError::new)?;
    finish(p.self_signed(&kp), &key)
}

fn signed(a: &[Value], ca: &Certificate, key: PrivKey) -> Result<Value, FuncError> {
    let cn = string(a, 0)?;
    let (ips, dns, days) = (list_or_nil(a, 1)?, list_or_nil(a, 2)?, int(a, 3)?);
    let (kind, der) =
        pem_decode(&ca.cert).ok_or_else(|| FuncError::new("unable to decode certificate"))?;
    if kind != "CERTIFICATE" || x509_parser::parse_x509_certificate(&der).is_err() {
        return Err(FuncError::new(
            "error parsing certificate: decodedSignerCert.Bytes: x509: malformed certificate",
        ));
    }
    let signer = parse_private_key(&ca.key)
        .map_err(|e| FuncError::new(format!("error parsing private key: {e}")))?;
    let signer_kp = signer.key_pair().map_err(FuncError::new)?;
    let issuer = Issuer::from_ca_cert_der(&der.into(), signer_kp).map_err(|e| {
        FuncError::new(format!(
            "error parsing certificate: decodedSignerCert.Bytes: {e}"
        ))
    })?;
    let mut p = base_params(cn, &ips, &dns, days)?;
    p.use_authority_key_identifier_extension = true;
    let kp = key.key_pair().map_err(FuncError::new)?;
    finish(p.signed_by(&kp, &issuer), &key)
}

fn build_custom(a: &[Value]) -> Result<Value, FuncError> {
    arity("buildCustomCert", a, 2)?;
    let b64 = base64::engine::general_purpose::STANDARD;
    let cert = b64
        .decode(string(a, 0)?)
        .map_err(|_| FuncError::new("unable to decode base64 certificate"))?;
    let key = b64
        .decode(string(a, 1)?)
        .map_err(|_| FuncError::new("unable to decode base64 private key"))?;
    let cert = String::from_utf8_lossy(&cert).into_owned();
    let key = String::from_utf8_lossy(&key).into_owned();
    let (_, der) =
        pem_decode(&cert).ok_or_else(|| FuncError::new("unable to decode certificate"))?;
    if let Err(e) = x509_parser::parse_x509_certificate(&der) {
        return Err(FuncError::new(format!(
            "error parsing certificate: decodedCert.Bytes: {e}"
        )));
    }
    parse_private_key(&key)
        .map_err(|e| FuncError::new(format!("error parsing private key: {e}")))?;
    Ok(Certificate { cert, key }.into_value())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::call;
    use super::*;

    fn field(v: &Value, f: &str) -> String {
        match v {
            Value::Object(o) => o.field(f).unwrap().to_string(),
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn keys_have_sprig_pem_types() {
        let ec = call("genPrivateKey", &[Value::str("ecdsa")])
            .unwrap()
            .to_string();
        assert!(ec.starts_with("-----BEGIN EC PRIVATE KEY-----\n"), "{ec}");
        assert!(matches!(parse_private_key(&ec), Ok(PrivKey::Ec(_))));
        let ed = call("genPrivateKey", &[Value::str("ed25519")])
            .unwrap()
            .to_string();
        assert!(ed.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(matches!(parse_private_key(&ed), Ok(PrivKey::Ed(_))));
        assert_eq!(
            call("genPrivateKey", &[Value::str("foo")])
                .unwrap()
                .to_string(),
            "Unknown type foo"
        );
    }

    #[test]
    fn ca_signs_leaf_with_sans() {
        let key = call("genPrivateKey", &[Value::str("ecdsa")]).unwrap();
        let ca = call("genCAWithKey", &[Value::str("my-ca"), Value::Int(365), key]).unwrap();
        assert_eq!(ca.type_name(), "sprig.certificate");
        let ca_pem = field(&ca, "Cert");
        let (_, der) = pem_decode(&ca_pem).unwrap();
        let (_, parsed) = x509_parser::parse_x509_certificate(&der).unwrap();
        assert!(parsed.is_ca());
        assert_eq!(parsed.subject().to_string(), "CN=my-ca");

        let leaf_key = call("genPrivateKey", &[Value::str("ed25519")]).unwrap();
        let leaf = call(
            "genSignedCertWithKey",
            &[
                Value::str("svc"),
                Value::list(vec![Value::str("10.0.0.1")]),
                Value::list(vec![Value::str("svc.ns.svc")]),
                Value::Int(30),
                ca.clone(),
                leaf_key.clone(),
            ],
        )
        .unwrap();
        assert_eq!(field(&leaf, "Key"), leaf_key.to_string());
        let (_, der) = pem_decode(&field(&leaf, "Cert")).unwrap();
        let (_, parsed) = x509_parser::parse_x509_certificate(&der).unwrap();
        assert_eq!(parsed.issuer().to_string(), "CN=my-ca");
        assert!(!parsed.is_ca());
        let san = parsed.subject_alternative_name().unwrap().unwrap();
        assert_eq!(san.value.general_names.len(), 2);

        let e = call(
            "genSignedCertWithKey",
            &[
                Value::str("svc"),
                Value::list(vec![Value::str("nope")]),
                Value::Nil,
                Value::Int(30),
                ca,
                leaf_key,
            ],
        )
        .unwrap_err();
        assert_eq!(e.message(), "error parsing ip: nope");
        let e = call(
            "genSignedCert",
            &[
                Value::str("x"),
                Value::Nil,
                Value::Nil,
                Value::Int(1),
                Value::str("ca"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e.message(),
            "wrong type for value; expected sprig.certificate; got string"
        );
    }

    #[test]
    fn rsa_ca_and_signed_cert_like_charts_use_them() {
        // The common chart idiom: genCA then genSignedCert with generated RSA-2048 keys.
        let ca = call("genCA", &[Value::str("ca"), Value::Int(3650)]).unwrap();
        assert!(field(&ca, "Key").starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
        let leaf = call(
            "genSignedCert",
            &[
                Value::str("web"),
                Value::Nil,
                Value::list(vec![Value::str("web.local")]),
                Value::Int(365),
                ca,
            ],
        )
        .unwrap();
        let (_, der) = pem_decode(&field(&leaf, "Cert")).unwrap();
        let (_, parsed) = x509_parser::parse_x509_certificate(&der).unwrap();
        assert_eq!(parsed.subject().to_string(), "CN=web");
        assert_eq!(parsed.issuer().to_string(), "CN=ca");
    }

    #[test]
    fn bad_key_pem_is_reported() {
        let e = call(
            "genCAWithKey",
            &[Value::str("x"), Value::Int(1), Value::str("junk")],
        )
        .unwrap_err();
        assert_eq!(e.message(), "parsing private key: no PEM data in input");
    }
}
