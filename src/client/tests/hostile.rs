// Test code: this module is compiled only under #[cfg(test)] (see its parent module).
//! Hostile caller input: nothing built from it may address another scope.

use super::*;
use crate::error::Error;
use crate::id::{FabricId, VaultId};
use crate::model::Vault;
use crate::pipeline::clock::Clock;
use futures_util::StreamExt;
use std::sync::Arc;

const INJECTED: &str = "rg/../../../../subscriptions/OTHER/resourceGroups/victim";

#[test]
fn a_resource_group_with_dot_segments_sends_nothing() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    let e = block_on(c.vaults("s", INJECTED).delete("v")).unwrap_err();
    assert!(e.to_string().contains("resource group"), "{e}");
    for rg in ["..", ".", "rg%2f..", "a\\b", "rg?x", "rg#x", "rg\n", "a b"] {
        assert!(c.vaults("s", rg).url_of("v").is_err(), "{rg:?}");
        assert!(c.fabrics("s", rg).url_of("f").is_err(), "{rg:?}");
    }
    for sub in ["..", "s/../OTHER", "%2e%2e", "s?", "s\\x"] {
        assert!(c.vaults(sub, "rg").url_of("v").is_err(), "{sub:?}");
        let first = block_on(c.vaults_in_subscription(sub).next());
        assert!(matches!(first, Some(Err(_))), "{sub:?}");
        let first = block_on(c.fabrics_in_subscription(sub).next());
        assert!(matches!(first, Some(Err(_))), "{sub:?}");
        assert!(block_on(c.check_name_availability(sub, "loc", "n", "t")).is_err());
    }
    // A typed id built from unchecked parts is checked too.
    let id = VaultId::new("s", INJECTED, "v");
    assert!(block_on(c.vault(&id).delete()).is_err());
    assert!(block_on(c.protected_items(&id).delete("x")).is_err());
    let f = FabricId::new("..", "rg", "f");
    assert!(block_on(c.fabric(&f).get()).is_err());
    // A generic handle goes through the same URL check.
    let h = c.handle::<Vault>("/subscriptions/s/resourceGroups/rg/..", "x");
    assert!(h.url_of("v").is_err());
    assert!(t.requests().is_empty(), "nothing was sent: {:?}", t.sent());
    // Plain names still work.
    let ok = c.vaults("0000-aaaa", "DR-RG_(1).x").url_of("v").unwrap();
    assert!(ok.path().ends_with(
        "/resourceGroups/DR-RG_(1).x/providers/Microsoft.DataReplication/replicationVaults/v"
    ));
}

/// A service whose operation never finishes: every poll says "still running".
#[derive(Debug, Default)]
struct NeverDone(std::sync::atomic::AtomicUsize);

#[async_trait::async_trait]
impl Transport for NeverDone {
    async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut r = Response::new(202);
        if request.method == Method::Delete {
            r.headers.insert(
                "Location",
                format!(
                    "{ARM}/subscriptions/s1/providers/Microsoft.DataReplication/operationResults/1"
                ),
            );
        }
        r.headers.insert("Retry-After", "3600");
        Ok(r)
    }
}

#[test]
fn a_never_ending_operation_stops_at_the_default_max_wait() {
    let t = Arc::new(NeverDone::default());
    let clock = ManualClock::default();
    let started = clock.now();
    let c = SiteRecoveryClient::builder()
        .endpoint(ARM)
        .unwrap()
        .shared_transport(t.clone())
        .clock(Arc::new(clock.clone()))
        .sleep(Arc::new(clock.clone()))
        .build()
        .unwrap();
    assert_eq!(c.polling().max_wait, Some(crate::client::DEFAULT_MAX_WAIT));
    let err =
        block_on(async { c.protected_items(&vault()).delete("web01").await?.await }).unwrap_err();
    assert!(matches!(err, Error::WaitTimedOut(_)), "{err:?}");
    let waited = (clock.now() - started).to_std().unwrap();
    assert!(waited <= crate::client::DEFAULT_MAX_WAIT, "{waited:?}");
    // Polled at the 5-minute cap for a day, not forever.
    let polls = t.0.load(std::sync::atomic::Ordering::SeqCst);
    assert!((200..=300).contains(&polls), "{polls}");
}
