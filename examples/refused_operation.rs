//! An operation the protection lifecycle does not allow is refused before anything is sent:
//! committing a failover that never happened. The refusal says why and what to do, and the
//! emulator shows that no action reached it.
//!
//! `cargo run --example refused_operation`

mod common;

use azs_site_recovery::lifecycle::{ItemState, Operation};
use azs_site_recovery::Error;
use common::Drill;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let d = Drill::seeded()?;
    let items = d.client.protected_items(&d.vault);
    let item = d.protect("web-01").await?;
    println!("web-01 is {}.", common::state(&item));

    // 1. Through the client: it reads the item, checks the lifecycle, and refuses.
    let before = d.emu.request_count();
    match items.commit("web-01").await {
        Err(Error::Refused(refusal)) => {
            println!("\nCommit refused ({:?} check):", refusal.kind);
            println!("  why:  {}", refusal.message);
            println!("  what to do: {}", refusal.remedy);
        }
        Err(other) => return Err(other),
        Ok(_) => {
            return Err(Error::invalid_input(
                "example",
                "the commit should have been refused",
            ))
        }
    }
    let seen = d.emu.request_count() - before;
    println!("  the emulator saw {seen} request (the GET that read the item); no commit was sent");

    // 2. The same check offline, on an item already read: no request at all.
    let before = d.emu.request_count();
    let state = ItemState::from_item(&item);
    if let Err(refusal) = d.client.lifecycle().check(&state, &Operation::Commit) {
        println!(
            "\nOffline check of the same commit ({} refused):",
            refusal.operation
        );
        println!("  why:  {}", refusal.reason);
        println!("  what to do: {}", refusal.remedy);
    }
    println!(
        "  requests seen by the emulator meanwhile: {}",
        d.emu.request_count() - before
    );

    // What is allowed now, according to the lifecycle.
    let allowed = azs_site_recovery::lifecycle::allowed_operations(&state);
    println!("\nAllowed for web-01 now: {allowed:?}");
    Ok(())
}
