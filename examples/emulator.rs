//! The emulator of Azure Site Recovery on Azure Stack Hub as a standalone ARM endpoint, for any
//! ARM client (Azure SDKs for Python/.NET/Go, az CLI, curl...).
//!
//! ```text
//! cargo run --example emulator --features emulator-server -- --listen 127.0.0.1:0 [--tls] [--help]
//! ```
//!
//! Prints exactly one JSON line on stdout (the endpoint, the subscription, the resource group,
//! the ids of the seeded VMs, networks, storage account, fabrics and appliance, the vault
//! `asrvault` with its policy and extension names, ready for a drill, the accepted api-versions,
//! the most a `Retry-After` advertises (1 s by default, while the virtual clock moves by the
//! operation's real step), the certificate with `--tls`), then serves until stopped (Ctrl-C, SIGTERM, or
//! end of stdin with `--until-stdin-closes`). Time and faults are driven through the control
//! endpoint under `/_emulator/` (see the `emulator` module docs).

use azs_site_recovery::emulator::{OptionsError, ServerOptions};
use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let options = match ServerOptions::from_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(OptionsError::Help) => {
            println!("{}", azs_site_recovery::emulator::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("emulator: {e}");
            return ExitCode::from(2);
        }
    };
    if options.is_remote() {
        eprintln!(
            "emulator: WARNING: listening on {} (not loopback, --allow-remote): anyone who can \
             reach it can read and change the emulator's state",
            options.listen
        );
    }
    let started = match options.start() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("emulator: cannot listen on {}: {e}", options.listen);
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{}", started.announcement())
        .and_then(|()| out.flush())
        .is_err()
    {
        eprintln!("emulator: cannot write the announcement to stdout");
        return ExitCode::FAILURE;
    }
    drop(out);
    let waits = match options.retry_after_cap {
        Some(s) => format!("Retry-After advertised at most {s} s"),
        None => "realistic Retry-After".to_owned(),
    };
    eprintln!(
        "emulator: serving {} ({waits}; Ctrl-C to stop)",
        started.server.base_url()
    );
    if options.until_stdin_closes {
        // Read (and ignore) stdin until it closes; then stop.
        let mut sink = [0u8; 256];
        let mut stdin = std::io::stdin().lock();
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        started.server.shutdown();
        return ExitCode::SUCCESS;
    }
    loop {
        std::thread::park();
    }
}
