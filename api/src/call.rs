//! A request paired with the function that decodes its answer, and the
//! [`Transport`] seam that sends it. Every call of this crate is a pure
//! request builder plus a pure decoder; only [`Call::send`] touches the
//! network, so the wire format is tested natively against recorded responses
//! and the browser, the desktop app and the tests share one client.

use std::future::Future;
use std::pin::Pin;

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::error::ApiError;
use crate::http::{HttpRequest, HttpResponse, MAX_BODY_BYTES, TransportError, looks_like_html};
use crate::{Page, UnreadableRow};

pub type LocalBoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Executes requests. Not `Send`: the browser is single-threaded.
pub trait Transport {
    fn send<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<HttpResponse, TransportError>>;

    /// Milliseconds since the Unix epoch, where the transport has a clock
    /// (the API crate has none of its own: `std` has no clock in a browser).
    fn now_millis(&self) -> Option<i64> {
        None
    }
}

type Decoder<T> = fn(&HttpRequest, &HttpResponse) -> Result<T, ApiError>;

/// A request together with the function that turns its successful response into
/// a typed value.
pub struct Call<T> {
    pub request: HttpRequest,
    decode_success: Decoder<T>,
}

impl<T> Call<T> {
    pub fn new(request: HttpRequest, decode_success: Decoder<T>) -> Self {
        Call {
            request,
            decode_success,
        }
    }

    /// Non-2xx statuses become typed errors; 2xx bodies go to the decoder.
    /// Non-2xx statuses become typed errors; 2xx bodies go to the decoder,
    /// unless they are too large or an HTML page where JSON was expected (a
    /// login page or a proxy's page answering in the server's place).
    pub fn decode(&self, response: &HttpResponse) -> Result<T, ApiError> {
        if response.body.len() > MAX_BODY_BYTES {
            return Err(ApiError::TooLarge {
                endpoint: self.request.endpoint(),
                bytes: response.body.len() as u64,
            });
        }
        if !response.is_success() {
            return Err(ApiError::from_response(&self.request, response));
        }
        if looks_like_html(&response.body) {
            return Err(ApiError::NotJson {
                endpoint: self.request.endpoint(),
                status: response.status,
                excerpt: crate::error::server_messages(&response.body)
                    .join(" ")
                    .chars()
                    .take(120)
                    .collect(),
            });
        }
        (self.decode_success)(&self.request, response)
    }

    pub async fn send(&self, transport: &dyn Transport) -> Result<T, ApiError> {
        let response = transport
            .send(&self.request)
            .await
            .map_err(|e| ApiError::from_transport(&self.request, e))?;
        self.decode(&response)
    }
}

/// Decodes JSON with the path of the offending field in the error, because
/// "invalid type: null, expected a string" alone does not say which of forty
/// fields a server changed.
pub fn decode_json<T: DeserializeOwned>(request: &HttpRequest, body: &str) -> Result<T, ApiError> {
    let to_error = |field: String, detail: String| ApiError::Decode {
        endpoint: request.endpoint(),
        field,
        detail,
    };
    serde_json::from_str(body).map_err(|e| {
        let detail = e.to_string();
        to_error(json_path_at(body, e.line(), e.column(), &detail), detail)
    })
}

/// Rows that decoded, rows that did not, and the total when paginated.
pub type Rows<T> = (Vec<T>, Vec<UnreadableRow>, Option<u64>);

/// Decodes a JSON array (or the `results` of a paginated answer) row by
/// row: a row that cannot be read becomes an [`UnreadableRow`] and the
/// others decode. Returns the rows, the unreadable ones, and `count` when
/// the answer was paginated.
pub fn decode_rows<T: DeserializeOwned>(
    request: &HttpRequest,
    body: &str,
) -> Result<Rows<T>, ApiError> {
    rows_one_by_one::<T, T>(request, body)
}

/// [`decode_rows`] for the lists that can be long (a 2.x server's whole
/// task list): each row turned into `T` as soon as it is read, so the list
/// is never held twice (wire rows and rows), and in one pass over the text
/// when every row reads, which is the rule; only when one does not are the
/// rows read one by one, to keep the others. (Kept to those lists: the
/// one-pass decoder is more code in the download per row type.)
pub fn decode_rows_as<W: DeserializeOwned + Into<T>, T>(
    request: &HttpRequest,
    body: &str,
) -> Result<Rows<T>, ApiError> {
    if body.trim_start().starts_with('[') {
        if let Ok(Converted(rows, _)) = serde_json::from_str::<Converted<W, T>>(body) {
            return Ok((rows, Vec::new(), None));
        }
    } else if let Ok(page) = serde_json::from_str::<ConvertedPage<W, T>>(body) {
        return Ok((page.results.0, Vec::new(), Some(page.count)));
    }
    rows_one_by_one::<W, T>(request, body)
}

