//! The standard security handler (ISO 32000-2 §7.6.4) for encrypted files that open with an
//! empty user password: RC4 (revisions 2–4), AES-128 (revision 4, /AESV2) and AES-256
//! (revisions 5 and 6, /AESV3).
//!
//! Anyone can open such a file, but its strings and streams stay encrypted on disk, and
//! whatever a new revision appends must be encrypted the same way under the same key, or
//! readers see garbage. So the reader decrypts each object as it reads it (nothing more: the
//! document stays lazy) and the revision writer encrypts each object it writes.
//!
//! Never encrypted (§7.6.2): the encryption dictionary, cross-reference streams, the objects
//! inside an object stream (the stream as a whole is encrypted), and the /Contents of a
//! signature dictionary, whose hex digits the signer fills in after the digest is taken.

use aes::{Aes128, Aes256};
use cbc::cipher::block_padding::{NoPadding, Padding, Pkcs7};
use cbc::cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit,
    StreamCipher,
};
use md5::{Digest as _, Md5};
use sha2::{Digest as _, Sha256, Sha384, Sha512};

use crate::error::{Error, Result};
use crate::object::{Dict, ObjRef, Object};

/// Algorithm 2, step a: the padding that an empty password becomes.
const PASSWORD_PAD: [u8; 32] = [
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
    0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
];

/// Table 22, bit 4: change the document other than by annotations, forms and page assembly.
const MODIFY: u32 = 1 << 3;
/// Table 22, bit 6: add annotations and fill in form fields; together with bit 4, create form
/// fields, signature fields included.
const ANNOTATE_AND_FILL: u32 = 1 << 5;

/// How one class of data (strings, streams, or a named crypt filter) is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Identity,
    Rc4,
    AesV2,
    AesV3,
}

/// An opened security handler: the file key and what it applies to.
#[derive(Clone)]
pub(crate) struct Crypt {
    key: Vec<u8>,
    strings: Method,
    streams: Method,
    /// The implemented filters of /CF, for streams that choose theirs with a /Crypt filter.
    filters: Vec<(Vec<u8>, Method)>,
    encrypt_metadata: bool,
    permissions: u32,
    /// The encryption dictionary's own object, when it is one.
    dictionary: Option<ObjRef>,
}

impl Crypt {
    /// Opens the handler that `encrypt` (the trailer's /Encrypt, stored as object `dictionary`
    /// if indirect) describes, with the empty user password. `id0` is the first /ID string.
    ///
    /// [`Error::Encrypted`] when the empty password is not the user password, or the handler
    /// is not one this module implements (public-key and proprietary handlers, /CFM /None).
    pub fn open(encrypt: &Dict, dictionary: Option<ObjRef>, id0: &[u8]) -> Result<Crypt> {
        if encrypt.get_name("Filter") != Some(b"Standard") {
            return Err(Error::Encrypted);
        }
        let version = encrypt.get("V").and_then(Object::as_int).unwrap_or(0);
        let revision = encrypt.get("R").and_then(Object::as_int).unwrap_or(0);
        let aes256 = match (version, revision) {
            (1 | 2 | 4, 2..=4) => false,
            (5, 5 | 6) => true,
            _ => return Err(Error::Encrypted),
        };
        // /P is a 32-bit field that writers store signed or unsigned; only its bits count.
        let permissions = encrypt
            .get("P")
            .and_then(Object::as_int)
            .ok_or_else(|| dictionary_error("/P is missing"))? as u32;
        let encrypt_metadata = encrypt.get("EncryptMetadata") != Some(&Object::Bool(false));
        let (strings, streams, filters) = methods(encrypt, version, aes256)?;
        let mut crypt = Crypt {
            key: Vec::new(),
            strings,
            streams,
            filters,
            encrypt_metadata,
            permissions,
            dictionary,
        };
        if aes256 {
            crypt.open_aes256(encrypt, revision)?;
        } else {
            crypt.open_legacy(encrypt, version, revision, id0)?;
        }
        Ok(crypt)
    }

    /// Revisions 2–4: Algorithm 2 for the key, Algorithms 4 and 5 to check it against /U.
    fn open_legacy(
        &mut self,
        encrypt: &Dict,
        version: i64,
        revision: i64,
        id0: &[u8],
    ) -> Result<()> {
        let o = required_string(encrypt, "O", 32)?;
        let u = required_string(encrypt, "U", 32)?;
        let key_len = legacy_key_len(encrypt, version, revision)?;
        let key = legacy_file_key(
            revision,
            key_len,
            o,
            self.permissions,
            id0,
            self.encrypt_metadata,
        );
        if !legacy_user_password_matches(revision, &key, u, id0) {
            return Err(Error::Encrypted);
        }
        self.key = key;
        Ok(())
    }

