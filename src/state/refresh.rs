//! The auto-refresh choice and the rule for when a tick may fetch.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RefreshInterval {
    Off,
    #[default]
    Every15s,
    Every5s,
    Every60s,
}

impl RefreshInterval {
    pub const ALL: [RefreshInterval; 4] = [
        RefreshInterval::Off,
        RefreshInterval::Every5s,
        RefreshInterval::Every15s,
        RefreshInterval::Every60s,
    ];

    pub fn seconds(self) -> Option<u32> {
        match self {
            RefreshInterval::Off => None,
            RefreshInterval::Every5s => Some(5),
            RefreshInterval::Every15s => Some(15),
            RefreshInterval::Every60s => Some(60),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RefreshInterval::Off => "Off",
            RefreshInterval::Every5s => "5 s",
            RefreshInterval::Every15s => "15 s",
            RefreshInterval::Every60s => "60 s",
        }
    }

    pub fn param(self) -> &'static str {
        match self {
            RefreshInterval::Off => "off",
            RefreshInterval::Every5s => "5",
            RefreshInterval::Every15s => "15",
            RefreshInterval::Every60s => "60",
        }
    }

    pub fn from_param(value: &str) -> RefreshInterval {
        RefreshInterval::ALL
            .into_iter()
            .find(|r| r.param() == value)
            .unwrap_or_default()
    }
}

/// What is true at the moment a refresh tick fires.
#[derive(Clone, Copy, Debug, Default)]
pub struct TickContext {
    pub page_hidden: bool,
    pub dialog_open: bool,
    pub request_in_flight: bool,
    /// The server asked (429, `Retry-After`) not to be asked before this
    /// many seconds from now.
    pub asked_to_wait_secs: i64,
}

/// A tick fetches only when nobody would miss it, nothing would overlap,
/// and the server has not asked to wait.
pub fn tick_should_fetch(ctx: TickContext) -> bool {
    !ctx.page_hidden && !ctx.dialog_open && !ctx.request_in_flight && ctx.asked_to_wait_secs <= 0
}

/// How long a request may take before Taskdeck stops waiting for it, in
/// the browser and in the desktop app alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RequestTimeout {
    S10,
    #[default]
    S30,
    S60,
    S120,
}

impl RequestTimeout {
    pub const ALL: [RequestTimeout; 4] = [
        RequestTimeout::S10,
        RequestTimeout::S30,
        RequestTimeout::S60,
        RequestTimeout::S120,
    ];

    pub fn seconds(self) -> u32 {
        match self {
            RequestTimeout::S10 => 10,
            RequestTimeout::S30 => 30,
            RequestTimeout::S60 => 60,
            RequestTimeout::S120 => 120,
        }
    }

    pub fn from_seconds(value: &str) -> RequestTimeout {
        RequestTimeout::ALL
            .into_iter()
            .find(|t| t.seconds().to_string() == value)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_skip_hidden_pages_open_dialogs_and_running_requests() {
        assert!(tick_should_fetch(TickContext::default()));
        for ctx in [
            TickContext {
                page_hidden: true,
                ..TickContext::default()
            },
            TickContext {
                dialog_open: true,
                ..TickContext::default()
            },
            TickContext {
                request_in_flight: true,
                ..TickContext::default()
            },
            TickContext {
                asked_to_wait_secs: 12,
                ..TickContext::default()
            },
        ] {
            assert!(!tick_should_fetch(ctx), "{ctx:?}");
        }
    }

    #[test]
    fn interval_params_round_trip() {
        for r in RefreshInterval::ALL {
            assert_eq!(RefreshInterval::from_param(r.param()), r);
        }
        assert_eq!(RefreshInterval::from_param("7"), RefreshInterval::Every15s);
        assert_eq!(RefreshInterval::Off.seconds(), None);
        for t in RequestTimeout::ALL {
            assert_eq!(RequestTimeout::from_seconds(&t.seconds().to_string()), t);
        }
        assert_eq!(RequestTimeout::from_seconds("x").seconds(), 30);
    }
}
