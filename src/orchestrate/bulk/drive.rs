//! The run itself: validate, then act on each VM with at most N in flight.

use super::run::{BulkRunner, Ledger};
use super::types::{BulkItem, BulkOperation};
use std::sync::{Arc, Mutex};

/// Drives one run to its end, pushing every event into `ledger`.
pub(super) async fn drive(
    runner: BulkRunner,
    _operation: BulkOperation,
    _items: Vec<BulkItem>,
    ledger: Arc<Mutex<Ledger>>,
) {
    // The runner itself lands in the next commit; this one fixes the public types.
    let now = runner.client.pipeline().clock().now();
    if let Ok(mut l) = ledger.lock() {
        l.finish(now);
    }
}