    /// Revisions 5 and 6: Algorithm 2.A, and the /Perms check of Algorithm 13.
    fn open_aes256(&mut self, encrypt: &Dict, revision: i64) -> Result<()> {
        let u = required_string(encrypt, "U", 48)?;
        required_string(encrypt, "O", 48)?;
        let ue = required_string(encrypt, "UE", 32)?;
        let (hash, validation_salt, key_salt) = (&u[..32], &u[32..40], &u[40..48]);
        if aes256_hash(revision, b"", validation_salt, &[]) != hash {
            return Err(Error::Encrypted);
        }
        let intermediate = aes256_hash(revision, b"", key_salt, &[]);
        let key = aes_cbc_decrypt::<NoPadding>(&intermediate, &[0; 16], &ue[..32])
            .ok_or_else(|| dictionary_error("/UE does not decrypt"))?;
        if let Some(perms) = encrypt.get("Perms").and_then(Object::as_string) {
            self.permissions &= permissions_from_perms(&key, perms)?;
        }
        self.key = key;
        Ok(())
    }

    /// Whether the permissions let a user add a signature as Signet does: a new signature
    /// field with its widget annotation. Table 22 allows creating form fields, signature
    /// fields included, only with bits 4 and 6 both set; bit 9 alone would allow signing a
    /// field that already exists, which Signet does not do.
    pub fn allows_new_signature_fields(&self) -> bool {
        self.permissions & (MODIFY | ANNOTATE_AND_FILL) == MODIFY | ANNOTATE_AND_FILL
    }

    /// `object`, read from the file as object `id`, with its strings and stream data decrypted.
    pub fn decrypt(&self, id: ObjRef, mut object: Object) -> Result<Object> {
        if self.exempt(id, &object) {
            return Ok(object);
        }
        let strings = self.cipher(id, self.strings);
        map_strings(&mut object, &mut |s| strings.decrypt(s), false)?;
        if let Object::Stream(s) = &mut object {
            let cipher = self.cipher(id, self.stream_method(&s.dict)?);
            s.data = cipher.decrypt(&s.data)?;
        }
        Ok(object)
    }

    /// `object` encrypted for writing as object `id`. Encrypted strings are written as hex, so
    /// a revision holds no binary outside streams and the signer's search for its /Contents
    /// placeholder cannot be misled by ciphertext.
    pub fn encrypt(&self, id: ObjRef, object: &Object) -> Result<Object> {
        let mut object = object.clone();
        if self.exempt(id, &object) {
            return Ok(object);
        }
        let strings = self.cipher(id, self.strings);
        map_strings(&mut object, &mut |s| strings.encrypt(s), true)?;
        if let Object::Stream(s) = &mut object {
            let cipher = self.cipher(id, self.stream_method(&s.dict)?);
            s.data = cipher.encrypt(&s.data)?;
        }
        Ok(object)
    }

    fn exempt(&self, id: ObjRef, object: &Object) -> bool {
        let is_dictionary = self.dictionary.is_some_and(|d| d.num == id.num);
        let is_xref_stream =
            matches!(object, Object::Stream(s) if s.dict.get_name("Type") == Some(b"XRef"));
        is_dictionary || is_xref_stream
    }

    fn stream_method(&self, dict: &Dict) -> Result<Method> {
        if !self.encrypt_metadata && dict.get_name("Type") == Some(b"Metadata") {
            return Ok(Method::Identity);
        }
        match own_crypt_filter(dict) {
            Some(name) => lookup(&self.filters, name).ok_or_else(|| {
                Error::corrupt(
                    0,
                    format!(
                        "a stream names the crypt filter /{}, which /CF does not define",
                        String::from_utf8_lossy(name)
                    ),
                )
            }),
            None => Ok(self.streams),
        }
    }

    /// Algorithm 1: RC4 and AES-128 use a key of their own for each object; AES-256 uses the
    /// file key throughout.
    fn cipher(&self, id: ObjRef, method: Method) -> Cipher {
        let key = match method {
            Method::Identity => Vec::new(),
            Method::AesV3 => self.key.clone(),
            Method::Rc4 | Method::AesV2 => {
                let mut md = Md5::new();
                md.update(&self.key);
                md.update(&id.num.to_le_bytes()[..3]);
                md.update(id.generation.to_le_bytes());
                if method == Method::AesV2 {
                    md.update(b"sAlT");
                }
                md.finalize()[..(self.key.len() + 5).min(16)].to_vec()
            }
        };
        Cipher { method, key }
    }
}

