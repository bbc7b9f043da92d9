//! Redaction of what must not leave the console in a report: tokens and
//! other credentials, e-mail addresses, host names and IP addresses, the
//! host of every URL, and user names in home directories. What was
//! removed is listed, so the report's preview can show it.
//!
//! Token shapes, as the servers make them:
//! - Paperless-ngx: DRF authtoken keys, 40 hexadecimal digits, sent as
//!   `Authorization: Token <key>` (recorded: `paperless-v3.0.5/README.md`).
//! - InvenTree: `inv-` + a DRF key (40 hex) + `-` + the creation date
//!   `YYYYMMDD` (`ApiToken.generate_key`, inventree/InvenTree
//!   `src/backend/InvenTree/users/models.py`); its admin shows them
//!   shortened with `*` (`ApiToken.token`), which is redacted too.
//!
//! Loopback names and addresses (`localhost`, `127.0.0.1`) say nothing
//! about an installation and help a maintainer, so they stay; so do the
//! public hosts the servers' own code calls (a failed update check says
//! `api.github.com`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::scan::{self, before, is_hex, is_word, rewrite, run, starts_token};

/// What kind of thing was removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Removed {
    /// An API token, password or other credential.
    Secret,
    EmailAddress,
    HostName,
    IpAddress,
    /// A user's name in a home directory path.
    UserName,
}

impl Removed {
    pub fn label(self) -> &'static str {
        match self {
            Removed::Secret => "token or password",
            Removed::EmailAddress => "e-mail address",
            Removed::HostName => "host name",
            Removed::IpAddress => "IP address",
            Removed::UserName => "user name",
        }
    }

    fn placeholder(self) -> &'static str {
        match self {
            Removed::Secret => "<redacted>",
            Removed::EmailAddress => "<email>",
            Removed::HostName => "<host>",
            Removed::IpAddress => "<ip>",
            Removed::UserName => "<user>",
        }
    }
}

/// One thing removed, as the preview shows it, and how often it appeared.
/// Secrets are shown by their first characters only: the preview is on
/// screen, and a screenshot of it must not carry the token either.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Removal {
    pub kind: Removed,
    pub shown: String,
    pub count: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    /// By kind, then as shown.
    pub removed: Vec<Removal>,
}

/// Values the console knows to be secret or private for this report:
/// the connection's token and its server's host name (which may be a
/// single word like `nas` that no shape would catch).
#[derive(Clone, Copy, Debug, Default)]
pub struct Known<'a> {
    pub secrets: &'a [&'a str],
    pub hosts: &'a [&'a str],
}

/// Hosts the servers' own code calls; naming them tells nothing about an
/// installation.
const PUBLIC_HOSTS: &[&str] = &[
    "api.github.com",
    "github.com",
    "api.frankfurter.app",
    "pypi.org",
    "docs.paperless-ngx.com",
    "docs.inventree.org",
];

fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
}

fn is_kept_ip(ip: &str) -> bool {
    let address = ip.split(':').next().unwrap_or(ip);
    address.starts_with("127.") || address == "0.0.0.0"
}

/// Redacts `text`.
pub fn redact(text: &str) -> Redacted {
    redact_with(text, &Known::default())
}

/// One redaction pass: the changed text, or `None` when nothing was found.
type Pass<'k> = dyn Fn(&str, &mut Log) -> Option<String> + 'k;

/// Redacts `text`, and every value in `known` wherever it appears.
pub fn redact_with(text: &str, known: &Known) -> Redacted {
    let mut log = Log::default();
    let mut text: Cow<str> = Cow::Borrowed(text);
    let passes: [&Pass; 9] = [
        &|t, log| exact(t, known.secrets, Removed::Secret, log),
        &|t, log| exact(t, known.hosts, Removed::HostName, log),
        &|t, log| changed(authorization_headers(t, log)),
        &|t, log| changed(credentials(t, log)),
        &|t, log| changed(urls(t, log)),
        &|t, log| changed(emails(t, log)),
        &|t, log| changed(tokens(t, log)),
        &|t, log| changed(home_directories(t, log)),
        &|t, log| changed(addresses(t, log)),
    ];
    for pass in passes {
        if let Some(changed) = pass(&text, &mut log) {
            text = Cow::Owned(changed);
        }
    }
    Redacted {
        text: text.into_owned(),
        removed: log.into_removals(),
    }
}

fn changed(text: Cow<str>) -> Option<String> {
    match text {
        Cow::Owned(s) => Some(s),
        Cow::Borrowed(_) => None,
    }
}

#[derive(Default)]
struct Log(BTreeMap<(Removed, String), usize>);

