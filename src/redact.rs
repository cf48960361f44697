//! Removing credentials from text before it can reach a `Display`, a `Debug`, a log line or an
//! error.
//!
//! Two layers:
//!
//! - **Structural**, where the text is JSON: the value of every key that names a credential
//!   ([`is_secret_key`]: `accessToken`, `access_token`, `ClientSecret`, `client_assertion`,
//!   `password`, ... in any casing and separator style) is replaced at any depth, and every
//!   string value gets the token-shaped pass below.
//! - **Token-shaped**, for any text: `key: value` / `key=value` pairs whose key names a
//!   credential (the whole value, quoted or up to the end of the line, spaces included, also when
//!   it starts on the next line), anything after `Bearer` (followed by a space, tab, line break,
//!   quote, `:` or `=`), JSON Web Tokens (`eyJ...`), and the `user:password@` of URLs.
//!
//! Redaction errs on the side of removing too much.

use serde_json::Value;

/// What a removed value is replaced with.
pub(crate) const REDACTED: &str = "<redacted>";

/// Whether a key names a credential, in any casing or separator style (`accessToken`,
/// `access_token`, `ACCESS-TOKEN`, `clientSecret`, `client_assertion`, `Password`, ...).
pub(crate) fn is_secret_key(key: &str) -> bool {
    const WORDS: [&str; 10] = [
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "assertion",
        "credential",
        "apikey",
        "authorization",
        "cookie",
    ];
    let norm: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    WORDS.iter().any(|w| norm.contains(w))
}

/// Redacts a JSON value in place: secret-looking keys at any depth lose their value, string
/// values lose token-shaped parts.
pub(crate) fn redact_json(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, val) in m.iter_mut() {
                if is_secret_key(k) && !val.is_null() {
                    *val = Value::String(REDACTED.to_owned());
                } else {
                    redact_json(val);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(redact_json),
        Value::String(s) => {
            if let Some(r) = redact_tokens(s) {
                *s = r;
            }
        }
        _ => {}
    }
}

/// Redacts `text`: structurally when it is JSON (re-serialized compactly), token-shaped
/// otherwise.
pub(crate) fn redact(text: &str) -> String {
    let trimmed = text.trim_start();
    if trimmed.starts_with(['{', '[']) {
        if let Ok(mut v) = serde_json::from_str::<Value>(text) {
            redact_json(&mut v);
            return v.to_string();
        }
    }
    redact_tokens(text).unwrap_or_else(|| text.to_owned())
}

/// Redacts a value of any serializable type through its JSON form; `None` when it does not
/// serialize or does not come back (the caller then drops it rather than show it).
pub(crate) fn redact_via_json<T>(value: &T) -> Option<T>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let mut v = serde_json::to_value(value).ok()?;
    redact_json(&mut v);
    serde_json::from_value(v).ok()
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Token-shaped redaction; `None` when nothing had to be removed.
pub(crate) fn redact_tokens(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !is_word(b[i]) || (i > 0 && is_word(b[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        while end < b.len() && is_word(b[end]) {
            end += 1;
        }
        let word = &text[start..end];
        if word.len() >= 3 && word[..3].eq_ignore_ascii_case("eyJ") {
            // A JSON Web Token (its header is base64url of `{"`): the whole dotted run.
            let mut j = end;
            while j < b.len() && (is_word(b[j]) || matches!(b[j], b'.' | b'=' | b'+' | b'/')) {
                j += 1;
            }
            ranges.push((start, j));
            i = j;
            continue;
        }
        if word.eq_ignore_ascii_case("bearer") {
            if let Some(r) = after_bearer(b, end) {
                i = r.1;
                ranges.push(r);
                continue;
            }
        } else if is_secret_key(word) {
            if let Some(r) = key_value(b, end) {
                // Scanning goes on inside the value: `Authorization: Bearer "x"` has a token
                // beyond the value's first delimiter.
                ranges.push(r);
            }
        }
        i = end;
    }
    userinfo(b, &mut ranges);
    if ranges.is_empty() {
        return None;
    }
    ranges.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (s, e) in ranges {
        let s = s.max(at);
        if e <= s {
            continue;
        }
        out.push_str(&text[at..s]);
        out.push_str(REDACTED);
        at = e;
    }
    out.push_str(&text[at..]);
    Some(out)
}

/// The token after `Bearer`: skips spaces, tabs, line breaks, quotes, `:` and `=` (at least one),
/// then takes everything up to a delimiter.
fn after_bearer(b: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut j = from;
    while j < b.len()
        && matches!(
            b[j],
            b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'\'' | b':' | b'='
        )
    {
        j += 1;
    }
    if j == from || j >= b.len() {
        return None;
    }
    let start = j;
    while j < b.len()
        && !matches!(
            b[j],
            b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'\'' | b',' | b';' | b'}' | b']' | b'&' | b'<'
        )
    {
        j += 1;
    }
    (j > start).then_some((start, j))
}

/// The value after a secret-looking key: `key": "v"`, `key: v`, `key=v`, with the value possibly
/// on the next line; a quoted value up to its closing quote (spaces included), an unquoted one up
/// to the end of the line or `&`.
fn key_value(b: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut j = from;
    // The key's closing quote, then blanks.
    while j < b.len() && matches!(b[j], b'"' | b'\'' | b'\\') {
        j += 1;
    }
    while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\r' | b'\n') {
        j += 1;
    }
    if j >= b.len() || !matches!(b[j], b':' | b'=') {
        return None;
    }
    j += 1;
    while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\r' | b'\n') {
        j += 1;
    }
    if j >= b.len() {
        return None;
    }
    // An escaped quote (`\"`) opens the value of JSON inside a JSON string.
    if b[j] == b'\\' && b.get(j + 1) == Some(&b'"') {
        let start = j + 2;
        let mut k = start;
        while k < b.len() && !(b[k] == b'\\' && b.get(k + 1) == Some(&b'"')) {
            k += 1;
        }
        return (k > start).then_some((start, k));
    }
    if matches!(b[j], b'"' | b'\'') {
        let quote = b[j];
        let start = j + 1;
        let mut k = start;
        while k < b.len() && b[k] != quote {
            k += if b[k] == b'\\' { 2 } else { 1 };
        }
        let end = k.min(b.len());
        return (end > start).then_some((start, end));
    }
    let start = j;
    let mut k = j;
    while k < b.len() && !matches!(b[k], b'&' | b'\r' | b'\n' | b'"') {
        k += 1;
    }
    (k > start).then_some((start, k))
}

