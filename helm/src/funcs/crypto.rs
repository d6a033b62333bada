//! Sprig's hashing, randomness and secret helpers: `sha1sum`/`sha256sum`/`sha512sum`/
//! `adler32sum`, `randBytes`, `randInt`'s source, `uuidv4`, `bcrypt`/`htpasswd`,
//! `derivePassword` (the Master Password algorithm), and `encryptAES`/`decryptAES` (AES-256-CBC,
//! PKCS#7, IV-prefixed, base64). Certificates and keys live in `certs`.

use base64::Engine as _;
use rand_core::{OsRng, RngCore};
use sha2::Digest as _;

use super::args::{arity, int, string, uint32};
use super::{FuncError, FuncMap};
use crate::value::Value;

/// Registers the hashing and secret family.
pub(super) fn register(fm: &mut FuncMap) {
    fm.insert("sha1sum", |a| {
        arity("sha1sum", a, 1)?;
        Ok(Value::from(hex::encode(sha1::Sha1::digest(
            string(a, 0)?.as_bytes(),
        ))))
    });
    fm.insert("sha256sum", |a| {
        arity("sha256sum", a, 1)?;
        Ok(Value::from(hex::encode(sha2::Sha256::digest(
            string(a, 0)?.as_bytes(),
        ))))
    });
    fm.insert("sha512sum", |a| {
        arity("sha512sum", a, 1)?;
        Ok(Value::from(hex::encode(sha2::Sha512::digest(
            string(a, 0)?.as_bytes(),
        ))))
    });
    fm.insert("adler32sum", |a| {
        arity("adler32sum", a, 1)?;
        Ok(Value::from(adler32(string(a, 0)?.as_bytes()).to_string()))
    });
    fm.insert("randBytes", |a| {
        arity("randBytes", a, 1)?;
        let n = int(a, 0)?;
        if n < 0 {
            return Err(FuncError::new("runtime error: makeslice: len out of range"));
        }
        let mut buf = vec![0u8; n as usize];
        OsRng.fill_bytes(&mut buf);
        Ok(Value::from(
            base64::engine::general_purpose::STANDARD.encode(buf),
        ))
    });
    fm.insert("uuidv4", |a| {
        arity("uuidv4", a, 0)?;
        Ok(Value::from(uuidv4()))
    });
    fm.insert("bcrypt", |a| {
        arity("bcrypt", a, 1)?;
        Ok(Value::from(bcrypt_hash(string(a, 0)?)))
    });
    fm.insert("htpasswd", |a| {
        arity("htpasswd", a, 2)?;
        let (user, pass) = (string(a, 0)?, string(a, 1)?);
        if user.contains(':') {
            return Ok(Value::from(format!("invalid username: {user}")));
        }
        Ok(Value::from(format!("{user}:{}", bcrypt_hash(pass))))
    });
    fm.insert("derivePassword", |a| {
        arity("derivePassword", a, 5)?;
        let counter = uint32(a, 0)?;
        let (typ, pass, user, site) = (string(a, 1)?, string(a, 2)?, string(a, 3)?, string(a, 4)?);
        Ok(Value::from(derive_password(counter, typ, pass, user, site)))
    });
    fm.insert("encryptAES", |a| {
        arity("encryptAES", a, 2)?;
        Ok(Value::from(encrypt_aes(string(a, 0)?, string(a, 1)?)))
    });
    fm.insert("decryptAES", |a| {
        arity("decryptAES", a, 2)?;
        decrypt_aes(string(a, 0)?, string(a, 1)?)
            .map(Value::from)
            .map_err(FuncError::new)
    });
}

/// A uniform random number below `n` (n > 0) from the OS generator, by rejection sampling.
pub(crate) fn rand_below(n: u64) -> u64 {
    if n <= 1 {
        return 0;
    }
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let x = OsRng.next_u64();
        if x < zone {
            return x % n;
        }
    }
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += x as u32;
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