/// A method with the key for one object.
struct Cipher {
    method: Method,
    key: Vec<u8>,
}

impl Cipher {
    fn decrypt(&self, data: &[u8]) -> Result<Vec<u8>> {
        match self.method {
            Method::Identity => Ok(data.to_vec()),
            Method::Rc4 => Ok(rc4(&self.key, data)),
            Method::AesV2 | Method::AesV3 => aes_decrypt_data(&self.key, data),
        }
    }

    fn encrypt(&self, data: &[u8]) -> Result<Vec<u8>> {
        match self.method {
            Method::Identity => Ok(data.to_vec()),
            Method::Rc4 => Ok(rc4(&self.key, data)),
            Method::AesV2 | Method::AesV3 => {
                let mut iv = [0u8; 16];
                rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut iv);
                let body = aes_cbc_encrypt::<Pkcs7>(&self.key, &iv, data)
                    .ok_or_else(|| Error::corrupt(0, "cannot AES-encrypt with this key"))?;
                Ok([iv.as_slice(), &body].concat())
            }
        }
    }
}

/// AES data as §7.6.3.1 stores it: a 16-byte IV, then CBC with PKCS#5 padding.
fn aes_decrypt_data(key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    // Some writers store an empty string as nothing, or as its IV alone.
    if data.is_empty() || data.len() == 16 {
        return Ok(Vec::new());
    }
    if data.len() < 32 || !data.len().is_multiple_of(16) {
        return Err(Error::corrupt(
            0,
            format!(
                "AES-encrypted data of {} bytes is not an IV and whole blocks",
                data.len()
            ),
        ));
    }
    let (iv, body) = data.split_at(16);
    aes_cbc_decrypt::<Pkcs7>(key, iv, body)
        .ok_or_else(|| Error::corrupt(0, "AES-encrypted data does not decrypt (bad padding)"))
}

/// /StmF, /StrF and /CF's filters for /V 4 and 5; RC4 throughout for /V 1 and 2.
type Methods = (Method, Method, Vec<(Vec<u8>, Method)>);

fn methods(encrypt: &Dict, version: i64, aes256: bool) -> Result<Methods> {
    if version < 4 {
        return Ok((Method::Rc4, Method::Rc4, Vec::new()));
    }
    let filters: Vec<(Vec<u8>, Method)> = encrypt
        .get("CF")
        .and_then(Object::as_dict)
        .map(|cf| {
            cf.0.iter()
                .filter_map(|(name, filter)| {
                    let method = match filter.as_dict()?.get_name("CFM")? {
                        b"V2" => Method::Rc4,
                        b"AESV2" => Method::AesV2,
                        b"AESV3" => Method::AesV3,
                        // /None (the application decrypts) and unknown methods are left out,
                        // so that naming them refuses the file.
                        _ => return None,
                    };
                    // AES-256 needs the 32-byte key of revisions 5 and 6, and only it does.
                    (aes256 == (method == Method::AesV3)).then(|| (name.0.clone(), method))
                })
                .collect()
        })
        .unwrap_or_default();
    let chosen = |key: &str| {
        let name = encrypt.get_name(key).unwrap_or(b"Identity");
        lookup(&filters, name).ok_or(Error::Encrypted)
    };
    Ok((chosen("StrF")?, chosen("StmF")?, filters))
}

fn lookup(filters: &[(Vec<u8>, Method)], name: &[u8]) -> Option<Method> {
    if name == b"Identity" {
        return Some(Method::Identity);
    }
    filters.iter().find(|(n, _)| n == name).map(|(_, m)| *m)
}

/// The crypt filter a stream chooses for itself: a first /Crypt filter, whose parameters name
/// it (Identity when they do not).
fn own_crypt_filter(dict: &Dict) -> Option<&[u8]> {
    let first = match dict.get("Filter")? {
        Object::Array(filters) => filters.first()?.as_name()?,
        filter => filter.as_name()?,
    };
    if first != b"Crypt" {
        return None;
    }
    let parms = match dict.get("DecodeParms") {
        Some(Object::Array(parms)) => parms.first().and_then(Object::as_dict),
        Some(parms) => parms.as_dict(),
        None => None,
    };
    Some(
        parms
            .and_then(|p| p.get_name("Name"))
            .unwrap_or(b"Identity"),
    )
}

