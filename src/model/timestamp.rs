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
    raw: Text,
    parsed: Option<DateTime<Utc>>,
}

/// The text of a timestamp: inline when it is as short as ARM's usual forms (no allocation for
/// `2026-01-02T03:04:05.1234567Z`), on the heap otherwise.
#[derive(Clone)]
enum Text {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

/// The longest text kept inline, in bytes.
const INLINE: usize = 30;

impl Text {
    fn new(s: &str) -> Self {
        match s.len() {
            len @ 0..=INLINE => {
                let mut bytes = [0; INLINE];
                bytes[..len].copy_from_slice(s.as_bytes());
                Text::Inline {
                    len: len as u8,
                    bytes,
                }
            }
            _ => Text::Heap(s.into()),
        }
    }

    fn from_string(s: String) -> Self {
        if s.len() <= INLINE {
            Text::new(&s)
        } else {
            Text::Heap(s.into_boxed_str())
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // Always whole UTF-8 text (copied from a `&str`), so this never falls back.
            Text::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Text::Heap(s) => s,
        }
    }
}

impl Timestamp {
    /// Parses ARM's text; never fails (unparseable text is kept with no instant).
    pub fn parse(raw: impl Into<String>) -> Self {
        let raw = raw.into();
        let parsed = parse_lenient(&raw);
        Timestamp {
            raw: Text::from_string(raw),
            parsed,
        }
    }

    /// Parses ARM's text from a borrowed string (no allocation for the usual forms).
    fn parse_str(raw: &str) -> Self {
        Timestamp {
            raw: Text::new(raw),
            parsed: parse_lenient(raw),
        }
    }

    /// The instant, in UTC, or `None` when the text was not a timestamp.
    pub fn to_utc(&self) -> Option<DateTime<Utc>> {
        self.parsed
    }