fn uuidv4() -> String {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// Go's `bcrypt.GenerateFromPassword(pw, 10)`: a `$2a$10$` hash.
fn bcrypt_hash(pw: &str) -> String {
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    if pw.len() > 72 {
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
            .into();
    }
    match bcrypt::hash_with_salt(pw, 10, salt) {
        Ok(h) => h.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

const MP_SEED: &str = "com.lyndir.masterpassword";

fn mp_templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

fn mp_chars(c: u8) -> &'static [u8] {
    match c {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        _ => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// sprig's `derivePassword`: scrypt(N=32768, r=8, p=2) key from the master password, HMAC-SHA256
/// seed over the site, then a character template picked by the seed.
fn derive_password(counter: u32, kind: &str, password: &str, user: &str, site: &str) -> String {
    use hmac::Mac as _;
    let Some(templates) = mp_templates(kind) else {
        return format!("cannot find password template {kind}");
    };
    let mut salt = MP_SEED.as_bytes().to_vec();
    salt.extend_from_slice(&(user.len() as u32).to_be_bytes());
    salt.extend_from_slice(user.as_bytes());
    let mut key = [0u8; 64];
    let params = scrypt::Params::new(15, 8, 2, 64).expect("fixed scrypt parameters");
    if let Err(e) = scrypt::scrypt(password.as_bytes(), &salt, &params, &mut key) {
        return format!("failed to derive password: {e}");
    }
    let mut msg = MP_SEED.as_bytes().to_vec();
    msg.extend_from_slice(&(site.len() as u32).to_be_bytes());
    msg.extend_from_slice(site.as_bytes());
    msg.extend_from_slice(&counter.to_be_bytes());
    let mut mac = <hmac::Hmac<sha2::Sha256>>::new_from_slice(&key).expect("hmac accepts any key");
    mac.update(&msg);
    let seed = mac.finalize().into_bytes();
    let template = templates[seed[0] as usize % templates.len()].as_bytes();
    template
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let set = mp_chars(*c);
            set[seed[i + 1] as usize % set.len()] as char
        })
        .collect()
}

fn aes_key(password: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    let n = password.len().min(32);
    key[..n].copy_from_slice(&password.as_bytes()[..n]);
    key
}

fn encrypt_aes(password: &str, plaintext: &str) -> String {
    use aes::cipher::{block_padding::Pkcs7, BlockEncryptMut, KeyIvInit};
    if plaintext.is_empty() {
        return String::new();
    }
    let mut iv = [0u8; 16];
    OsRng.fill_bytes(&mut iv);
    let enc = cbc::Encryptor::<aes::Aes256>::new(&aes_key(password).into(), &iv.into());
    let ct = enc.encrypt_padded_vec_mut::<Pkcs7>(plaintext.as_bytes());
    let mut out = iv.to_vec();
    out.extend_from_slice(&ct);
    base64::engine::general_purpose::STANDARD.encode(out)
}

/// sprig's `decryptAES`, which strips as many bytes as the last byte says without validating the
/// padding.
fn decrypt_aes(password: &str, b64: &str) -> Result<String, String> {
    use aes::cipher::{block_padding::NoPadding, BlockDecryptMut, KeyIvInit};
    if b64.is_empty() {
        return Ok(String::new());
    }
    let data = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| "illegal base64 data at input byte 0".to_string())?;
    if data.len() < 16 {
        return Err(format!(
            "runtime error: slice bounds out of range [:16] with capacity {}",
            data.len()
        ));
    }
    let (iv, ct) = data.split_at(16);
    if ct.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".into());
    }
    let dec = cbc::Decryptor::<aes::Aes256>::new(&aes_key(password).into(), iv.into());
    let pt = dec
        .decrypt_padded_vec_mut::<NoPadding>(ct)
        .map_err(|e| e.to_string())?;
    let Some(&last) = pt.last() else {
        return Err("runtime error: index out of range [-1]".into());
    };
    let keep = pt.len().checked_sub(last as usize).ok_or_else(|| {
        format!(
            "runtime error: slice bounds out of range [:-{}]",
            last as usize - pt.len()
        )
    })?;
    Ok(String::from_utf8_lossy(&pt[..keep]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::text;
    use super::*;

    #[test]
    fn hashes_match_known_digests() {
        let s = Value::str("abc");
        assert_eq!(
            text("sha1sum", std::slice::from_ref(&s)),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            text("sha256sum", std::slice::from_ref(&s)),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(text("sha512sum", std::slice::from_ref(&s)).starts_with("ddaf35a193617aba"));
        assert_eq!(text("adler32sum", &[Value::str("Wikipedia")]), "300286872");
    }

    #[test]
    fn aes_round_trips_and_uuid_shape() {
        let ct = text(
            "encryptAES",
            &[Value::str("secretkey"), Value::str("plaintext")],
        );
        assert_eq!(
            text("decryptAES", &[Value::str("secretkey"), Value::from(ct)]),
            "plaintext"
        );
        assert_eq!(text("encryptAES", &[Value::str("k"), Value::str("")]), "");
        let u = text("uuidv4", &[]);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_ne!(u, text("uuidv4", &[]));
        assert_eq!(text("randBytes", &[Value::Int(12)]).len(), 16);
    }

    #[test]
    fn bcrypt_verifies() {
        let h = text("bcrypt", &[Value::str("pw")]);
        assert!(h.starts_with("$2a$10$"));
        assert!(bcrypt::verify("pw", &h).unwrap());
        let hp = text("htpasswd", &[Value::str("user"), Value::str("pw")]);
        assert!(hp.starts_with("user:$2a$10$"));
        assert_eq!(
            text("htpasswd", &[Value::str("a:b"), Value::str("pw")]),
            "invalid username: a:b"
        );
    }

    #[test]
    fn derive_password_matches_sprig() {
        // sprig's own test vector (crypto_test.go).
        assert_eq!(
            text(
                "derivePassword",
                &[
                    Value::Int(1),
                    Value::str("long"),
                    Value::str("password"),
                    Value::str("user"),
                    Value::str("example.com")
                ]
            ),
            "ZedaFaxcZaso9*"
        );
    }
}
