//! The app's screens as a typed route: parsed from the URL path, and the only
//! place that builds paths, so a link cannot point at a screen that does not
//! exist.

use crate::state::inventree_view::Queue;
use crate::state::url::{percent_decode, percent_encode};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Overview,
    /// Everything needing attention, across servers.
    Attention,
    /// Failures of every server grouped by cause, and stalls.
    Failures,
    Connections,
    /// Every action and run this console (and its watcher) kept.
    Actions,
    /// A server's trends: outcomes per day and type, durations, versions.
    Trends {
        connection: String,
    },
    PaperlessTasks {
        connection: String,
    },
    InvenTreeQueue {
        connection: String,
        queue: Queue,
    },
    /// A server's health, system tasks and admin links.
    Health {
        connection: String,
    },
    /// Paperless lists beside the tasks: running now, slow types, mail.
    PaperlessList {
        connection: String,
        list: PaperlessList,
    },
    /// InvenTree lists beside the queues: schedule warnings, error log.
    InvenTreeList {
        connection: String,
        list: InvenTreeList,
    },
    NotFound,
}

/// A list with a slug in the URL.
macro_rules! slugged {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $slug:literal, $label:literal;)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn slug(self) -> &'static str {
                match self {
                    $($name::$variant => $slug,)*
                }
            }

            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)*
                }
            }

            pub fn from_slug(slug: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|l| l.slug() == slug)
            }
        }
    };
}

slugged! {
    PaperlessList {
        Running = "running", "Running now";
        Slow = "slow", "Slow tasks";
        Mail = "mail", "Mail";
    }
}

slugged! {
    InvenTreeList {
        Warnings = "warnings", "Schedule warnings";
        Errors = "errors", "Error log";
    }
}

impl Route {
    /// `path` without query or fragment; a trailing slash is ignored.
    pub fn parse(path: &str) -> Route {
        let segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        match segments.as_slice() {
            [] => Route::Overview,
            ["connections"] => Route::Connections,
            ["attention"] => Route::Attention,
            ["failures"] => Route::Failures,
            ["actions"] => Route::Actions,
            ["trends", connection] => Route::Trends {
                connection: connection.to_string(),
            },
            ["paperless", connection] => Route::PaperlessTasks {
                connection: connection.to_string(),
            },
            ["health", connection] => Route::Health {
                connection: connection.to_string(),
            },
            ["paperless", connection, list] => match PaperlessList::from_slug(list) {
                Some(list) => Route::PaperlessList {
                    connection: connection.to_string(),
                    list,
                },
                None => Route::NotFound,
            },
            ["inventree", connection, slug] => {
                let connection = connection.to_string();
                match (Queue::from_slug(slug), InvenTreeList::from_slug(slug)) {
                    (Some(queue), _) => Route::InvenTreeQueue { connection, queue },
                    (None, Some(list)) => Route::InvenTreeList { connection, list },
                    (None, None) => Route::NotFound,
                }
            }
            _ => Route::NotFound,
        }
    }

    pub fn path(&self) -> String {
        match self {
            Route::Overview => "/".into(),
            Route::Connections => "/connections".into(),
            Route::Attention => "/attention".into(),
            Route::Failures => "/failures".into(),
            Route::Actions => "/actions".into(),
            Route::Trends { connection } => format!("/trends/{}", percent_encode(connection)),
            Route::PaperlessTasks { connection } => {
                format!("/paperless/{}", percent_encode(connection))
            }
            Route::InvenTreeQueue { connection, queue } => {
                format!("/inventree/{}/{}", percent_encode(connection), queue.slug())
            }
            Route::Health { connection } => format!("/health/{}", percent_encode(connection)),
            Route::PaperlessList { connection, list } => {
                format!("/paperless/{}/{}", percent_encode(connection), list.slug())
            }
            Route::InvenTreeList { connection, list } => {
                format!("/inventree/{}/{}", percent_encode(connection), list.slug())
            }
            Route::NotFound => "/not-found".into(),
        }
    }

    pub fn health(connection: &str) -> Route {
        Route::Health {
            connection: connection.to_string(),
        }
    }

    pub fn trends(connection: &str) -> Route {
        Route::Trends {
            connection: connection.to_string(),
        }
    }

    pub fn paperless(connection: &str) -> Route {
        Route::PaperlessTasks {
            connection: connection.to_string(),
        }
    }

    pub fn paperless_list(connection: &str, list: PaperlessList) -> Route {
        Route::PaperlessList {
            connection: connection.to_string(),
            list,
        }
    }

    pub fn inventree_list(connection: &str, list: InvenTreeList) -> Route {
        Route::InvenTreeList {
            connection: connection.to_string(),
            list,
        }
    }

    pub fn queue(connection: &str, queue: Queue) -> Route {
        Route::InvenTreeQueue {
            connection: connection.to_string(),
            queue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip() {
        for route in [
            Route::Overview,
            Route::Connections,
            Route::Attention,
            Route::Failures,
            Route::paperless("c1"),
            Route::paperless("office paperless/2"),
            Route::queue("c4", Queue::Pending),
            Route::queue("c4", Queue::Failed),
            Route::queue("lab", Queue::Scheduled),
            Route::paperless_list("c1", PaperlessList::Mail),
            Route::paperless_list("c1", PaperlessList::Running),
            Route::paperless_list("c1", PaperlessList::Slow),
            Route::inventree_list("c4", InvenTreeList::Warnings),
            Route::inventree_list("c4", InvenTreeList::Errors),
            Route::health("c1"),
            Route::Actions,
            Route::trends("c1"),
            Route::trends("office paperless/2"),
            Route::NotFound,
        ] {
            assert_eq!(Route::parse(&route.path()), route, "{}", route.path());
        }
        assert_eq!(
            Route::paperless("office paperless/2").path(),
            "/paperless/office%20paperless%2F2"
        );
    }

    #[test]
    fn unknown_paths_are_not_found() {
        assert_eq!(Route::parse(""), Route::Overview);
        assert_eq!(Route::parse("/connections/"), Route::Connections);
        assert_eq!(Route::parse("/paperless/c1/"), Route::paperless("c1"));
        for path in [
            "/paperless",
            "/paperless/c1/extra",
            "/inventree/c2",
            "/inventree/c2/running",
            "/trends",
            "/actions/x",
            "/settings",
        ] {
            assert_eq!(Route::parse(path), Route::NotFound, "{path}");
        }
    }
}