impl Log {
    fn note(&mut self, kind: Removed, value: &str) {
        let shown = match kind {
            Removed::Secret => {
                let head: String = value.chars().take(4).collect();
                format!("{head}… ({} characters)", value.chars().count())
            }
            _ => value.to_string(),
        };
        *self.0.entry((kind, shown)).or_insert(0) += 1;
    }

    fn into_removals(self) -> Vec<Removal> {
        self.0
            .into_iter()
            .map(|((kind, shown), count)| Removal { kind, shown, count })
            .collect()
    }
}

/// Every whole occurrence of `values` (not inside a longer word or
/// dotted name: the host `nas` is not in `nasty` nor in `nas.example`).
fn exact(text: &str, values: &[&str], kind: Removed, log: &mut Log) -> Option<String> {
    let mut values: Vec<&str> = values
        .iter()
        .map(|v| v.trim())
        .filter(|v| v.len() >= 3)
        .collect();
    if values.is_empty() {
        return None;
    }
    // Longest first, so a value that contains another goes whole.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    changed(rewrite(text, |t, at| {
        let bytes = t.as_bytes();
        if !starts_token(bytes, at) {
            return None;
        }
        let value = values.iter().find(|v| t[at..].starts_with(**v))?;
        let end = at + value.len();
        let joined = |b: u8| {
            is_word(b)
                || b == b'-'
                || (b == b'.' && bytes.get(end + 1).is_some_and(|&n| is_word(n)))
        };
        if bytes.get(end).is_some_and(|&b| joined(b)) {
            return None;
        }
        log.note(kind, value);
        Some((end, Cow::Borrowed(kind.placeholder())))
    }))
}

/// `Authorization: Token abc…` and `'Authorization': 'Bearer abc…'`:
/// whatever follows the header's name on its line, up to a quote.
fn authorization_headers<'t>(text: &'t str, log: &mut Log) -> Cow<'t, str> {
    const NAME: &[u8] = b"authorization";
    if !text.to_ascii_lowercase().contains("authorization") {
        return Cow::Borrowed(text);
    }
    rewrite(text, |t, at| {
        let bytes = t.as_bytes();
        if bytes.len() < at + NAME.len() || !bytes[at..at + NAME.len()].eq_ignore_ascii_case(NAME) {
            return None;
        }
        if !starts_token(bytes, at) {
            return None;
        }
        let mut i = at + NAME.len();
        let closing_quote = matches!(bytes.get(i), Some(b'\'' | b'"')).then(|| bytes[i]);
        if closing_quote.is_some() {
            i += 1;
        }
        i += run(bytes, i, |b| b == b' ' || b == b'\t');
        if bytes.get(i) != Some(&b':') && bytes.get(i) != Some(&b'=') {
            return None;
        }
        i += 1;
        i += run(bytes, i, |b| b == b' ' || b == b'\t');
        let value_quote = matches!(bytes.get(i), Some(b'\'' | b'"')).then(|| bytes[i]);
        let start = i + usize::from(value_quote.is_some());
        let len = run(bytes, start, |b| {
            b != b'\n' && b != b'\r' && Some(b) != value_quote && b != b',' && b != b'}'
        });
        let value = scan::text_of(bytes, start, start + len).trim_end();
        if value.is_empty() || value.ends_with("<redacted>") {
            return None;
        }
        // Keep the scheme (`Token`, `Bearer`, `Basic`): it helps and is not secret.
        let (scheme, secret) = match value.split_once(' ') {
            Some((scheme, secret)) if !secret.trim().is_empty() => {
                (format!("{scheme} "), secret.trim())
            }
            _ => (String::new(), value),
        };
        log.note(Removed::Secret, secret);
        let head = scan::text_of(bytes, at, start);
        Some((
            start + value.len(),
            Cow::Owned(format!("{head}{scheme}<redacted>")),
        ))
    })
}

