//! View state in the URL, so a view can be bookmarked and shared.

pub use crate::api::query::{parse_query, percent_decode, percent_encode};

/// Read access to query parameters.
pub trait QueryParams {
    fn get(&self, key: &str) -> Option<&str>;
}

impl QueryParams for Vec<(String, String)> {
    fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Builds `?a=1&b=two`, percent-encoding values.
#[derive(Default)]
pub struct QueryWriter {
    out: String,
}

impl QueryWriter {
    pub fn put(&mut self, key: &str, value: &str) {
        self.out.push(if self.out.is_empty() { '?' } else { '&' });
        self.out.push_str(key);
        self.out.push('=');
        self.out.push_str(&percent_encode(value));
    }

    pub fn put_if(&mut self, condition: bool, key: &str, value: &str) {
        if condition {
            self.put(key, value);
        }
    }

    pub fn put_opt(&mut self, key: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.put(key, v);
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_parses_encoded_values() {
        let mut w = QueryWriter::default();
        w.put("q", "März & <b>");
        w.put_if(false, "x", "y");
        w.put_opt("task", Some("7"));
        let qs = w.finish();
        assert_eq!(qs, "?q=M%C3%A4rz%20%26%20%3Cb%3E&task=7");
        let parsed = parse_query(&qs);
        assert_eq!(parsed.get("q"), Some("März & <b>"));
        assert_eq!(parsed.get("task"), Some("7"));
        assert_eq!(parsed.get("missing"), None);
        assert_eq!(parse_query("?a=1+2&b=%zz&c").get("a"), Some("1 2"));
        assert_eq!(parse_query("?b=%zz").get("b"), Some("%zz"));
        assert_eq!(parse_query("?c").get("c"), Some(""));
        assert_eq!(parse_query("?d=50%").get("d"), Some("50%"));
        assert_eq!(parse_query("?e=%é").get("e"), Some("%é"));
    }
}