fn rows_one_by_one<W: DeserializeOwned + Into<T>, T>(
    request: &HttpRequest,
    body: &str,
) -> Result<Rows<T>, ApiError> {
    let is_array = body.trim_start().starts_with('[');
    #[derive(serde::Deserialize)]
    struct Paginated<'a> {
        count: u64,
        #[serde(borrow)]
        results: Vec<&'a RawValue>,
    }
    let failed = |e: serde_json::Error| {
        let detail = e.to_string();
        ApiError::Decode {
            endpoint: request.endpoint(),
            field: json_path_at(body, e.line(), e.column(), &detail),
            detail,
        }
    };
    let (raws, count) = if is_array {
        (
            serde_json::from_str::<Vec<&RawValue>>(body).map_err(failed)?,
            None,
        )
    } else {
        let page: Paginated = serde_json::from_str(body).map_err(failed)?;
        (page.results, Some(page.count))
    };
    let mut rows = Vec::with_capacity(raws.len());
    let mut unreadable = Vec::new();
    for (index, raw) in raws.into_iter().enumerate() {
        match serde_json::from_str::<W>(raw.get()) {
            Ok(row) => rows.push(row.into()),
            Err(e) => {
                let detail = e.to_string();
                let field = json_path_at(raw.get(), e.line(), e.column(), &detail);
                unreadable.push(UnreadableRow {
                    index,
                    reason: if field == "." {
                        detail
                    } else {
                        format!("field `{field}`: {detail}")
                    },
                    raw: raw.get().to_string(),
                    key: key_of(raw.get()),
                });
            }
        }
    }
    Ok((rows, unreadable, count))
}

/// The key of a row that could not be read as a whole: its `pk`
/// (InvenTree) or `id` (Paperless), a number or a string.
pub fn key_of(raw: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Keys<'a> {
        #[serde(default, borrow)]
        pk: Option<&'a RawValue>,
        #[serde(default, borrow)]
        id: Option<&'a RawValue>,
    }
    // Only an object names its key (serde would read `[1, 2]` as one too).
    if !raw.trim_start().starts_with('{') {
        return None;
    }
    let keys: Keys = serde_json::from_str(raw).ok()?;
    let value = keys.pk.or(keys.id)?.get();
    if let Ok(n) = value.parse::<u64>() {
        return Some(n.to_string());
    }
    serde_json::from_str::<String>(value)
        .ok()
        .filter(|s| !s.trim().is_empty() && s.len() <= 200)
}

/// A JSON array read as `W`s and kept as `T`s.
struct Converted<W, T>(Vec<T>, std::marker::PhantomData<W>);

impl<'de, W: serde::Deserialize<'de> + Into<T>, T> serde::Deserialize<'de> for Converted<W, T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Rows<W, T>(std::marker::PhantomData<(W, T)>);
        impl<'de, W: serde::Deserialize<'de> + Into<T>, T> serde::de::Visitor<'de> for Rows<W, T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of rows")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Vec<T>, A::Error> {
                let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(row) = seq.next_element::<W>()? {
                    rows.push(row.into());
                }
                Ok(rows)
            }
        }
        deserializer
            .deserialize_seq(Rows::<W, T>(std::marker::PhantomData))
            .map(|rows| Converted(rows, std::marker::PhantomData))
    }
}

#[derive(serde::Deserialize)]
#[serde(bound(deserialize = "W: serde::Deserialize<'de> + Into<T>"))]
struct ConvertedPage<W, T> {
    count: u64,
    results: Converted<W, T>,
}

