//! Parsing ARM error bodies.

use crate::model::{ErrorDetail, ErrorResponse};

/// Parses an ARM error body: the `{"error": {"code", "message", ...}}` envelope, or a bare
/// `{"code", "message"}` object as some resource providers send. `None` when the body is neither
/// (empty, HTML from a gateway, ...).
///
/// ```
/// use azs_site_recovery::http::parse_arm_error;
/// let e = parse_arm_error(br#"{"error":{"code":"InvalidParameter","message":"bad name","details":[{"code":"Inner"}]}}"#).unwrap();
/// assert_eq!(e.code.as_deref(), Some("InvalidParameter"));
/// assert_eq!(e.details.as_ref().map(Vec::len), Some(1));
/// assert!(parse_arm_error(b"<html>Bad gateway</html>").is_none());
/// ```
pub fn parse_arm_error(body: &[u8]) -> Option<ErrorDetail> {
    if body.is_empty() {
        return None;
    }
    if let Ok(ErrorResponse {
        error: Some(error), ..
    }) = serde_json::from_slice::<ErrorResponse>(body)
    {
        return Some(error);
    }
    match serde_json::from_slice::<ErrorDetail>(body) {
        Ok(d) if d.code.is_some() || d.message.is_some() => Some(d),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_and_enveloped_errors_parse() {
        let bare = parse_arm_error(br#"{"code":"Throttled","message":"slow down"}"#).unwrap();
        assert_eq!(bare.message.as_deref(), Some("slow down"));
        assert!(parse_arm_error(b"").is_none());
        assert!(parse_arm_error(br#"{"value":[]}"#).is_none());
        assert!(parse_arm_error(br#"{"error":"invalid_client"}"#).is_none());
    }
}
