//! Keyed fingerprints of secrets: enough to tell that a secret changed, useless to anyone
//! who reads the state without the key (and the key never leaves the state directory).

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

pub const KEY_LENGTH: usize = 32;

pub fn new_key() -> [u8; KEY_LENGTH] {
    let mut key = [0u8; KEY_LENGTH];
    SystemRandom::new()
        .fill(&mut key)
        .expect("the operating system's random source is available");
    key
}

/// A new state's lineage: 32 hex digits that follow from its fresh fingerprint key.
pub fn lineage_for(key: &[u8]) -> String {
    fingerprint(key, b"lineage")[12..44].to_owned()
}

/// `hmac-sha256:<hex>` of `secret` under `key`.
pub fn fingerprint(key: &[u8], secret: &[u8]) -> String {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), secret);
    format!("hmac-sha256:{}", hex(tag.as_ref()))
}

/// The bytes of hex digits; `None` if `text` is not an even number of them.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len() / 2)
        .map(|at| u8::from_str_radix(text.get(at * 2..at * 2 + 2)?, 16).ok())
        .collect()
}

/// Lower-case hex digits of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_secret_same_key_matches_and_nothing_else_does() {
        let (key, other_key) = (new_key(), new_key());
        assert_ne!(key, other_key);
        let print = fingerprint(&key, b"hunter2");
        assert_eq!(print, fingerprint(&key, b"hunter2"));
        assert_ne!(print, fingerprint(&key, b"hunter3"));
        assert_ne!(print, fingerprint(&other_key, b"hunter2"));
        assert!(!print.contains("hunter2"));
        assert_eq!(print.len(), "hmac-sha256:".len() + 64);
    }
}
