//! Reconnection delays, as Twisted's `ReconnectingClientFactory` computes them
//! with the settings Evennia's `AMPClientFactory` gives it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// When and how often a [`ReconnectingClient`](super::ReconnectingClient)
/// tries again. The default is Evennia's: first delay 1 s, growing by 1.5
/// per failure up to 10 s, with Twisted's jitter; reset after a successful
/// connection.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectConfig {
    /// The delay the growth starts from (Twisted's `initialDelay`): the
    /// first wait is `initial_delay * factor`.
    pub initial_delay: Duration,
    /// Growth per failed attempt (`factor`).
    pub factor: f64,
    /// Longest delay (`maxDelay`).
    pub max_delay: Duration,
    /// Random spread, as a fraction of the delay (`jitter`, a standard
    /// deviation); 0 for exact delays.
    pub jitter: f64,
    /// Longest wait for one connection attempt (Twisted's default 30 s).
    pub connect_timeout: Duration,
    /// Give up after this many failed attempts in a row (`maxRetries`);
    /// `None` never gives up.
    pub max_retries: Option<u32>,
}

impl Default for ReconnectConfig {
    fn default() -> Self {
        ReconnectConfig {
            initial_delay: Duration::from_secs(1),
            factor: 1.5,
            max_delay: Duration::from_secs(10),
            jitter: 0.119626565582,
            connect_timeout: Duration::from_secs(30),
            max_retries: None,
        }
    }
}

impl ReconnectConfig {
    /// Short, exact delays for tests: `initial` growing by 1.5 up to `max`, no jitter.
    pub fn fast(initial: Duration, max: Duration) -> Self {
        ReconnectConfig { initial_delay: initial, max_delay: max, jitter: 0.0, ..Self::default() }
    }
}

/// The delay sequence: each [`next_delay`](Backoff::next_delay) multiplies
/// the last delay by the factor (capped), then spreads it by the jitter,
/// as `ReconnectingClientFactory.retry` does; [`reset`](Backoff::reset)
/// starts over.
#[derive(Debug, Clone)]
pub struct Backoff {
    config: ReconnectConfig,
    delay: f64,
    retries: u32,
    rng: u64,
}

impl Backoff {
    /// A fresh sequence.
    pub fn new(config: ReconnectConfig) -> Self {
        let seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0x9e37_79b9_7f4a_7c15, |d| d.as_nanos() as u64);
        let delay = config.initial_delay.as_secs_f64();
        Backoff { config, delay, retries: 0, rng: seed | 1 }
    }

    /// The delay before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        self.retries = self.retries.saturating_add(1);
        let max = self.config.max_delay.as_secs_f64();
        self.delay = (self.delay * self.config.factor).min(max);
        if self.config.jitter > 0.0 {
            self.delay = (self.delay + self.delay * self.config.jitter * self.normal()).max(0.0);
        }
        Duration::try_from_secs_f64(self.delay).unwrap_or(self.config.max_delay)
    }

    /// Back to the initial delay (after a successful connection).
    pub fn reset(&mut self) {
        self.delay = self.config.initial_delay.as_secs_f64();
        self.retries = 0;
    }

    /// Attempts since the last reset.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// Whether the configured number of retries is used up.
    pub fn exhausted(&self) -> bool {
        self.config.max_retries.is_some_and(|max| self.retries >= max)
    }

    /// A standard normal sample (Box-Muller over xorshift64*): jitter needs
    /// spread, not cryptographic quality.
    fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(f64::MIN_POSITIVE);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    fn uniform(&mut self) -> f64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evennia_sequence_without_jitter() {
        let config = ReconnectConfig { jitter: 0.0, ..ReconnectConfig::default() };
        let mut b = Backoff::new(config);
        let got: Vec<f64> = (0..8).map(|_| b.next_delay().as_secs_f64()).collect();
        let want = [1.5, 2.25, 3.375, 5.0625, 7.59375, 10.0, 10.0, 10.0];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-9, "{got:?}");
        }
        b.reset();
        assert_eq!(b.retries(), 0);
        assert!((b.next_delay().as_secs_f64() - 1.5).abs() < 1e-9);
    }

    #[test]
    fn jitter_spreads_around_the_delay() {
        let mut b = Backoff::new(ReconnectConfig::default());
        let mut seen = std::collections::HashSet::new();
        for _ in 0..50 {
            b.reset();
            let d = b.next_delay().as_secs_f64();
            // 1.5 s +- 12% one sigma: far outside 0.5..2.5 essentially never.
            assert!((0.5..2.5).contains(&d), "{d}");
            seen.insert(d.to_bits());
        }
        assert!(seen.len() > 40);
    }

    #[test]
    fn max_retries() {
        let mut b = Backoff::new(ReconnectConfig {
            max_retries: Some(2),
            ..ReconnectConfig::fast(Duration::ZERO, Duration::ZERO)
        });
        assert!(!b.exhausted());
        b.next_delay();
        b.next_delay();
        assert!(b.exhausted());
    }
}