/// A dictionary whose /Contents is a signature value, never encrypted (§7.6.2). /Type is
/// optional in signature dictionaries, but only they carry a /ByteRange.
fn is_signature_dictionary(d: &Dict) -> bool {
    matches!(d.get_name("Type"), Some(b"Sig" | b"DocTimeStamp")) || d.contains("ByteRange")
}

/// Replaces every string in `object` by `f` of it, except a signature value; `hex` makes the
/// results hex strings. Recursion is bounded by the parser's nesting limit for objects read,
/// and by the writer for objects built.
fn map_strings(
    object: &mut Object,
    f: &mut impl FnMut(&[u8]) -> Result<Vec<u8>>,
    hex: bool,
) -> Result<()> {
    match object {
        Object::String(s) | Object::HexString(s) => {
            let mapped = f(s)?;
            *object = if hex {
                Object::HexString(mapped)
            } else {
                Object::String(mapped)
            };
        }
        Object::Array(items) => {
            for item in items {
                map_strings(item, f, hex)?;
            }
        }
        Object::Dict(d) => map_dict_strings(d, f, hex)?,
        Object::Stream(s) => map_dict_strings(&mut s.dict, f, hex)?,
        _ => {}
    }
    Ok(())
}

fn map_dict_strings(
    d: &mut Dict,
    f: &mut impl FnMut(&[u8]) -> Result<Vec<u8>>,
    hex: bool,
) -> Result<()> {
    let signature = is_signature_dictionary(d);
    for (key, value) in &mut d.0 {
        if signature && *key == "Contents" {
            continue;
        }
        map_strings(value, f, hex)?;
    }
    Ok(())
}

fn dictionary_error(reason: &str) -> Error {
    Error::corrupt(
        0,
        format!("the encryption dictionary is malformed: {reason}"),
    )
}

fn required_string<'a>(encrypt: &'a Dict, key: &str, min_len: usize) -> Result<&'a [u8]> {
    encrypt
        .get(key)
        .and_then(Object::as_string)
        .filter(|s| s.len() >= min_len)
        .ok_or_else(|| {
            dictionary_error(&format!(
                "/{key} is missing or shorter than {min_len} bytes"
            ))
        })
}

/// The file key's length in bytes: 40 bits for revision 2, 128 for /V 4, else /Length.
fn legacy_key_len(encrypt: &Dict, version: i64, revision: i64) -> Result<usize> {
    if revision == 2 {
        return Ok(5);
    }
    if version == 4 {
        return Ok(16);
    }
    let bits = encrypt.get("Length").and_then(Object::as_int).unwrap_or(40);
    if (40..=128).contains(&bits) && bits % 8 == 0 {
        Ok(bits as usize / 8)
    } else {
        Err(dictionary_error(&format!(
            "/Length {bits} is not a key length of 40 to 128 bits"
        )))
    }
}

/// Algorithm 2, for the empty password.
fn legacy_file_key(
    revision: i64,
    key_len: usize,
    o: &[u8],
    permissions: u32,
    id0: &[u8],
    encrypt_metadata: bool,
) -> Vec<u8> {
    let mut md = Md5::new();
    md.update(PASSWORD_PAD);
    md.update(&o[..32]);
    md.update(permissions.to_le_bytes());
    md.update(id0);
    if revision >= 4 && !encrypt_metadata {
        md.update([0xff; 4]);
    }
    let mut hash: [u8; 16] = md.finalize().into();
    if revision >= 3 {
        for _ in 0..50 {
            hash = Md5::digest(&hash[..key_len]).into();
        }
    }
    hash[..key_len].to_vec()
}

/// Algorithms 4 (revision 2) and 5 (revisions 3 and 4): is the empty password the user
/// password, that is, does `key` reproduce /U?
fn legacy_user_password_matches(revision: i64, key: &[u8], u: &[u8], id0: &[u8]) -> bool {
    if revision == 2 {
        return rc4(key, &PASSWORD_PAD) == u[..32];
    }
    let mut md = Md5::new();
    md.update(PASSWORD_PAD);
    md.update(id0);
    let mut x = rc4(key, &md.finalize());
    for i in 1..=19u8 {
        let round_key: Vec<u8> = key.iter().map(|b| b ^ i).collect();
        x = rc4(&round_key, &x);
    }
    // Only the first 16 bytes are defined; the rest is arbitrary padding.
    x == u[..16]
}

