//! `/metrics` in the Prometheus text exposition format (version 0.0.4):
//! per server the tasks by status, the oldest pending task's age, whether
//! the worker is up and whether the last poll succeeded; per channel the
//! deliveries given up. Every family has its HELP and TYPE lines; label
//! values are escaped as the format says (backslash, quote, line feed).

use std::fmt::Write as _;

use crate::report::{ChannelHealth, Latest};
use crate::store::Millis;

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

pub fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

struct Family<'a> {
    out: &'a mut String,
}

impl Family<'_> {
    fn start<'a>(out: &'a mut String, name: &str, kind: &str, help: &str) -> Family<'a> {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        Family { out }
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        let labels: Vec<String> = labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
            .collect();
        let _ = writeln!(self.out, "{name}{{{}}} {}", labels.join(","), number(value));
    }
}

/// Integers without a fraction; others as Rust prints them.
fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

pub fn render(latest: &[Latest], channels: &[ChannelHealth], now: Millis) -> String {
    let mut out = String::new();
    let name = "taskdeck_tasks";
    let mut f = Family::start(
        &mut out,
        name,
        "gauge",
        "Tasks on the server by status, at the last successful poll.",
    );
    for l in latest {
        for (status, count) in &l.statuses {
            f.sample(
                name,
                &[("server", &l.server), ("status", status)],
                *count as f64,
            );
        }
    }
    let name = "taskdeck_oldest_pending_age_seconds";
    let mut f = Family::start(
        &mut out,
        name,
        "gauge",
        "How long the oldest task waiting to run has waited, at the last successful poll (0 when none waits).",
    );
    for l in latest {
        if let Some(ok_at) = l.ok_at {
            let age = l
                .oldest_pending_at
                .map_or(0.0, |o| (ok_at - o).max(0) as f64 / 1000.0);
            f.sample(name, &[("server", &l.server)], age);
        }
    }
    let name = "taskdeck_worker_up";
    let mut f = Family::start(
        &mut out,
        name,
        "gauge",
        "1 when the server's background worker runs, 0 when it does not (absent when the watcher cannot tell).",
    );
    for l in latest {
        if let Some(up) = l.worker_up {
            f.sample(name, &[("server", &l.server)], if up { 1.0 } else { 0.0 });
        }
    }
    let name = "taskdeck_open_failures";
    let mut f = Family::start(
        &mut out,
        name,
        "gauge",
        "Failures nobody dealt with yet (Paperless: not acknowledged; InvenTree: the failed queue).",
    );
    for l in latest {
        if let Some(open) = l.open_failures {
            f.sample(name, &[("server", &l.server)], open as f64);
        }
    }
    let name = "taskdeck_last_poll_ok";
    let mut f = Family::start(
        &mut out,
        name,
        "gauge",
        "1 when the last poll of the server succeeded, else 0.",
    );
    for l in latest {
        f.sample(
            name,
            &[("server", &l.server)],
            if l.last_poll_ok { 1.0 } else { 0.0 },
        );
    }
    let name = "taskdeck_last_poll_timestamp_seconds";
    let mut f = Family::start(
        &mut out,
        name,
        "gauge",
        "When the server was last polled (Unix time).",
    );
    for l in latest {
        f.sample(
            name,
            &[("server", &l.server)],
            l.last_poll_at as f64 / 1000.0,
        );
    }
    let name = "taskdeck_alert_deliveries_failed_total";
    let mut f = Family::start(
        &mut out,
        name,
        "counter",
        "Alert deliveries given up after every retry, per channel.",
    );
    for c in channels {
        f.sample(name, &[("channel", &c.name)], c.failed as f64);
    }
    let name = "taskdeck_alert_deliveries_pending";
    let mut f = Family::start(
        &mut out,
        name,
        "gauge",
        "Alert deliveries waiting to be sent or retried, per channel.",
    );
    for c in channels {
        f.sample(name, &[("channel", &c.name)], c.pending as f64);
    }
    let _ = now;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_have_help_and_type_and_labels_are_escaped() {
        let latest = [Latest {
            server: "a\"b\\c\nd".into(),
            last_poll_at: 1_700_000_000_500,
            last_poll_ok: true,
            ok_at: Some(1_700_000_000_500),
            statuses: vec![("pending".into(), 3)],
            worker_up: Some(false),
            oldest_pending_at: Some(1_700_000_000_500 - 90_000),
            open_failures: Some(2),
        }];
        let text = render(&latest, &[], 0);
        assert!(text.contains("# HELP taskdeck_tasks Tasks on the server by status, at the last successful poll.\n# TYPE taskdeck_tasks gauge\n"));
        assert!(
            text.contains("taskdeck_tasks{server=\"a\\\"b\\\\c\\nd\",status=\"pending\"} 3\n"),
            "{text}"
        );
        assert!(
            text.contains("taskdeck_oldest_pending_age_seconds{server=\"a\\\"b\\\\c\\nd\"} 90\n")
        );
        assert!(text.contains("taskdeck_worker_up{server=\"a\\\"b\\\\c\\nd\"} 0\n"));
        assert!(text.contains(
            "taskdeck_last_poll_timestamp_seconds{server=\"a\\\"b\\\\c\\nd\"} 1700000000.5\n"
        ));
        // Every sample line belongs to a family announced just before.
        let mut family = String::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                family = rest.split(' ').next().unwrap().to_string();
            } else if !line.starts_with('#') {
                assert!(
                    line.starts_with(&format!("{family}{{")),
                    "{line} outside {family}"
                );
            }
        }
    }
}
