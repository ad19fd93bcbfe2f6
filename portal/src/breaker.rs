//! A circuit breaker per portlet for the home page. A hung portlet would otherwise cost every
//! home page the whole fragment deadline; after a few failures in a row the portal stops asking
//! it for a while (showing the last good fragment or the placeholder at once), lets one request
//! through when the pause is over, and closes again on the first success. Only failures of the
//! portlet itself count (deadline passed, connection refused, 5xx), never one person's refusal.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures in a row that open the breaker.
const THRESHOLD: u32 = 3;
/// The first pause; it doubles while the probes fail, up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_secs(2);
const MAX_PAUSE: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct Breakers {
    inner: Mutex<HashMap<String, State>>,
}

#[derive(Default)]
struct State {
    failures: u32,
    open_until: Option<Instant>,
    pause: Duration,
}

impl Breakers {
    /// Whether to ask the portlet now. While open, no; when the pause is over, one caller is let
    /// through (the pause is pushed back so that the others keep skipping while it probes).
    pub fn allow(&self, portlet: &str) -> bool {
        let Ok(mut map) = self.inner.lock() else { return true };
        let Some(s) = map.get_mut(portlet) else { return true };
        match s.open_until {
            None => true,
            Some(until) if Instant::now() < until => false,
            Some(_) => {
                s.open_until = Some(Instant::now() + s.pause);
                true
            }
        }
    }

    pub fn success(&self, portlet: &str) {
        if let Ok(mut map) = self.inner.lock() {
            map.remove(portlet);
        }
    }

    pub fn failure(&self, portlet: &str) {
        let Ok(mut map) = self.inner.lock() else { return };
        let s = map.entry(portlet.to_string()).or_default();
        s.failures = s.failures.saturating_add(1);
        if s.open_until.is_some() {
            // A failed probe: a longer pause.
            s.pause = (s.pause * 2).min(MAX_PAUSE);
            s.open_until = Some(Instant::now() + s.pause);
            tracing::warn!(portlet, pause_s = s.pause.as_secs(), "portlet still failing: pausing its fragments");
        } else if s.failures >= THRESHOLD {
            s.pause = FIRST_PAUSE;
            s.open_until = Some(Instant::now() + s.pause);
            tracing::warn!(portlet, "portlet failing: pausing its fragments");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_and_closes_on_success() {
        let b = Breakers::default();
        for _ in 0..THRESHOLD - 1 {
            b.failure("hw");
            assert!(b.allow("hw"), "not yet open");
        }
        b.failure("hw");
        assert!(!b.allow("hw"), "open after {THRESHOLD} failures");
        assert!(b.allow("other"), "one portlet's breaker is its own");
        b.success("hw");
        assert!(b.allow("hw"));
    }

    #[test]
    fn one_probe_when_the_pause_is_over_and_longer_pauses_after_a_failed_probe() {
        let b = Breakers::default();
        for _ in 0..THRESHOLD {
            b.failure("hw");
        }
        // Pretend the pause is over.
        b.inner.lock().unwrap().get_mut("hw").unwrap().open_until = Some(Instant::now());
        assert!(b.allow("hw"), "the probe goes through");
        assert!(!b.allow("hw"), "only one probe at a time");
        b.failure("hw");
        let pause = b.inner.lock().unwrap().get("hw").unwrap().pause;
        assert_eq!(pause, FIRST_PAUSE * 2);
    }

    #[test]
    fn successes_in_between_reset_the_count() {
        let b = Breakers::default();
        for _ in 0..10 {
            b.failure("hw");
            b.failure("hw");
            b.success("hw");
        }
        assert!(b.allow("hw"));
    }
}