/// `password=…`, `"token": "…"`, `api_key: …`, `secret=…`: the value of
/// any key whose name says it is a credential.
fn credentials<'t>(text: &'t str, log: &mut Log) -> Cow<'t, str> {
    const KEYS: &[&str] = &[
        "password",
        "passwd",
        "pass",
        "secret",
        "token",
        "api_key",
        "apikey",
        "access_key",
    ];
    let lowered = text.to_ascii_lowercase();
    if !KEYS.iter().any(|k| lowered.contains(k)) {
        return Cow::Borrowed(text);
    }
    rewrite(text, |t, at| {
        let bytes = t.as_bytes();
        if !bytes[at].is_ascii_alphabetic()
            || before(bytes, at).is_some_and(|b| b.is_ascii_alphanumeric())
        {
            return None;
        }
        let name_len = run(bytes, at, |b| {
            b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
        });
        let name = scan::text_of(bytes, at, at + name_len).to_ascii_lowercase();
        if !KEYS
            .iter()
            .any(|k| name.ends_with(k) || (k.len() > 4 && name.starts_with(k)))
        {
            return None;
        }
        let mut i = at + name_len;
        let name_quote = matches!(bytes.get(i), Some(b'\'' | b'"'));
        i += usize::from(name_quote);
        i += run(bytes, i, |b| b == b' ');
        if !matches!(bytes.get(i), Some(b'=' | b':')) {
            return None;
        }
        i += 1;
        i += run(bytes, i, |b| b == b' ');
        let quote = matches!(bytes.get(i), Some(b'\'' | b'"')).then(|| bytes[i]);
        let start = i + usize::from(quote.is_some());
        let len = match quote {
            Some(q) => run(bytes, start, |b| b != q && b != b'\n'),
            None => run(bytes, start, |b| {
                !b.is_ascii_whitespace() && !matches!(b, b',' | b';' | b'&' | b'}' | b')')
            }),
        };
        let value = scan::text_of(bytes, start, start + len);
        // `token: null`, `password: ` and placeholders are not secrets.
        if value.is_empty()
            || value.starts_with('<')
            || ["null", "none", "true", "false", "***", "********"]
                .contains(&value.to_ascii_lowercase().as_str())
        {
            return None;
        }
        log.note(Removed::Secret, value);
        let head = scan::text_of(bytes, at, start);
        Some((start + len, Cow::Owned(format!("{head}<redacted>"))))
    })
}

/// A URL keeps its scheme, port and path; its user and password go, and
/// its host is replaced (unless loopback or one of [`PUBLIC_HOSTS`]).
fn urls<'t>(text: &'t str, log: &mut Log) -> Cow<'t, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    rewrite(text, |t, at| {
        let bytes = t.as_bytes();
        let (after_scheme, end) = scan::url(bytes, at)?;
        let rest = scan::text_of(bytes, after_scheme, end);
        let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..authority_len];
        let (userinfo, host_port) = match authority.rsplit_once('@') {
            Some((user, host)) => (Some(user), host),
            None => (None, authority),
        };
        let (host, port) = split_port(host_port);
        let mut out = scan::text_of(bytes, at, after_scheme).to_string();
        if let Some(userinfo) = userinfo {
            match userinfo.split_once(':') {
                Some((_, password)) if !password.is_empty() => {
                    log.note(Removed::Secret, password);
                    out.push_str("<redacted>@");
                }
                _ => {
                    log.note(Removed::UserName, userinfo);
                    out.push_str("<user>@");
                }
            }
        }
        out.push_str(&redacted_host(host, log));
        out.push_str(port);
        out.push_str(&rest[authority_len..]);
        (out != scan::text_of(bytes, at, end)).then_some((end, Cow::Owned(out)))
    })
}

fn split_port(host_port: &str) -> (&str, &str) {
    if host_port.starts_with('[') {
        // [IPv6]:port
        return match host_port.find(']') {
            Some(close) => (&host_port[..=close], &host_port[close + 1..]),
            None => (host_port, ""),
        };
    }
    match host_port.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => {
            (host, &host_port[host.len()..])
        }
        _ => (host_port, ""),
    }
}

fn redacted_host(host: &str, log: &mut Log) -> String {
    if host.is_empty() || is_loopback_host(host) || is_kept_ip(host) || host == "[::1]" {
        return host.to_string();
    }
    if PUBLIC_HOSTS.iter().any(|p| p.eq_ignore_ascii_case(host)) {
        return host.to_string();
    }
    let is_ip = host.bytes().all(|b| b.is_ascii_digit() || b == b'.') || host.starts_with('[');
    let kind = if is_ip {
        Removed::IpAddress
    } else {
        Removed::HostName
    };
    log.note(kind, host);
    kind.placeholder().to_string()
}

fn emails<'t>(text: &'t str, log: &mut Log) -> Cow<'t, str> {
    if !text.contains('@') {
        return Cow::Borrowed(text);
    }
    rewrite(text, |t, at| {
        let end = scan::email(t.as_bytes(), at)?;
        log.note(Removed::EmailAddress, &t[at..end]);
        Some((end, Cow::Borrowed("<email>")))
    })
}

