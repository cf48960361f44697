//! How long the service asked the client to wait.

use crate::http::Headers;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// How long the service asked to wait before the next request, from (first match wins)
/// `retry-after-ms`, `x-ms-retry-after-ms` (milliseconds) or `Retry-After` (seconds, or an HTTP
/// date taken relative to `now`; a date in the past means "now").
///
/// ```
/// use azs_site_recovery::http::{retry_after, Headers};
/// use std::time::Duration;
/// let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().to_utc();
/// let mut h = Headers::new();
/// h.insert("Retry-After", "Thu, 01 Jan 2026 00:00:30 GMT");
/// assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
/// h.insert("x-ms-retry-after-ms", "1500");
/// assert_eq!(retry_after(&h, now), Some(Duration::from_millis(1500)));
/// ```
pub fn retry_after(headers: &Headers, now: DateTime<Utc>) -> Option<Duration> {
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = headers
            .get(name)
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|ms| ms.is_finite() && *ms >= 0.0)
        {
            // A value too large for a `Duration` (`1e300`) is "a very long time", not a panic.
            return Some(Duration::try_from_secs_f64(ms / 1000.0).unwrap_or(Duration::MAX));
        }
    }
    headers
        .get("retry-after")
        .and_then(|v| parse_retry_after_value(v, now))
}

/// Parses one `Retry-After` value: delta-seconds or an HTTP date (IMF-fixdate, RFC 850 and
/// asctime forms are accepted; RFC 2822 dates too). `None` for anything else.
pub fn parse_retry_after_value(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = DateTime::parse_from_rfc2822(value)
        .map(|d| d.to_utc())
        .ok()
        .or_else(|| {
            // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
            chrono::NaiveDateTime::parse_from_str(value, "%A, %d-%b-%y %H:%M:%S GMT")
                .ok()
                .map(|n| n.and_utc())
        })
        .or_else(|| {
            // asctime: Sun Nov  6 08:49:37 1994
            chrono::NaiveDateTime::parse_from_str(value, "%a %b %e %H:%M:%S %Y")
                .ok()
                .map(|n| n.and_utc())
        })?;
    Some((when - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("1994-11-06T08:49:00Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn every_form_parses() {
        let n = now();
        assert_eq!(
            parse_retry_after_value("7", n),
            Some(Duration::from_secs(7))
        );
        for v in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(
                parse_retry_after_value(v, n),
                Some(Duration::from_secs(37)),
                "{v}"
            );
        }
        assert_eq!(
            parse_retry_after_value("Sun, 06 Nov 1994 08:00:00 GMT", n),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after_value("soon", n), None);
        assert_eq!(parse_retry_after_value("-3", n), None);
    }

    #[test]
    fn millisecond_headers_win() {
        let mut h = Headers::new();
        assert_eq!(retry_after(&h, now()), None);
        h.insert("Retry-After", "10");
        assert_eq!(retry_after(&h, now()), Some(Duration::from_secs(10)));
        h.insert("retry-after-ms", "250");
        assert_eq!(retry_after(&h, now()), Some(Duration::from_millis(250)));
    }

    #[test]
    fn huge_values_saturate_instead_of_panicking() {
        let mut h = Headers::new();
        h.insert("retry-after-ms", "1e300");
        assert_eq!(retry_after(&h, now()), Some(Duration::MAX));
        let mut h = Headers::new();
        h.insert("Retry-After", "18446744073709551615");
        assert_eq!(retry_after(&h, now()), Some(Duration::from_secs(u64::MAX)));
        assert_eq!(
            parse_retry_after_value("Fri, 31 Dec 9999 23:59:59 GMT", now())
                .map(|d| d > Duration::ZERO),
            Some(true)
        );
    }
}
