//! Pretty JSON text from compact JSON text.
//!
//! `serde_json::to_string_pretty(value)` makes the compiler build a second serializer (the
//! pretty one) of every type it is called for, on top of the compact one those types already
//! have. [`pretty`] re-indents the compact text instead, with exactly the layout of
//! `to_string_pretty` (two spaces, `"key": value`, `{}` and `[]` when empty), in one pass over
//! the text and with no generic code.

/// `compact` (the output of `serde_json::to_string`) laid out as `serde_json::to_string_pretty`
/// lays it out.
pub(crate) fn pretty(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() + compact.len() / 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = compact.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                let close = if c == '{' { '}' } else { ']' };
                out.push(c);
                if chars.peek() == Some(&close) {
                    chars.next();
                    out.push(close);
                } else {
                    depth += 1;
                    new_line(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                new_line(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                new_line(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
}

fn new_line(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

#[cfg(test)]
mod tests {
    use super::pretty;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    fn same_as_serde(v: &Value) {
        let compact = serde_json::to_string(v).unwrap();
        assert_eq!(
            pretty(&compact),
            serde_json::to_string_pretty(v).unwrap(),
            "{compact}"
        );
    }

    #[test]
    fn lays_out_json_as_serde_json_does() {
        for v in [
            json!(null),
            json!(1.5),
            json!("plain"),
            json!({}),
            json!([]),
            json!({"a": {}, "b": [], "c": [{}], "d": [[]]}),
            json!({"name": "web-01", "n": [1, 2, {"x": null, "y": true}], "e": {"f": {"g": "h"}}}),
            json!([
                "a,b",
                "c:d",
                "{e}",
                "[f]",
                "q\"uo\"te",
                "back\\slash\\",
                "\\\"",
                "é ü 日本",
                "\n\t\u{1}"
            ]),
            json!({"{\"k\":1}": "v,]", "": ""}),
        ] {
            same_as_serde(&v);
        }
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(any::<String>(), inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_value_is_laid_out_as_serde_json_does(v in any_json()) {
            same_as_serde(&v);
        }
    }
}
