//! The Markdown rendering of a [`RunReport`].

use super::{human_seconds, RunReport};
use std::fmt::Write;

/// A table cell: pipes escaped, line breaks flattened, empty shown as `-`.
fn cell(text: &str) -> String {
    if text.is_empty() {
        return "-".to_owned();
    }
    escape_cell(text)
}

/// Text made safe inside a Markdown table cell: backslashes and pipes escaped, line breaks
/// flattened (one escaping for every Markdown table the crate writes).
pub(crate) fn escape_cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

fn opt(text: Option<&str>) -> String {
    cell(text.unwrap_or(""))
}

fn dur(secs: Option<f64>) -> String {
    secs.map_or("-".to_owned(), human_seconds)
}

fn row(out: &mut String, cells: &[String]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

fn header(out: &mut String, titles: &[&str]) {
    let _ = writeln!(out, "| {} |", titles.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(titles.len()));
}

pub(super) fn render(r: &RunReport) -> String {
    let mut out = String::new();
    let what = if r.kind == "plan" {
        "Recovery plan"
    } else {
        "Bulk run"
    };
    let _ = writeln!(out, "# {what} `{}`: {}\n", cell(&r.name), r.operation);
    header(&mut out, &["", ""]);
    row(
        &mut out,
        &["Outcome".into(), format!("**{}**", r.outcome.as_str())],
    );
    row(&mut out, &["Started".into(), cell(&r.started)]);
    row(&mut out, &["Ended".into(), opt(r.ended.as_deref())]);
    row(
        &mut out,
        &["Duration".into(), dur(r.totals.duration_seconds)],
    );
    let t = &r.totals;
    row(
        &mut out,
        &[
            "VMs".into(),
            format!(
                "{} ({} operations: {} succeeded, {} already done, {} failed, {} refused, {} not run)",
                t.vms, t.operations, t.succeeded, t.already_done, t.failed, t.refused, t.not_run
            ),
        ],
    );
    row(
        &mut out,
        &[
            "Steps".into(),
            format!("{} run, {} failed or refused", t.steps, t.failed_steps),
        ],
    );
    if let Some(reason) = &r.stop_reason {
        row(&mut out, &["Stopped because".into(), cell(reason)]);
    }

    let _ = writeln!(out, "\n## Preflight\n");
    if r.preflight.is_empty() {
        let _ = writeln!(out, "No findings.");
    } else {
        header(
            &mut out,
            &["Severity", "Code", "Resource", "Finding", "Remedy"],
        );
        for f in &r.preflight {
            row(
                &mut out,
                &[
                    f.severity.as_str().to_owned(),
                    cell(&f.code.to_string()),
                    cell(&f.resource),
                    cell(&f.message),
                    cell(&f.remedy),
                ],
            );
        }
    }

    for g in &r.groups {
        let _ = writeln!(out, "\n## Group `{}`\n", cell(&g.name));
        let _ = writeln!(out, "VMs: {}\n", cell(&g.vms.join(", ")));
        header(
            &mut out,
            &[
                "Position",
                "Step",
                "Outcome",
                "Approved by",
                "Duration",
                "Detail",
            ],
        );
        for s in &g.steps {
            row(
                &mut out,
                &[
                    cell(&s.position),
                    cell(&s.description),
                    cell(&s.outcome),
                    opt(s.approved_by.as_deref()),
                    dur(s.duration_seconds),
                    opt(s.detail.as_deref()),
                ],
            );
        }
    }

    let _ = writeln!(out, "\n## VMs\n");
    header(
        &mut out,
        &[
            "Group",
            "VM",
            "Item",
            "Operation",
            "Outcome",
            "Started",
            "Duration",
            "RPO",
            "Final state",
            "Jobs",
            "Error",
        ],
    );
    for v in &r.vms {
        row(
            &mut out,
            &[
                opt(v.group.as_deref()),
                cell(&v.vm),
                cell(&v.item),
                cell(&v.operation),
                v.outcome.as_str().to_owned(),
                opt(v.started.as_deref()),
                dur(v.duration_seconds),
                v.rpo_seconds
                    .map_or("-".to_owned(), |s| human_seconds(s as f64)),
                opt(v.final_state.as_deref()),
                cell(
                    &v.job_ids
                        .iter()
                        .map(|j| j.rsplit('/').next().unwrap_or(j))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                opt(v.error.as_deref()),
            ],
        );
    }
    out
}