/// The password hash of revision 6 (Algorithm 2.B) or 5 (plain SHA-256).
fn aes256_hash(revision: i64, password: &[u8], salt: &[u8], udata: &[u8]) -> Vec<u8> {
    let mut k = Sha256::digest([password, salt, udata].concat()).to_vec();
    if revision == 5 {
        return k;
    }
    // At most 64 + 256 - 32 rounds: the loop ends once round - 32 reaches the last byte of E.
    let mut round = 0u32;
    loop {
        let k1 = [password, &k, udata].concat().repeat(64);
        let Some(e) = aes_cbc_encrypt::<NoPadding>(&k[..16], &k[16..32], &k1) else {
            unreachable!("64 repetitions are whole AES blocks and the key is 16 bytes");
        };
        // The first 16 bytes of E as a big number mod 3: since 256 mod 3 is 1, that is the
        // sum of the bytes mod 3.
        let selector: u32 = e[..16].iter().map(|b| u32::from(*b)).sum::<u32>() % 3;
        k = match selector {
            0 => Sha256::digest(&e).to_vec(),
            1 => Sha384::digest(&e).to_vec(),
            _ => Sha512::digest(&e).to_vec(),
        };
        round += 1;
        let last = e.last().copied().unwrap_or(0);
        if round >= 64 && u32::from(last) + 32 <= round {
            break;
        }
    }
    k.truncate(32);
    k
}

/// Algorithm 13: /Perms, decrypted with the file key, repeats the permissions behind an "adb"
/// marker. A key that does not decrypt it is the wrong key. Where the repeated permissions
/// differ from /P, Signet honours only what both grant.
fn permissions_from_perms(key: &[u8], perms: &[u8]) -> Result<u32> {
    let block = perms
        .get(..16)
        .ok_or_else(|| dictionary_error("/Perms is shorter than 16 bytes"))?;
    let plain = aes_cbc_decrypt::<NoPadding>(key, &[0; 16], block)
        .ok_or_else(|| dictionary_error("/Perms does not decrypt"))?;
    if plain.get(9..12) != Some(b"adb") {
        return Err(dictionary_error("/Perms does not match the file key"));
    }
    Ok(u32::from_le_bytes([plain[0], plain[1], plain[2], plain[3]]))
}

fn rc4(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    // Keys here are 5 to 16 bytes, within RC4's 1 to 256.
    if let Ok(mut cipher) = rc4::Rc4::new_from_slice(key) {
        cipher.apply_keystream(&mut out);
    }
    out
}

fn aes_cbc_decrypt<P: Padding>(key: &[u8], iv: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    fn run<C: BlockCipherDecrypt + KeyInit, P: Padding>(
        key: &[u8],
        iv: &[u8],
        data: &[u8],
    ) -> Option<Vec<u8>> {
        cbc::Decryptor::<C>::new_from_slices(key, iv)
            .ok()?
            .decrypt_padded_vec::<P>(data)
            .ok()
    }
    match key.len() {
        16 => run::<Aes128, P>(key, iv, data),
        32 => run::<Aes256, P>(key, iv, data),
        _ => None,
    }
}