/// Bare tokens: 40 hex digits (DRF keys), and InvenTree's `inv-…` keys,
/// whole or shortened with `*`.
fn tokens<'t>(text: &'t str, log: &mut Log) -> Cow<'t, str> {
    rewrite(text, |t, at| {
        let bytes = t.as_bytes();
        if before(bytes, at).is_some_and(|b| is_word(b) || b == b'-') {
            return None;
        }
        if bytes[at..].len() > 4 && bytes[at..at + 4].eq_ignore_ascii_case(b"inv-") {
            let body = run(bytes, at + 4, |b| is_hex(b) || b == b'*');
            if body >= 16 {
                let mut end = at + 4 + body;
                if bytes.get(end) == Some(&b'-')
                    && let Some(n) = scan::digits(bytes, end + 1, 8, 8)
                {
                    end += 1 + n;
                }
                if !bytes.get(end).is_some_and(|&b| is_word(b)) {
                    log.note(Removed::Secret, &t[at..end]);
                    return Some((end, Cow::Borrowed("<redacted>")));
                }
            }
            return None;
        }
        let n = run(bytes, at, is_hex);
        if n == 40 && !bytes.get(at + n).is_some_and(|&b| is_word(b)) {
            log.note(Removed::Secret, &t[at..at + n]);
            return Some((at + n, Cow::Borrowed("<redacted>")));
        }
        None
    })
}

/// `/home/alice/…`, `/Users/alice/…`, `C:\Users\alice\…`: the user's name.
fn home_directories<'t>(text: &'t str, log: &mut Log) -> Cow<'t, str> {
    const HOMES: &[&str] = &["/home/", "/Users/", "\\Users\\"];
    if !HOMES.iter().any(|h| text.contains(h)) {
        return Cow::Borrowed(text);
    }
    rewrite(text, |t, at| {
        let home = HOMES.iter().find(|h| t[at..].starts_with(**h))?;
        let start = at + home.len();
        let bytes = t.as_bytes();
        let len = run(bytes, start, |b| is_word(b) || b == b'.' || b == b'-');
        let user = &t[start..start + len];
        // Service accounts of the servers' own images say nothing about anyone.
        if len == 0 || user.starts_with('<') || ["paperless", "inventree"].contains(&user) {
            return None;
        }
        log.note(Removed::UserName, user);
        Some((start + len, Cow::Owned(format!("{home}<user>"))))
    })
}

