//! The clock is passed in, never read directly, so that expiry of PINs, ceremonies
//! and sessions is testable without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Seconds since the Unix epoch. Stored as `BIGINT` in both databases.
///
/// ```
/// use bmauth::clock::UnixTime;
/// use bmauth::{Clock, SystemClock};
///
/// let now: UnixTime = SystemClock.now();
/// assert!(now > 1_700_000_000);
/// ```
pub type UnixTime = i64;

/// Where BMAuth reads the time.
///
/// ```
/// use bmauth::Clock;
/// use bmauth::clock::UnixTime;
///
/// /// A clock that reads the time from somewhere else (e.g. a simulation).
/// struct Fixed(UnixTime);
///
/// impl Clock for Fixed {
///     fn now(&self) -> UnixTime {
///         self.0
///     }
/// }
/// let builder = bmauth::BmAuth::builder(bmauth::Config::default())
///     .clock(std::sync::Arc::new(Fixed(1_800_000_000)));
/// ```
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the Unix epoch.
    fn now(&self) -> UnixTime;
}

/// The wall clock.
///
/// ```
/// use bmauth::{Clock, SystemClock};
///
/// let earlier = SystemClock.now();
/// assert!(SystemClock.now() >= earlier);
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place that reads the system time
    fn now(&self) -> UnixTime {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to. For tests and simulations.
///
/// ```
/// use bmauth::{Clock, ManualClock};
///
/// let clock = ManualClock::new(1_800_000_000);
/// clock.advance(std::time::Duration::from_secs(600));
/// assert_eq!(clock.now(), 1_800_000_600);
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock standing at `start`.
    ///
    /// ```
    /// use bmauth::{Clock, ManualClock};
    ///
    /// assert_eq!(ManualClock::new(42).now(), 42);
    /// ```
    pub fn new(start: UnixTime) -> Self {
        Self(Arc::new(AtomicI64::new(start)))
    }

    /// Starts at the current wall-clock time.
    ///
    /// ```
    /// use bmauth::{Clock, ManualClock, SystemClock};
    ///
    /// assert!(ManualClock::starting_now().now() <= SystemClock.now());
    /// ```
    pub fn starting_now() -> Self {
        Self::new(SystemClock.now())
    }

    /// Moves the clock forward by `by` (whole seconds).
    ///
    /// ```
    /// use bmauth::{Clock, ManualClock};
    ///
    /// let clock = ManualClock::new(0);
    /// clock.advance(std::time::Duration::from_secs(11 * 60)); // past a PIN's 10 minutes
    /// assert_eq!(clock.now(), 660);
    /// ```
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_secs() as i64, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> UnixTime {
        self.0.load(Ordering::SeqCst)
    }
}