/// `None` for a key that is not AES-128 or AES-256, or unpadded data that is not whole blocks.
fn aes_cbc_encrypt<P: Padding + 'static>(key: &[u8], iv: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    fn run<C: BlockCipherEncrypt + KeyInit, P: Padding + 'static>(
        key: &[u8],
        iv: &[u8],
        data: &[u8],
    ) -> Option<Vec<u8>> {
        let encryptor = cbc::Encryptor::<C>::new_from_slices(key, iv).ok()?;
        Some(encryptor.encrypt_padded_vec::<P>(data))
    }
    let unpadded = std::any::TypeId::of::<P>() == std::any::TypeId::of::<NoPadding>();
    if unpadded && !data.len().is_multiple_of(16) {
        return None;
    }
    match key.len() {
        16 => run::<Aes128, P>(key, iv, data),
        32 => run::<Aes256, P>(key, iv, data),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::Stream;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn to_hex(b: &[u8]) -> String {
        b.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The /ID[0] of every vector below: qpdf encrypted the same input each time.
    const ID0: &str = "3046474e497a4c4a6c5872766c52796b594f72566d413d3d";

    fn legacy(v: i64, r: i64, length: i64, o: &str, u: &str) -> Dict {
        Dict::new()
            .with("Filter", Object::name("Standard"))
            .with("V", v)
            .with("R", r)
            .with("Length", length)
            .with("P", -4i64)
            .with("O", Object::String(hex(o)))
            .with("U", Object::String(hex(u)))
    }

    fn std_cf(cfm: &str) -> Dict {
        Dict::new().with(
            "StdCF",
            Dict::new()
                .with("AuthEvent", Object::name("DocOpen"))
                .with("CFM", Object::name(cfm)),
        )
    }

    fn with_std_cf(d: Dict, cfm: &str) -> Dict {
        d.with("CF", std_cf(cfm))
            .with("StmF", Object::name("StdCF"))
            .with("StrF", Object::name("StdCF"))
    }

    fn aes256(r: i64, o: &str, u: &str, ue: &str, perms: &str) -> Dict {
        with_std_cf(
            Dict::new()
                .with("Filter", Object::name("Standard"))
                .with("V", 5i64)
                .with("R", r)
                .with("Length", 256i64)
                .with("P", -4i64)
                .with("O", Object::String(hex(o)))
                .with("U", Object::String(hex(u)))
                .with("OE", Object::String(vec![0; 32]))
                .with("UE", Object::String(hex(ue)))
                .with("Perms", Object::String(hex(perms))),
            "AESV3",
        )
    }

    const O_128: &str = "77b8fb098022d3ab34237ea5643c08710ea5123fc5f88bf993a68cca5f12b40f";
    const U_128: &str = "41382877085c99b9348616c59c70d3780122456a91bae5134273a6db134c87c4";

    fn r2() -> Dict {
        legacy(
            1,
            2,
            40,
            "d8a81f2f756b03f0e776376607dc67c098531ac3e51f6e5cf0fc1473b1ce0975",
            "1066af57a6b5f720542c39be26813838b3a8ccbfc4de668851d01265f299b9d8",
        )
    }

    fn r6() -> Dict {
        aes256(
            6,
            "69b29bbb53336db9cde9b5329e168c4796eeb5629c2f927a1f8a5176a38372043220a66bc971feb5b6ed34c1622ea857",
            "46a03dafe8dc31a59546e2c7fe33107c0f3068bd3e700d49833601370cee4a08648043b275929da101c8c4cfb06fa4c4",
            "7d811fecbb10724310bedf940eb237fcbf585b2c7b13963f0cefce1cb9b503c1",
            "69934d4910b9b1016e126c0be1890e7d",
        )
    }

    fn key_of(d: &Dict) -> String {
        to_hex(&Crypt::open(d, None, &hex(ID0)).unwrap().key)
    }

    // Expected keys: `qpdf --show-encryption-key` of files qpdf 11.3 encrypted with an empty
    // user password (`--encrypt "" o 40`, `128 --use-aes=n`, `128 --use-aes=y`,
    // `128 --use-aes=y --cleartext-metadata`, `256 --force-R5`, `256`), whose dictionaries
    // are copied here.

    #[test]
    fn revision_2_rc4_40() {
        assert_eq!(key_of(&r2()), "f4a13badf2");
    }

    #[test]
    fn revision_3_rc4_128() {
        let d = legacy(2, 3, 128, O_128, U_128);
        assert_eq!(key_of(&d), "851ecf36e3d3cc11b932c556ff1246ad");
    }

    #[test]
    fn revision_4_aes_128_and_rc4_crypt_filters() {
        let aes = with_std_cf(legacy(4, 4, 128, O_128, U_128), "AESV2");
        assert_eq!(key_of(&aes), "851ecf36e3d3cc11b932c556ff1246ad");
        let c = Crypt::open(&aes, None, &hex(ID0)).unwrap();
        assert_eq!((c.strings, c.streams), (Method::AesV2, Method::AesV2));
        let rc4 = with_std_cf(legacy(4, 4, 128, O_128, U_128), "V2");
        let c = Crypt::open(&rc4, None, &hex(ID0)).unwrap();
        assert_eq!((c.strings, c.streams), (Method::Rc4, Method::Rc4));
    }

    #[test]
    fn revision_4_with_cleartext_metadata() {
        let d = with_std_cf(
            legacy(
                4,
                4,
                128,
                O_128,
                "4c0e9357715b14a6d6b663fae792c96d0122456a91bae5134273a6db134c87c4",
            ),
            "AESV2",
        )
        .with("EncryptMetadata", false);
        assert_eq!(key_of(&d), "bf5777cdcdbc3aababea7faf77f98190");
    }

    #[test]
    fn revision_5_aes_256() {
        let d = aes256(
            5,
            "509b2d4172977c7d5a8ab339ab1661fa89f5470c195b750f29228438cdc2b21070fe7b0d79ad3b37758515bd1d876e0a",
            "1ce49626142c0df0ea19f2bfc65564c4821fb0b649ed595ca09b89bcb14b0b5f3307741e481b813fbc7ad8369602e871",
            "cae715e2ef20e132cb3a0e32001b27f5e3ed0f937b5ff7045425631552885b8d",
            "701323cf856e433296eb79c36554bd3e",
        );
        assert_eq!(
            key_of(&d),
            "11de293b037504c43780137232ad9bc4df8fc90c0a808b141c300b0fb096e5f2"
        );
    }

    #[test]
    fn revision_6_aes_256() {
        assert_eq!(
            key_of(&r6()),
            "77a2a43c2cce4abfd2fbd10088686047d34f9d8be189f9c95ebf196228d3dfb9"
        );
    }

    #[test]
    fn a_user_password_is_refused() {
        // qpdf --encrypt user o 128 --use-aes=n, and --encrypt user o 256.
        let rc4 = legacy(
            2,
            3,
            128,
            "2a74d025e6e817b41e56bab2ffc6472fdf7113813bbeb5cf6cc21bb4144d748b",
            "c7994c99c189e0b5e7d42bc272d0701b0122456a91bae5134273a6db134c87c4",
        );
        assert!(matches!(
            Crypt::open(&rc4, None, &hex(ID0)),
            Err(Error::Encrypted)
        ));
        let aes = aes256(
            6,
            "802bc97a1242293c542fcd67da62edba59fa6f8cea47fa66008aa2116c23865d05bb8b3084ddc4419ef07a962b7f7991",
            "2b42e5b4080c79b3615cce6eebc4a1f37576fec913825f4b823f42d85cc8e061055a9d2cae92232d363fa5b51d0d0db0",
            "317ce9f41fd32a1ba6f3f275f0749e2556a98436e042364c087e8fb056956308",
            "b0d4cd7949b4c6b68654adfd18df981f",
        );
        assert!(matches!(
            Crypt::open(&aes, None, &hex(ID0)),
            Err(Error::Encrypted)
        ));
        // The right dictionary with another document's /ID derives another key.
        assert!(matches!(
            Crypt::open(&r2(), None, b"another id"),
            Err(Error::Encrypted)
        ));
    }

    #[test]
    fn other_handlers_are_refused() {
        let pubsec = r2().with("Filter", Object::name("Adobe.PubSec"));
        assert!(matches!(
            Crypt::open(&pubsec, None, &hex(ID0)),
            Err(Error::Encrypted)
        ));
        let none = with_std_cf(legacy(4, 4, 128, O_128, U_128), "None");
        assert!(matches!(
            Crypt::open(&none, None, &hex(ID0)),
            Err(Error::Encrypted)
        ));
        let v3 = r2().with("V", 3i64);
        assert!(matches!(
            Crypt::open(&v3, None, &hex(ID0)),
            Err(Error::Encrypted)
        ));
    }

    #[test]
    fn malformed_dictionaries_are_errors_not_panics() {
        let id0 = hex(ID0);
        let cases = [
            r2().with("O", Object::String(vec![1; 5])),
            r2().with("U", Object::Int(3)),
            {
                let mut d = r2();
                d.remove("P");
                d
            },
            legacy(2, 3, 4096, O_128, U_128),
            legacy(2, 3, -8, O_128, U_128),
            legacy(2, 3, 44, O_128, U_128),
            r6().with("U", Object::String(vec![0; 40])),
            r6().with("UE", Object::String(vec![0; 31])),
            r6().with("Perms", Object::String(vec![0; 3])),
            r6().with("Perms", Object::String(vec![0; 16])),
        ];
        for d in cases {
            assert!(
                matches!(Crypt::open(&d, None, &id0), Err(Error::Corrupt { .. })),
                "{d:?}"
            );
        }
    }

    #[test]
    fn the_signing_rule_needs_bits_4_and_6() {
        let mut c = Crypt::open(&r2(), None, &hex(ID0)).unwrap();
        let mut allows = |p: i64| {
            c.permissions = p as u32;
            c.allows_new_signature_fields()
        };
        assert!(allows(-4));
        assert!(allows(4294967292)); // -4 written unsigned
        assert!(!allows(-12)); // qpdf --modify=annotate: no bit 4
        assert!(!allows(-36)); // --annotate=n: no bit 6
        assert!(!allows(-44)); // --modify=form: bit 9 only
        assert!(!allows(-1324)); // --modify=none
    }

    fn round_trip(d: &Dict) {
        let c = Crypt::open(d, None, &hex(ID0)).unwrap();
        let id = ObjRef::new(12, 0);
        let original = Object::Dict(
            Dict::new()
                .with("T", Object::text("Signature1"))
                .with(
                    "A",
                    Object::Array(vec![Object::String(vec![]), 7i64.into()]),
                )
                .with(
                    "V",
                    Dict::new()
                        .with("Type", Object::name("Sig"))
                        .with("Contents", Object::HexString(vec![0; 8]))
                        .with("M", Object::String(b"D:20260101".to_vec())),
                ),
        );
        let encrypted = c.encrypt(id, &original).unwrap();
        let d2 = encrypted.as_dict().unwrap();
        assert_ne!(d2.get("T"), original.as_dict().unwrap().get("T"));
        let sig = d2.get("V").and_then(Object::as_dict).unwrap();
        assert_eq!(sig.get("Contents"), Some(&Object::HexString(vec![0; 8])));
        assert!(matches!(sig.get("M"), Some(Object::HexString(m)) if m != b"D:20260101"));
        let back = c.decrypt(id, encrypted).unwrap();
        assert_eq!(
            back.as_dict().unwrap().get("T"),
            Some(&Object::text("Signature1"))
        );
        let sig = back.as_dict().unwrap().get("V").unwrap().as_dict().unwrap();
        assert_eq!(sig.get("M"), Some(&Object::String(b"D:20260101".to_vec())));

        let stream = Object::from(Stream::new(Dict::new(), b"q 1 0 0 1 0 0 cm Q".to_vec()));
        let encrypted = c.encrypt(id, &stream).unwrap();
        assert_ne!(encrypted, stream);
        assert_eq!(c.decrypt(id, encrypted).unwrap(), stream);
        // Another object number is another key (for RC4 and AES-128).
        let other = c.decrypt(ObjRef::new(13, 0), c.encrypt(id, &stream).unwrap());
        if c.streams != Method::AesV3 {
            assert_ne!(other.ok(), Some(stream));
        }
    }

    #[test]
    fn strings_and_streams_round_trip() {
        round_trip(&r2());
        round_trip(&with_std_cf(legacy(4, 4, 128, O_128, U_128), "AESV2"));
        round_trip(&r6());
    }

    #[test]
    fn exempt_objects_stay_as_they_are() {
        let c = Crypt::open(&r6(), Some(ObjRef::new(5, 0)), &hex(ID0)).unwrap();
        let dict = Object::Dict(Dict::new().with("O", Object::String(b"raw".to_vec())));
        assert_eq!(c.decrypt(ObjRef::new(5, 0), dict.clone()).unwrap(), dict);
        let xref = Object::from(Stream::new(
            Dict::new().with("Type", Object::name("XRef")),
            vec![1, 2, 3],
        ));
        assert_eq!(c.decrypt(ObjRef::new(9, 0), xref.clone()).unwrap(), xref);
        let metadata = Object::from(Stream::new(
            Dict::new().with("Type", Object::name("Metadata")),
            b"<x:xmpmeta/>".to_vec(),
        ));
        let mut cleartext = c.clone();
        cleartext.encrypt_metadata = false;
        let written = cleartext.encrypt(ObjRef::new(9, 0), &metadata).unwrap();
        assert_eq!(written, metadata);
        assert_ne!(c.encrypt(ObjRef::new(9, 0), &metadata).unwrap(), metadata);
    }

    #[test]
    fn a_stream_may_choose_identity_with_a_crypt_filter() {
        let c = Crypt::open(&r6(), None, &hex(ID0)).unwrap();
        let identity = Object::from(Stream::new(
            Dict::new()
                .with("Filter", Object::Array(vec![Object::name("Crypt")]))
                .with(
                    "DecodeParms",
                    Object::Array(vec![
                        Dict::new().with("Name", Object::name("Identity")).into(),
                    ]),
                ),
            b"plain".to_vec(),
        ));
        assert_eq!(
            c.decrypt(ObjRef::new(3, 0), identity.clone()).unwrap(),
            identity
        );
        let unknown = Object::from(Stream::new(
            Dict::new().with("Filter", Object::name("Crypt")).with(
                "DecodeParms",
                Dict::new().with("Name", Object::name("Nope")),
            ),
            b"plain".to_vec(),
        ));
        assert!(c.decrypt(ObjRef::new(3, 0), unknown).is_err());
    }

    #[test]
    fn bad_aes_data_is_an_error_not_a_panic() {
        let key = [7u8; 16];
        assert_eq!(aes_decrypt_data(&key, &[]).unwrap(), b"");
        assert_eq!(aes_decrypt_data(&key, &[1; 16]).unwrap(), b"");
        for len in [1, 15, 17, 31, 33, 47] {
            assert!(aes_decrypt_data(&key, &vec![1; len]).is_err(), "{len}");
        }
        // Whole blocks whose padding is wrong.
        assert!(aes_decrypt_data(&key, &[1; 48]).is_err());
        assert!(aes_decrypt_data(&[1; 5], &[1; 48]).is_err());
    }
}
