//! Short-lived account SAS tokens signed locally with an account key, so the key itself is
//! never sent: the official blob client takes Entra ID tokens or a SAS, not a key, and offers
//! no signer. The string to sign is the one the Storage REST reference gives for account SAS
//! (version 2020-12-06 and later).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::hmac;

/// The service version the token is signed for.
const SIGNED_VERSION: &str = "2022-11-02";

/// How long a signed token is valid; a new one is signed well before it ends.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// Signs an account SAS for the blob service of `account`: read, add, create, write, delete
/// and list on containers and objects (what a state needs, and creating its container),
/// valid from five minutes ago (clock skew) for [`TOKEN_LIFETIME`]. `https_only` unless the
/// endpoint is plain HTTP (Azurite). `None` when `key` is not base64.
pub fn sign_account_sas(
    account: &str,
    key: &str,
    now: SystemTime,
    https_only: bool,
) -> Option<String> {
    let key = STANDARD.decode(key.trim()).ok()?;
    let start = timestamp(now - Duration::from_secs(5 * 60));
    let expiry = timestamp(now + TOKEN_LIFETIME);
    let (permissions, service, resource_types) = ("racwdl", "b", "co");
    let protocol = if https_only { "https" } else { "https,http" };
    let to_sign = format!(
        "{account}\n{permissions}\n{service}\n{resource_types}\n{start}\n{expiry}\n\n{protocol}\n{SIGNED_VERSION}\n\n"
    );
    let signature = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &key), to_sign.as_bytes());
    let signature = STANDARD.encode(signature.as_ref());
    Some(
        [
            ("sv", SIGNED_VERSION),
            ("ss", service),
            ("srt", resource_types),
            ("sp", permissions),
            ("st", &start),
            ("se", &expiry),
            ("spr", protocol),
            ("sig", &signature),
        ]
        .iter()
        .map(|(name, value)| format!("{name}={}", query_escape(value)))
        .collect::<Vec<_>>()
        .join("&"),
    )
}

/// `2026-12-02T04:21:32Z`.
fn timestamp(time: SystemTime) -> String {
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let (days, second_of_day) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// The Gregorian date `days` after 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn query_escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            escaped.push(byte as char);
        } else {
            escaped.push_str(&format!("%{byte:02X}"));
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_iso_8601() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let leap_day = UNIX_EPOCH + Duration::from_secs(1_709_210_096);
        assert_eq!(timestamp(leap_day), "2024-02-29T12:34:56Z");
        let end_of_year = UNIX_EPOCH + Duration::from_secs(1_798_761_599);
        assert_eq!(timestamp(end_of_year), "2026-12-31T23:59:59Z");
    }

    /// The signature is HMAC-SHA256 of the documented string under the decoded key; the key
    /// never appears in the token.
    #[test]
    fn the_token_is_signed_and_holds_no_key() {
        let key = STANDARD.encode(b"not a real key, only for the test");
        let now = UNIX_EPOCH + Duration::from_secs(1_798_761_599);
        let token = sign_account_sas("acct", &key, now, true).unwrap();
        assert!(!token.contains(&key), "{token}");
        assert!(token.contains("se=2027-01-01T00%3A59%3A59Z"), "{token}");
        assert!(token.contains("spr=https&"), "{token}");
        let expected = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, b"not a real key, only for the test"),
            b"acct\nracwdl\nb\nco\n2026-12-31T23:54:59Z\n2027-01-01T00:59:59Z\n\nhttps\n2022-11-02\n\n",
        );
        let expected = query_escape(&STANDARD.encode(expected.as_ref()));
        assert!(token.ends_with(&format!("sig={expected}")), "{token}");
        assert_eq!(sign_account_sas("acct", "not base64!", now, true), None);
    }
}
