//! The quickstart's helpers: run an action on many items, and the summary table.

use azs_site_recovery::model::Job;
use azs_site_recovery::Error;
use std::collections::BTreeMap;

/// Starts `action` on every item (each is lifecycle-checked, then sent), then awaits every
/// operation: the first one's waits (virtual time) let the others finish too.
pub async fn run_all<'a, F, Fut, P, T>(names: &'a [String], action: F) -> Result<(), Error>
where
    F: Fn(&'a str) -> Fut,
    Fut: std::future::Future<Output = Result<P, Error>>,
    P: std::future::IntoFuture<Output = Result<T, Error>>,
{
    let mut started = Vec::new();
    for n in names {
        started.push(action(n).await?);
    }
    for operation in started {
        operation.await?;
    }
    Ok(())
}

pub fn summarize(states: &[String]) -> String {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for s in states {
        *count.entry(s).or_default() += 1;
    }
    count
        .iter()
        .map(|(s, n)| format!("{n} x {s}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn minutes(secs: i64) -> String {
    if secs >= 3600 {
        format!("{}h{:02}m", secs / 3600, secs / 60 % 60)
    } else {
        format!("{}m{:02}s", secs / 60, secs % 60)
    }
}

pub fn print_summary(names: &[String], jobs: &[Job], rpo: &BTreeMap<String, chrono::Duration>) {
    let phases: [(&str, &[&str]); 5] = [
        ("ENABLE", &["Enable protection"]),
        ("TEST FO", &["Test failover", "Clean up test failover"]),
        ("FAILOVER", &["Planned failover", "Commit"]),
        ("RE-PROTECT", &["Re-protect"]),
        ("FAILBACK", &["Planned failover", "Commit"]),
    ];
    print!("{:<9} {:>5}", "VM", "RPO");
    for (title, _) in &phases {
        print!(" {title:>10}");
    }
    println!(" {:>5}", "JOBS");
    for name in names {
        let mut mine: Vec<&Job> = jobs
            .iter()
            .filter(|j| j.properties.as_ref().and_then(|p| p.object_name.as_deref()) == Some(name))
            .collect();
        mine.sort_by_key(|j| start(j));
        let secs: Vec<(String, i64)> = mine
            .iter()
            .map(|j| {
                let kind = j.properties.as_ref().and_then(|p| p.display_name.clone());
                (kind.unwrap_or_default(), (end(j) - start(j)).num_seconds())
            })
            .collect();
        let mut cursor = 0;
        let rpo = rpo
            .get(name)
            .map_or("-".to_owned(), |d| minutes(d.num_seconds()));
        print!("{name:<9} {rpo:>5}");
        for (_, kinds) in &phases {
            let mut total = 0;
            for k in kinds.iter() {
                if let Some(i) = secs[cursor..].iter().position(|(s, _)| s == k) {
                    total += secs[cursor + i].1;
                    cursor += i + 1;
                }
            }
            print!(" {:>10}", minutes(total));
        }
        println!(" {:>5}", mine.len());
    }
}

pub fn start(j: &Job) -> chrono::DateTime<chrono::Utc> {
    j.properties
        .as_ref()
        .and_then(|p| p.start_time.as_ref())
        .and_then(|t| t.to_utc())
        .unwrap_or_default()
}

pub fn end(j: &Job) -> chrono::DateTime<chrono::Utc> {
    j.properties
        .as_ref()
        .and_then(|p| p.end_time.as_ref())
        .and_then(|t| t.to_utc())
        .unwrap_or_else(|| start(j))
}
