//! The three renderings of [`FleetHealth`]: JSON, Markdown, JUnit XML.

use super::FleetHealth;
use crate::human::HumanDuration;
use std::fmt::Write;
use std::time::Duration;

impl FleetHealth {
    /// The JSON rendering (pretty, with `schemaVersion`).
    ///
    /// ```
    /// # use azs_site_recovery::orchestrate::fleet::FleetHealth;
    /// # fn show(health: &FleetHealth) {
    /// let json: serde_json::Value = serde_json::from_str(&health.to_json()).unwrap();
    /// assert_eq!(json["schemaVersion"], 1);
    /// # }
    /// ```
    pub fn to_json(&self) -> String {
        serde_json::to_string(self)
            .map(|compact| crate::json_text::pretty(&compact))
            .unwrap_or_else(|e| format!("{{\"error\": \"fleet health did not serialize: {e}\"}}"))
    }

    /// The Markdown rendering: a summary line, a table of items, a table of appliances.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Fleet health of vault `{}`\n", md(&self.vault));
        let _ = writeln!(
            out,
            "Checked at {}: {} protected item(s), {} appliance(s), **{} need attention**.\n",
            self.generated_at.format("%Y-%m-%d %H:%M:%S UTC"),
            self.items.len(),
            self.appliances.len(),
            self.needs_attention
        );
        out.push_str("## Protected items\n\n");
        out.push_str(
            "| Item | Protection state | Replication health | RPO | Last test failover | Attention |\n",
        );
        out.push_str("|---|---|---|---|---|---|\n");
        for i in &self.items {
            let test = match (i.last_successful_test_failover, i.days_since_test_failover) {
                (Some(t), Some(d)) => format!("{} ({d} days ago)", t.format("%Y-%m-%d")),
                _ => "never".to_owned(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                md(&i.item),
                md(i.protection_state.as_deref().unwrap_or("-")),
                md(i.replication_health.as_deref().unwrap_or("-")),
                i.rpo()
                    .map_or("-".to_owned(), |r| HumanDuration(r).to_string()),
                test,
                if i.attention.is_empty() {
                    "ok".to_owned()
                } else {
                    md(&i.attention.join("; "))
                }
            );
        }
        if !self.appliances.is_empty() {
            out.push_str("\n## Appliances\n\n");
            out.push_str("| Appliance | Responsive | Last heartbeat | Attention |\n");
            out.push_str("|---|---|---|---|\n");
            for a in &self.appliances {
                let name = a
                    .machine_name
                    .as_deref()
                    .unwrap_or_else(|| a.id.rsplit('/').next().unwrap_or(&a.id));
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    md(name),
                    a.responsive.map_or("-", |r| if r { "yes" } else { "no" }),
                    a.heartbeat_age_secs.map_or("-".to_owned(), |s| format!(
                        "{} ago",
                        HumanDuration(Duration::from_secs(s))
                    )),
                    if a.attention.is_empty() {
                        "ok".to_owned()
                    } else {
                        md(&a.attention.join("; "))
                    }
                );
            }
        }
        out
    }

    /// The JUnit XML rendering: one test suite for the vault, one test case per item (class
    /// `protected item`) and per appliance (class `appliance`), a `<failure>` for each that
    /// needs attention.
    pub fn to_junit_xml(&self) -> String {
        let cases = self.items.len() + self.appliances.len();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"fleet health\" tests=\"{cases}\" failures=\"{}\">",
            self.needs_attention
        );
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{cases}\" failures=\"{}\" timestamp=\"{}\">",
            xml(&self.vault),
            self.needs_attention,
            self.generated_at.format("%Y-%m-%dT%H:%M:%S")
        );
        let case =
            |out: &mut String, class: &str, name: &str, problems: &[String], detail: String| {
                let _ = write!(
                    out,
                    "    <testcase classname=\"{}\" name=\"{}\"",
                    xml(class),
                    xml(name)
                );
                if problems.is_empty() {
                    out.push_str("/>\n");
                } else {
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                        xml(&problems.join("; ")),
                        xml(&detail)
                    );
                }
            };
        for i in &self.items {
            let mut detail = format!(
                "state: {}",
                i.protection_state.as_deref().unwrap_or("(not reported)")
            );
            for e in &i.health_errors {
                let _ = write!(detail, "\nhealth error: {e}");
            }
            case(&mut out, "protected item", &i.item, &i.attention, detail);
        }
        for a in &self.appliances {
            let detail = a.health_errors.join("\n");
            case(&mut out, "appliance", &a.id, &a.attention, detail);
        }
        out.push_str("  </testsuite>\n</testsuites>\n");
        out
    }
}

/// A Markdown table cell: the drill reports' escaping (backslashes and pipes escaped, line
/// breaks flattened).
fn md(s: &str) -> String {
    crate::orchestrate::report::markdown::escape_cell(s)
}

/// XML text or attribute content: the drill reports' escaping (one implementation for every
/// JUnit file the crate writes).
fn xml(s: &str) -> String {
    crate::orchestrate::report::junit_escape(s)
}

#[cfg(test)]
mod tests {
    use super::{md, xml};

    #[test]
    fn a_markdown_cell_cannot_end_its_cell_or_row() {
        // A trailing backslash would escape the cell's closing pipe.
        assert_eq!(md("vm\\"), "vm\\\\");
        assert_eq!(md("a|b\r\nc"), "a\\|b  c");
    }

    #[test]
    fn xml_escapes_markup_and_drops_forbidden_characters() {
        assert_eq!(xml("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