    /// The text exactly as received.
    pub fn as_str(&self) -> &str {
        self.raw.as_str()
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Self {
        Timestamp {
            raw: Text::from_string(t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
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
            _ => self.as_str() == other.as_str(),
        }
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({:?})", self.as_str())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn parse_lenient(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    // The forms ARM nearly always sends, without chrono's format-string machinery (which
    // dominated the time of parsing a page of resources); anything else takes the general path.
    if let Some(t) = parse_common(s.as_bytes()) {
        return Some(t);
    }
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

/// `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z | ±HH:MM]`, with no offset read as UTC. `None` for
/// anything else (the caller falls back to chrono's parsers).
fn parse_common(b: &[u8]) -> Option<DateTime<Utc>> {
    fn num(b: &[u8]) -> Option<u32> {
        b.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    }
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let date =
        chrono::NaiveDate::from_ymd_opt(num(&b[0..4])? as i32, num(&b[5..7])?, num(&b[8..10])?)?;
    let (h, m, sec) = (num(&b[11..13])?, num(&b[14..16])?, num(&b[17..19])?);
    let mut rest = &b[19..];
    let mut nanos = 0u32;
    if let Some((&b'.', frac)) = rest.split_first() {
        let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        for (i, &c) in frac[..digits].iter().enumerate() {
            if i < 9 {
                nanos += u32::from(c - b'0') * 10u32.pow(8 - i as u32);
            }
        }
        rest = &frac[digits..];
    }
    let offset_secs: i64 = match rest {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let oh = i64::from(num(&[*h1, *h2])?);
            let om = i64::from(num(&[*m1, *m2])?);
            // As RFC 3339 and chrono: `+10:99` or `+24:00` is not an offset.
            if oh > 23 || om > 59 {
                return None;
            }
            let secs = oh * 3600 + om * 60;
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    let time = chrono::NaiveTime::from_hms_nano_opt(h, m, sec, nanos)?;
    let local = date.and_time(time).and_utc();
    local.checked_sub_signed(chrono::TimeDelta::seconds(offset_secs))
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string (a timestamp)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Ok(Timestamp::parse_str(v))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Timestamp, E> {
                Ok(Timestamp::parse(v))
            }
        }
        d.deserialize_str(V)
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
    fn fast_path_agrees_with_chrono() {
        for s in [
            "2023-05-01T10:00:00Z",
            "2023-05-01T10:00:00.1234567Z",
            "2023-05-01T10:00:00.123456789123",
            "2023-05-01t10:00:00",
            "2023-12-31 23:59:59.5",
            "2023-05-01T12:00:00+02:00",
            "2023-05-01T00:30:00-05:30",
            "2024-02-29T00:00:00z",
        ] {
            let fast = parse_common(s.as_bytes()).unwrap_or_else(|| panic!("{s}: no fast path"));
            let general = DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .ok()
                .or_else(|| {
                    [
                        "%Y-%m-%dT%H:%M:%S%.f",
                        "%Y-%m-%dt%H:%M:%S%.f",
                        "%Y-%m-%d %H:%M:%S%.f",
                    ]
                    .iter()
                    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
                    .map(|t| t.and_utc())
                })
                .unwrap_or_else(|| panic!("{s}: chrono does not parse"));
            assert_eq!(fast, general, "{s}");
        }
        for s in [
            "2023-02-30T10:00:00Z",
            "2023-05-01T25:00:00Z",
            "2023-05-01T10:00:00.Z",
            "2023-05-01T10:00:00+0200",
            "2023-05-01T10:00",
            "2023-05-01T10:00:00 +02:00",
            "２０２３-05-01T10:00:00Z",
            "2023-05-01T10:00:00+10:99",
            "2023-05-01T10:00:00+24:00",
        ] {
            assert_eq!(parse_common(s.as_bytes()), None, "{s}");
        }
        // Forms the fast path declines still parse through chrono.
        assert!(Timestamp::parse("2023-05-01T10:00:00.123+0000")
            .to_utc()
            .is_some());
        assert!(Timestamp::parse("2023-05-01T10:00").to_utc().is_some());
        assert!(Timestamp::parse("2023-02-30T10:00:00Z").to_utc().is_none());
    }

    #[test]
    fn garbage_is_kept_not_fatal() {
        let t: Timestamp = serde_json::from_str("\"not a date\"").unwrap();
        assert_eq!(t.to_utc(), None);
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"not a date\"");
    }

    #[test]
    fn text_of_every_length_is_kept_exactly_inline_or_not() {
        let long_offset = "2024-03-02T09:59:59.9999999+00:00"; // 33 bytes: on the heap
        let cases = [
            "",
            "2023-05-01T10:00:00Z",
            "2023-05-01T10:00:00.1234567Z",
            "2023-05-01T10:00:00.123456789Z", // 30 bytes: the longest inline
            "2023-05-01T10:00:00.1234567890Z", // 31 bytes
            long_offset,
            "ünïcödé ünïcödé ünïcödé ünïcödé ünïcödé",
            "2023-05-01T10:00:00.12345678é", // a two-byte character ending at byte 30
        ];
        for text in cases {
            let quoted = serde_json::to_string(text).unwrap();
            // Borrowed from the input, and owned (an escape makes serde_json build the string).
            let escaped = quoted.replacen('2', "\\u0032", 1);
            for json in [&quoted, &escaped] {
                let t: Timestamp = serde_json::from_str(json).unwrap();
                assert_eq!(t.as_str(), text, "{json}");
                assert_eq!(t.to_string(), text);
                assert_eq!(serde_json::to_string(&t).unwrap(), quoted);
                assert_eq!(t, Timestamp::parse(text));
                assert_eq!(t.to_utc(), Timestamp::parse(text).to_utc());
            }
        }
        assert!(Timestamp::parse(long_offset).to_utc().is_some());
        assert_eq!(
            format!("{:?}", Timestamp::parse(long_offset)),
            format!("Timestamp({long_offset:?})")
        );
    }

    #[test]
    fn a_timestamp_that_is_not_a_string_is_an_error() {
        let e = serde_json::from_str::<Timestamp>("5")
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected a string"), "{e}");
    }

    #[test]
    fn seven_digits_keep_precision() {
        let t = Timestamp::parse("2023-05-01T10:00:00.1234567Z");
        assert_eq!(t.to_utc().unwrap().timestamp_subsec_nanos(), 123_456_700);
    }

    #[test]
    fn an_impossible_offset_is_not_a_timestamp() {
        // The fast path used to accept any two digits, so `+10:99` read as 11:39 ahead of UTC
        // although chrono (and RFC 3339) refuse it.
        for s in ["2023-05-01T10:00:00+10:99", "2023-05-01T10:00:00-99:00"] {
            let t = Timestamp::parse(s);
            assert_eq!(t.to_utc(), None, "{s}");
            assert_eq!(t.as_str(), s, "kept verbatim");
        }
        let ok = Timestamp::parse("2023-05-01T10:00:00+23:59")
            .to_utc()
            .unwrap();
        assert_eq!(ok.to_rfc3339(), "2023-04-30T10:01:00+00:00");
    }
}
