//! The JUnit XML rendering of a [`RunReport`] (the form cargo-nextest, Jenkins, GitLab and
//! Azure Pipelines read).

use super::{RunReport, VmOutcome};
use std::fmt::Write;

/// Escapes text for an XML attribute or element; drops the characters XML 1.0 cannot hold.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => {
                let _ = write!(out, "&#{};", c as u32);
            }
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

struct Case {
    name: String,
    classname: String,
    time: f64,
    failure: Option<(String, String)>,
    skipped: Option<String>,
}

fn suite(out: &mut String, name: &str, cases: &[Case]) {
    let failures = cases.iter().filter(|c| c.failure.is_some()).count();
    let skipped = cases.iter().filter(|c| c.skipped.is_some()).count();
    let time: f64 = cases.iter().map(|c| c.time).sum();
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{time:.3}\">",
        escape(name),
        cases.len()
    );
    for c in cases {
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
            escape(&c.name),
            escape(&c.classname),
            c.time
        );
        match (&c.failure, &c.skipped) {
            (Some((message, kind)), _) => {
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                    escape(message),
                    escape(kind),
                    escape(message)
                );
            }
            (None, Some(why)) => {
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    escape(why)
                );
            }
            _ => {
                let _ = writeln!(out, "/>");
            }
        }
    }
    let _ = writeln!(out, "  </testsuite>");
}

pub(super) fn render(r: &RunReport) -> String {
    // Suites in plan order: one per group (a bulk run has one, named after it).
    let mut suites: Vec<(String, Vec<Case>)> = Vec::new();
    let index = |suites: &mut Vec<(String, Vec<Case>)>, name: &str| -> usize {
        match suites.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                suites.push((name.to_owned(), Vec::new()));
                suites.len() - 1
            }
        }
    };
    for g in &r.groups {
        index(&mut suites, &g.name);
    }
    for v in &r.vms {
        let group = v.group.clone().unwrap_or_else(|| r.name.clone());
        let i = index(&mut suites, &group);
        let failure = v.outcome.is_failure().then(|| {
            (
                v.error
                    .clone()
                    .unwrap_or_else(|| format!("{} {}", v.operation, v.outcome.as_str())),
                v.outcome.as_str().to_owned(),
            )
        });
        let skipped = (v.outcome == VmOutcome::NotRun || v.outcome == VmOutcome::Pending)
            .then(|| v.error.clone().unwrap_or_else(|| "not run".to_owned()));
        suites[i].1.push(Case {
            name: format!("{} {}", v.vm, v.operation),
            classname: format!("{}.{}", r.name, group),
            time: v.duration_seconds.unwrap_or(0.0),
            failure,
            skipped,
        });
    }
    for g in &r.groups {
        let i = index(&mut suites, &g.name);
        for s in g
            .steps
            .iter()
            .filter(|s| s.position != "operation" && s.position != "cleanup")
        {
            let failure = s.is_failure().then(|| {
                (
                    s.detail
                        .clone()
                        .unwrap_or_else(|| format!("{} {}", s.description, s.outcome)),
                    s.outcome.clone(),
                )
            });
            let skipped = (s.outcome == "skipped").then(|| "skipped".to_owned());
            suites[i].1.push(Case {
                name: format!("{} {}", s.position, s.description),
                classname: format!("{}.{}.steps", r.name, g.name),
                time: s.duration_seconds.unwrap_or(0.0),
                failure,
                skipped,
            });
        }
    }
    let tests: usize = suites.iter().map(|(_, c)| c.len()).sum();
    let failures: usize = suites
        .iter()
        .flat_map(|(_, c)| c)
        .filter(|c| c.failure.is_some())
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"{:.3}\">",
        escape(&format!("{}: {}", r.name, r.operation)),
        r.totals.duration_seconds.unwrap_or(0.0)
    );
    for (name, cases) in &suites {
        suite(&mut out, name, cases);
    }
    out.push_str("</testsuites>\n");
    out
}
