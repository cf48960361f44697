//! A `tracing` subscriber for tests, shared by the test binaries that read what the crate logs:
//! it collects each event as `field=value ` text.

use std::sync::{Arc, Mutex};

/// Collects the events (every level, or one level only) as `field=value ` text in `.0`.
#[derive(Clone, Default)]
pub struct Capture(pub Arc<Mutex<Vec<String>>>, Option<tracing::Level>);

impl Capture {
    /// Collects only the events at `level`.
    #[allow(dead_code)] // not every test binary filters
    pub fn only(level: tracing::Level) -> Self {
        Capture(Arc::default(), Some(level))
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct V(String);
        impl tracing::field::Visit for V {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                self.0.push_str(&format!("{}={:?} ", f.name(), v));
            }
        }
        if self
            .1
            .is_some_and(|level| *event.metadata().level() != level)
        {
            return;
        }
        let mut v = V(String::new());
        event.record(&mut v);
        self.0.lock().unwrap().push(v.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}