/// Host names and IP addresses outside URLs.
fn addresses<'t>(text: &'t str, log: &mut Log) -> Cow<'t, str> {
    rewrite(text, |t, at| {
        let bytes = t.as_bytes();
        if let Some(end) = scan::ipv4(bytes, at) {
            let ip = &t[at..end];
            if is_kept_ip(ip) {
                return Some((end, Cow::Owned(ip.to_string())));
            }
            log.note(Removed::IpAddress, ip.split(':').next().unwrap_or(ip));
            let port = &ip[ip.find(':').unwrap_or(ip.len())..];
            return Some((end, Cow::Owned(format!("<ip>{port}"))));
        }
        let end = scan::host(bytes, at)?;
        let host = &t[at..end];
        if PUBLIC_HOSTS.iter().any(|p| p.eq_ignore_ascii_case(host)) {
            return Some((end, Cow::Owned(host.to_string())));
        }
        log.note(Removed::HostName, host);
        Some((end, Cow::Borrowed("<host>")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(r: &Redacted) -> Vec<(Removed, &str, usize)> {
        r.removed
            .iter()
            .map(|x| (x.kind, x.shown.as_str(), x.count))
            .collect()
    }

    #[test]
    fn authorization_headers_keep_their_scheme_and_lose_the_token() {
        let r = redact(
            "GET /api/tasks/\nAuthorization: Token f6ba261cbdbf9193851c690b641447f4b6ea12af\nAccept: application/json",
        );
        assert_eq!(
            r.text,
            "GET /api/tasks/\nAuthorization: Token <redacted>\nAccept: application/json"
        );
        assert_eq!(kinds(&r), [(Removed::Secret, "f6ba… (40 characters)", 1)]);

        let r = redact("headers={'Authorization': 'Bearer eyJhbGciOi.x-y_z', 'Accept': '*/*'}");
        assert_eq!(
            r.text,
            "headers={'Authorization': 'Bearer <redacted>', 'Accept': '*/*'}"
        );
    }

    #[test]
    fn bare_tokens_of_both_servers_are_found_anywhere() {
        let r = redact(
            "token inv-a8b367885bb893982c75bb3754a60b0ab6ece288-20261122 and f7986330fd9d23d6b65e2fe3c22f5aac737f3cf0.",
        );
        assert_eq!(r.text, "token <redacted> and <redacted>.");
        // InvenTree's admin shows keys shortened with stars: still a key's parts.
        let r = redact("key inv-a8b36788********************ece288-20261122");
        assert_eq!(r.text, "key <redacted>");
        // A django-q task id (32 hex) and a 41-digit run are no tokens.
        let r = redact(
            "task 000119ec2da34b018e4cb3f1f4b91163 x f6ba261cbdbf9193851c690b641447f4b6ea12af0",
        );
        assert!(r.removed.is_empty(), "{r:?}");
    }

    #[test]
    fn credentials_in_settings_dumps_and_urls_go_and_placeholders_stay() {
        let r = redact(
            "PAPERLESS_DBPASS=s3cr3t! EMAIL_HOST_PASSWORD: 'pa ss' api_key=\"abc\" token: null password=<redacted>",
        );
        assert_eq!(
            r.text,
            "PAPERLESS_DBPASS=<redacted> EMAIL_HOST_PASSWORD: '<redacted>' api_key=\"<redacted>\" token: null password=<redacted>"
        );
        let r = redact(
            "redis://:hunter2@redis.internal:6379/0 and https://bob@paperless.example.com/api/",
        );
        assert_eq!(
            r.text,
            "redis://<redacted>@<host>:6379/0 and https://<user>@<host>/api/"
        );
        assert_eq!(
            kinds(&r),
            [
                (Removed::Secret, "hunt… (7 characters)", 1),
                (Removed::HostName, "paperless.example.com", 1),
                (Removed::HostName, "redis.internal", 1),
                (Removed::UserName, "bob", 1),
            ]
        );
    }

    #[test]
    fn emails_hosts_and_ips_go_but_loopback_and_public_services_stay() {
        let r = redact(
            "Error while authenticating account imap.example.com for fixtures+x@example.invalid \
             (10.0.0.12:993, 127.0.0.1:6379, localhost); HTTPSConnectionPool(host='api.github.com', port=443)",
        );
        assert_eq!(
            r.text,
            "Error while authenticating account <host> for <email> \
             (<ip>:993, 127.0.0.1:6379, localhost); HTTPSConnectionPool(host='api.github.com', port=443)"
        );
        assert_eq!(
            kinds(&r),
            [
                (Removed::EmailAddress, "fixtures+x@example.invalid", 1),
                (Removed::HostName, "imap.example.com", 1),
                (Removed::IpAddress, "10.0.0.12", 1),
            ]
        );
    }

    #[test]
    fn python_names_and_versions_are_not_hosts() {
        let text = "File \"/usr/src/paperless/src/paperless_mail/mail.py\", line 579; json.loads; InvenTree.tasks.heartbeat; 1.2.3; Django 5.2.16";
        let r = redact(text);
        assert_eq!(r.text, text);
        assert!(r.removed.is_empty());
    }

    #[test]
    fn known_secrets_and_single_word_hosts_are_redacted_exactly() {
        let known = Known {
            secrets: &["s3cr3t-token-value"],
            hosts: &["nas"],
        };
        let r = redact_with(
            "GET http://nas:8000/api/ with s3cr3t-token-value (nas down, nasty nas.py)",
            &known,
        );
        assert_eq!(
            r.text,
            "GET http://<host>:8000/api/ with <redacted> (<host> down, nasty nas.py)"
        );
        // Values of one or two characters would redact letters of words.
        let r = redact_with(
            "a b",
            &Known {
                secrets: &["a"],
                hosts: &[],
            },
        );
        assert_eq!(r.text, "a b");
    }

    #[test]
    fn home_directories_lose_the_user_name_but_service_accounts_stay() {
        let r = redact(
            "File \"/home/alice/.local/lib/x.py\" and /home/paperless/src and C:\\Users\\Bob.Smith\\x",
        );
        assert_eq!(
            r.text,
            "File \"/home/<user>/.local/lib/x.py\" and /home/paperless/src and C:\\Users\\<user>\\x"
        );
    }

    #[test]
    fn redaction_is_idempotent_and_leaves_unicode_and_html_as_text() {
        let text = "Rechnung 請求書 <img src=x onerror=alert(1)> an müller@beispiel.de, token f6ba261cbdbf9193851c690b641447f4b6ea12af";
        let once = redact(text);
        assert_eq!(
            once.text,
            "Rechnung 請求書 <img src=x onerror=alert(1)> an <email>, token <redacted>"
        );
        let twice = redact(&once.text);
        assert_eq!(twice.text, once.text);
        assert!(twice.removed.is_empty());
    }
}
