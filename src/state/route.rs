//! The app's screens as a typed route: parsed from the URL path, and the only
//! place that builds paths, so a link cannot point at a screen that does not
//! exist.

use crate::state::inventree_view::Queue;
use crate::state::url::{percent_decode, percent_encode};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Overview,
    Connections,
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
    NotFound,
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
            ["paperless", connection] => Route::PaperlessTasks {
                connection: connection.to_string(),
            },
            ["health", connection] => Route::Health {
                connection: connection.to_string(),
            },
            ["inventree", connection, queue] => match Queue::from_slug(queue) {
                Some(queue) => Route::InvenTreeQueue {
                    connection: connection.to_string(),
                    queue,
                },
                None => Route::NotFound,
            },
            _ => Route::NotFound,
        }
    }

    pub fn path(&self) -> String {
        match self {
            Route::Overview => "/".into(),
            Route::Connections => "/connections".into(),
            Route::PaperlessTasks { connection } => {
                format!("/paperless/{}", percent_encode(connection))
            }
            Route::InvenTreeQueue { connection, queue } => {
                format!("/inventree/{}/{}", percent_encode(connection), queue.slug())
            }
            Route::Health { connection } => format!("/health/{}", percent_encode(connection)),
            Route::NotFound => "/not-found".into(),
        }
    }

    pub fn health(connection: &str) -> Route {
        Route::Health {
            connection: connection.to_string(),
        }
    }

    pub fn paperless(connection: &str) -> Route {
        Route::PaperlessTasks {
            connection: connection.to_string(),
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
            Route::paperless("c1"),
            Route::paperless("office paperless/2"),
            Route::queue("c4", Queue::Pending),
            Route::queue("c4", Queue::Failed),
            Route::queue("lab", Queue::Scheduled),
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
            "/settings",
        ] {
            assert_eq!(Route::parse(path), Route::NotFound, "{path}");
        }
    }
}
