//! Prometheus metrics: API requests by route and outcome (the stable error code, so
//! ceremonies failing and rate-limit refusals show by kind), their latency, and the
//! mail queue. The registry only: counted by the outbox and by the API's layer,
//! served by `http::metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Latency buckets: 0.25 ms to about 4 s, doubling.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    /// The route's path pattern, e.g. `/auth/login/complete`.
    route: String,
    /// `ok`, or the error's stable code (`rate_limited`, `pin_incorrect`, …).
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    mail_sent: Counter,
    mail_failed: Counter,
    pub(crate) mail_queued: Gauge,
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix("bmauth");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "requests",
            "API requests answered, by route and outcome (ok or the error code)",
            requests.clone(),
        );
        let latency: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "request_duration_seconds",
            "Time to answer an API request, by route",
            latency.clone(),
        );
        let mail_sent = Counter::default();
        registry.register(
            "mail_sent",
            "Messages handed to the mail transport",
            mail_sent.clone(),
        );
        let mail_failed = Counter::default();
        registry.register(
            "mail_failed",
            "Attempts to send a message that failed (it is retried)",
            mail_failed.clone(),
        );
        let mail_queued = Gauge::default();
        registry.register(
            "mail_queue_depth",
            "Messages waiting to be sent or retried",
            mail_queued.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            mail_sent,
            mail_failed,
            mail_queued,
        }
    }

    pub(crate) fn mail_attempted(&self, sent: bool) {
        if sent {
            self.mail_sent.inc();
        } else {
            self.mail_failed.inc();
        }
    }

    pub(crate) fn request_answered(&self, route: &str, outcome: &str, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .observe(seconds);
    }

    /// The OpenMetrics text.
    pub(crate) fn render(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}
