//! ARM timestamps, parsed leniently and written back exactly as they came.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A timestamp as ARM sends it.
///
/// The service writes `date-time` values with an offset (`2023-05-01T10:00:00Z`), without one
/// (`2023-05-01T10:00:00`, read as UTC), and with up to 7 fractional digits (.NET ticks). All of
/// them parse. The original text is kept so that a resource read and written back is unchanged;
/// text that is not a timestamp at all is kept too ([`Timestamp::to_utc`] is then `None`) rather
/// than failing the whole response.
#[derive(Clone)]
pub struct Timestamp {
    raw: String,
    parsed: Option<DateTime<Utc>>,
}

impl Timestamp {
    /// Parses ARM's text; never fails (unparseable text is kept with no instant).
    pub fn parse(raw: impl Into<String>) -> Self {
        let raw = raw.into();
        let parsed = parse_lenient(&raw);
        Timestamp { raw, parsed }
    }

    /// The instant, in UTC, or `None` when the text was not a timestamp.
    pub fn to_utc(&self) -> Option<DateTime<Utc>> {
        self.parsed
    }

    /// The text exactly as received.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Self {
        Timestamp {
            raw: t.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            parsed: Some(t),
        }
    }
}

/// Two timestamps are equal when they denote the same instant (or, when either is not a
/// timestamp, have the same text).
impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        match (self.parsed, other.parsed) {
            (Some(a), Some(b)) => a == b,
            _ => self.raw == other.raw,
        }
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({:?})", self.raw)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

fn parse_lenient(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    // Offset-less forms (read as UTC), with a `T` or a space, with or without fractions.
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc());
        }
    }
    // Offsets written without a colon (`+0000`) or with a space before them.
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f %z"] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    None
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Ok(Timestamp::parse(raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form_arm_sends() {
        for s in [
            "2023-05-01T10:00:00Z",
            "2023-05-01T10:00:00.1234567Z",
            "2023-05-01T10:00:00.1234567",
            "2023-05-01T10:00:00",
            "2023-05-01T12:00:00+02:00",
            "2023-05-01 10:00:00",
            "2023-05-01T10:00:00.123+0000",
        ] {
            let t = Timestamp::parse(s);
            let utc = t.to_utc().unwrap_or_else(|| panic!("{s} did not parse"));
            assert_eq!(
                utc.format("%Y-%m-%d %H:%M").to_string(),
                "2023-05-01 10:00",
                "{s}"
            );
            assert_eq!(t.as_str(), s, "text kept verbatim");
        }
    }

    #[test]
    fn garbage_is_kept_not_fatal() {
        let t: Timestamp = serde_json::from_str("\"not a date\"").unwrap();
        assert_eq!(t.to_utc(), None);
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"not a date\"");
    }

    #[test]
    fn seven_digits_keep_precision() {
        let t = Timestamp::parse("2023-05-01T10:00:00.1234567Z");
        assert_eq!(t.to_utc().unwrap().timestamp_subsec_nanos(), 123_456_700);
    }
}