/// The path (`results[3].status`) of the value at a serde_json error
/// position, found by scanning the text up to it. A scan instead of a
/// path-tracking deserializer keeps every wire type's decoder small in WASM.
/// A missing field is reported at the closing brace of its object: that
/// object is meant, not the member last read in it.
fn json_path_at(body: &str, line: usize, column: usize, detail: &str) -> String {
    let closed = detail.starts_with("missing field");
    enum Frame {
        Object {
            key: Option<String>,
            expecting_key: bool,
        },
        Array {
            index: usize,
        },
    }
    fn render(stack: &[Frame]) -> String {
        let mut path = String::new();
        for frame in stack {
            match frame {
                Frame::Object { key: Some(key), .. } => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                }
                Frame::Object { key: None, .. } => {}
                Frame::Array { index } => path.push_str(&format!("[{index}]")),
            }
        }
        path
    }
    let offset = body
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>()
        + column.saturating_sub(1);
    let mut stack: Vec<Frame> = Vec::new();
    let mut last_closed = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if at >= offset {
            break;
        }
        match c {
            '{' => stack.push(Frame::Object {
                key: None,
                expecting_key: true,
            }),
            '[' => stack.push(Frame::Array { index: 0 }),
            '}' | ']' => {
                last_closed = render(&stack);
                stack.pop();
            }
            ',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { expecting_key, .. }) => *expecting_key = true,
                None => {}
            },
            '"' => {
                let mut text = String::new();
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                text.push(escaped);
                            }
                        }
                        '"' => break,
                        c => text.push(c),
                    }
                }
                if let Some(Frame::Object { key, expecting_key }) = stack.last_mut()
                    && *expecting_key
                {
                    *key = Some(text);
                    *expecting_key = false;
                }
            }
            _ => {}
        }
    }
    if closed {
        match stack.last_mut() {
            // Stopped at the closing brace: the object itself is meant.
            Some(Frame::Object { key, .. }) => *key = None,
            _ => {
                return if last_closed.is_empty() {
                    ".".into()
                } else {
                    last_closed
                };
            }
        }
    }
    let path = render(&stack);
    if path.is_empty() { ".".into() } else { path }
}

/// A list, row by row: the paginated object (`count`/`results`) or a bare
/// array.
pub fn decode_page<T: DeserializeOwned>(
    req: &HttpRequest,
    res: &HttpResponse,
) -> Result<Page<T>, ApiError> {
    let (items, unreadable, count) = decode_rows::<T>(req, &res.body)?;
    Ok(Page {
        count: count.unwrap_or((items.len() + unreadable.len()) as u64),
        server_paged: count.is_some(),
        items,
        unreadable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{BaseUrl, Method};

    #[test]
    fn an_unreadable_row_keeps_its_key_when_the_key_reads() {
        assert_eq!(key_of(r#"{"pk": 17, "func": 3}"#).as_deref(), Some("17"));
        assert_eq!(
            key_of(r#"{"pk": "4af2b048", "args": {"x": 1}}"#).as_deref(),
            Some("4af2b048")
        );
        assert_eq!(
            key_of(r#"{"id": 4711, "status": null}"#).as_deref(),
            Some("4711")
        );
        assert_eq!(key_of(r#"{"pk": null, "id": null}"#), None);
        assert_eq!(key_of(r#"{"pk": -3}"#), None);
        assert_eq!(key_of(r#"{"pk": {"a": 1}}"#), None);
        assert_eq!(key_of("[1, 2]"), None);
        assert_eq!(key_of(r#"{"pk": "  "}"#), None);
    }

    #[test]
    fn decode_errors_name_the_field_and_endpoint() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Row {
            name: String,
        }
        let base = BaseUrl::parse("http://h").unwrap();
        let req = HttpRequest::new(Method::Get, &base, "/api/x/?limit=1".into());
        let err = decode_json::<Vec<Row>>(&req, r#"[{"name":"a"},{"name":null}]"#).unwrap_err();
        match err {
            ApiError::Decode {
                endpoint, field, ..
            } => {
                assert_eq!(endpoint, "GET /api/x/");
                assert_eq!(field, "[1].name");
            }
            other => panic!("unexpected {other:?}"),
        }
        let field_of = |body: &str| match decode_json::<Page>(&req, body).unwrap_err() {
            ApiError::Decode { field, .. } => field,
            other => panic!("unexpected {other:?}"),
        };
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Page {
            count: u64,
            results: Vec<Task>,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Task {
            id: u64,
            status: String,
        }
        let nested = "{\"count\": 2, \"results\": [\n {\"id\": 1, \"status\": \"a,}\\\"\"},\n {\"id\": 2, \"status\": 7}]}";
        assert_eq!(field_of(nested), "results[1].status");
        let missing = r#"{"count": 2, "results": [{"id": 1, "status": "a"}, {"id": 2}]}"#;
        assert_eq!(field_of(missing), "results[1]");
        assert_eq!(field_of(r#"{"count": "x", "results": []}"#), "count");
        assert_eq!(field_of(r#""text""#), ".");
        assert_eq!(field_of(r#"{"count": 1, "results": {"id": 1}}"#), "results");
    }
}
