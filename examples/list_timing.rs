//! Lists the protected items of a vault on any ARM endpoint and prints how long each full list
//! took: the Rust side of `benches/python_sdk/run.sh`, which times Microsoft's Python SDK
//! against the same local server.
//!
//! ```text
//! cargo run --release --example list_timing -- http://127.0.0.1:8080 SUBSCRIPTION RG VAULT [ROUNDS]
//! ```
//!
//! No credential is sent (a loopback test server needs none).

use azs_site_recovery::id::VaultId;
use azs_site_recovery::{ApiVersion, Error, SiteRecoveryClient};
use futures_util::TryStreamExt;
use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [endpoint, sub, rg, vault, rest @ ..] = args.as_slice() else {
        eprintln!("usage: list_timing ENDPOINT SUBSCRIPTION RESOURCE_GROUP VAULT [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: usize = rest.first().and_then(|r| r.parse().ok()).unwrap_or(5);
    let client = SiteRecoveryClient::builder()
        .endpoint(endpoint)?
        .api_version(ApiVersion::V2024_09_01)
        .build()?;
    let vault = VaultId::new(sub, rg, vault);
    for _ in 0..rounds {
        let t = Instant::now();
        let n = client
            .protected_items(&vault)
            .list()
            .try_fold(0usize, |n, _| async move { Ok(n + 1) })
            .await?;
        println!("{n} items {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    }
    Ok(())
}