/// The `user:password@` of every `scheme://user:password@host` in the text.
fn userinfo(b: &[u8], ranges: &mut Vec<(usize, usize)>) {
    let mut i = 0;
    while i + 3 <= b.len() {
        if &b[i..i + 3] != b"://" {
            i += 1;
            continue;
        }
        let start = i + 3;
        let mut j = start;
        while j < b.len()
            && !matches!(
                b[j],
                b'/' | b'?'
                    | b'#'
                    | b'@'
                    | b' '
                    | b'\t'
                    | b'\r'
                    | b'\n'
                    | b'"'
                    | b'\''
                    | b'<'
                    | b'>'
            )
        {
            j += 1;
        }
        if j < b.len() && b[j] == b'@' {
            // Also the part after a second `@` in `user@x:pw@host`: up to the last `@` before
            // the path.
            let mut last = j;
            let mut k = j + 1;
            while k < b.len() && !matches!(b[k], b'/' | b'?' | b'#' | b' ' | b'"' | b'\r' | b'\n') {
                if b[k] == b'@' {
                    last = k;
                }
                k += 1;
            }
            ranges.push((start, last));
        }
        i = start;
    }
}

/// A serde_json error message without the input it quotes (`invalid type: string "Bearer
/// eyJ..."` names the offending string verbatim): quoted and back-quoted spans are replaced.
pub(crate) fn json_error_message(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let mut out = String::with_capacity(msg.len());
    let mut chars = msg.chars().peekable();
    let mut first_tick = true;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push_str("\"<redacted>\"");
                let mut escaped = false;
                for d in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == '"' {
                        break;
                    }
                }
            }
            // `unknown variant `x`, expected one of `a`, `b``: the first span is the input, the
            // others are the crate's own names.
            '`' if first_tick => {
                first_tick = false;
                out.push_str("`<redacted>`");
                for d in chars.by_ref() {
                    if d == '`' {
                        break;
                    }
                }
            }
            _ => out.push(c),
        }
    }
    redact_tokens(&out).unwrap_or(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_in_any_casing_lose_their_values() {
        for key in [
            "accessToken",
            "AccessToken",
            "access_token",
            "ACCESS-TOKEN",
            "clientSecret",
            "client_secret",
            "refreshToken",
            "client_assertion",
            "password",
            "Password",
        ] {
            let json = format!(r#"{{"a":[{{"b":{{"{key}":"S3CRET value"}}}}],"keep":"yes"}}"#);
            let r = redact(&json);
            assert!(!r.contains("S3CRET") && !r.contains("value"), "{key}: {r}");
            assert!(r.contains("yes"), "{r}");
            // The same as text that is not JSON (cut short).
            let cut = &json[..json.len() - 3];
            let r = redact(cut);
            assert!(!r.contains("S3CRET") && !r.contains("value"), "{key}: {r}");
        }
    }

    #[test]
    fn token_shapes_are_removed() {
        for text in [
            "Bearer S3CRET",
            "bearer\tS3CRET",
            "Authorization: Bearer \"S3CRET\"",
            "x Bearer\nS3CRET",
            "token eyJhbGciOi.S3CRET.sig",
            "password=\r\nS3CRET and more",
            "\"client_secret\":\n\"S3CRET two\"",
            "client_secret=S3CRET&client_id=x",
            "https://user:S3CRET@host.test/x",
            "{\"message\":\"{\\\"accessToken\\\":\\\"S3CRET\\\"}\"}",
        ] {
            let r = redact(text);
            assert!(!r.contains("S3CRET"), "{text:?} -> {r:?}");
        }
        assert_eq!(
            redact("client_secret=S3CRET&client_id=x"),
            "client_secret=<redacted>&client_id=x"
        );
        assert_eq!(redact("nothing to see"), "nothing to see");
    }

    #[test]
    fn json_errors_do_not_quote_the_input() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct T {
            n: u32,
        }
        let e = serde_json::from_str::<T>(r#"{"n":"Bearer S3CRET"}"#).unwrap_err();
        let m = json_error_message(&e);
        assert!(!m.contains("S3CRET") && m.contains("line 1"), "{m}");
    }
}
