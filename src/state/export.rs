//! Exported tables as bytes: CSV as spreadsheets read it (RFC 4180, UTF-8
//! with a byte-order mark, safe against formula injection) and JSON.

/// A table to export: the header, then one row of cells per record.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Rows given as `(header, value)` pairs; the header is the first row's
    /// names, later rows are matched by name (a missing one is empty).
    pub fn from_records(records: &[Vec<(&'static str, String)>]) -> Table {
        let headers: Vec<String> = records
            .first()
            .map(|r| r.iter().map(|(h, _)| h.to_string()).collect())
            .unwrap_or_default();
        let rows = records
            .iter()
            .map(|record| {
                headers
                    .iter()
                    .map(|h| {
                        record
                            .iter()
                            .find(|(name, _)| name == h)
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .collect();
        Table { headers, rows }
    }
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab,
/// carriage return first) gets a leading `'`, which spreadsheets show as
/// text (the OWASP advice).
fn defused(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

fn csv_field(out: &mut String, cell: &str) {
    let cell = defused(cell);
    if cell.contains(['"', ',', '\n', '\r']) {
        out.push('"');
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&cell);
    }
}

/// RFC 4180: comma-separated, CRLF line ends, fields with quotes, commas
/// or line breaks quoted (quotes doubled). The byte-order mark makes Excel
/// read it as UTF-8.
pub fn to_csv(table: &Table) -> String {
    let mut out = String::from("\u{feff}");
    for line in std::iter::once(&table.headers).chain(&table.rows) {
        for (i, cell) in line.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            csv_field(&mut out, cell);
        }
        out.push_str("\r\n");
    }
    out
}

/// An array of objects, one per row, keyed by the headers, in order.
pub fn to_json(table: &Table) -> String {
    let rows: Vec<serde_json::Value> = table
        .rows
        .iter()
        .map(|row| {
            let object: serde_json::Map<String, serde_json::Value> = table
                .headers
                .iter()
                .zip(row)
                .map(|(h, v)| (h.clone(), serde_json::Value::String(v.clone())))
                .collect();
            serde_json::Value::Object(object)
        })
        .collect();
    serde_json::to_string_pretty(&rows).unwrap_or_default()
}

/// `office-paperless_tasks_2026-12-03.csv`: letters, digits and dashes.
/// The note after an export's count: how many rows could not be read and
/// were left out (nothing when none were).
pub fn left_out_note(rows: usize) -> String {
    match rows {
        0 => String::new(),
        1 => " (1 row could not be read and was left out)".into(),
        n => format!(" ({n} rows could not be read and were left out)"),
    }
}

pub fn file_name(server: &str, list: &str, date: &str, extension: &str) -> String {
    let slug = |text: &str| {
        let mut out = String::new();
        for c in text.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        out.trim_end_matches('-').to_string()
    };
    let server = match slug(server) {
        s if s.is_empty() => "server".to_string(),
        s => s,
    };
    format!("{server}_{}_{date}.{extension}", slug(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_left_out_note_agrees_in_number() {
        assert_eq!(left_out_note(0), "");
        assert_eq!(
            left_out_note(1),
            " (1 row could not be read and was left out)"
        );
        assert_eq!(
            left_out_note(3),
            " (3 rows could not be read and were left out)"
        );
    }

    fn table(rows: &[&[&str]]) -> Table {
        Table {
            headers: vec!["Name".into(), "Error".into()],
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect(),
        }
    }

    /// Reads CSV back as RFC 4180 says, to check the bytes round-trip.
    fn parse_csv(text: &str) -> Vec<Vec<String>> {
        let text = text.strip_prefix('\u{feff}').unwrap();
        let mut rows = vec![];
        let mut row = vec![];
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') => quoted = true,
                (false, ',') => row.push(std::mem::take(&mut field)),
                (false, '\r') => {
                    assert_eq!(chars.next(), Some('\n'), "CRLF line ends");
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                (false, c) => field.push(c),
            }
        }
        rows
    }

    #[test]
    fn hostile_cells_round_trip_as_text_and_formulas_are_defused() {
        let hostile: &[&[&str]] = &[
            &["=HYPERLINK(\"http://evil\",\"x\")", "+1"],
            &["-2+3", "@SUM(A1)"],
            &["\tTab", "\rReturn"],
            &["a,b", "say \"hi\"\r\nnext line"],
            &["<img src=x onerror=alert(1)>", "請求書 🎉"],
            &["", "plain"],
        ];
        let csv = to_csv(&table(hostile));
        assert!(csv.starts_with('\u{feff}'));
        let back = parse_csv(&csv);
        assert_eq!(back[0], ["Name", "Error"]);
        assert_eq!(back[1], ["'=HYPERLINK(\"http://evil\",\"x\")", "'+1"]);
        assert_eq!(back[2], ["'-2+3", "'@SUM(A1)"]);
        assert_eq!(back[3], ["'\tTab", "'\rReturn"]);
        assert_eq!(back[4], ["a,b", "say \"hi\"\r\nnext line"]);
        assert_eq!(back[5], ["<img src=x onerror=alert(1)>", "請求書 🎉"]);
        assert_eq!(back[6], ["", "plain"]);
        let json: serde_json::Value = serde_json::from_str(&to_json(&table(hostile))).unwrap();
        assert_eq!(
            json[0]["Name"], "=HYPERLINK(\"http://evil\",\"x\")",
            "JSON keeps the text as it is"
        );
        assert_eq!(json[3]["Error"], "say \"hi\"\r\nnext line");
    }

    #[test]
    fn ten_thousand_rows_export_whole_and_in_order() {
        let records: Vec<Vec<(&'static str, String)>> = (0..10_000)
            .map(|i| {
                vec![
                    ("Id", i.to_string()),
                    ("Error", format!("line 1\nline {i}, \"x\"")),
                ]
            })
            .collect();
        let table = Table::from_records(&records);
        let back = parse_csv(&to_csv(&table));
        assert_eq!(back.len(), 10_001);
        assert_eq!(back[10_000], ["9999", "line 1\nline 9999, \"x\""]);
        let json: Vec<serde_json::Value> = serde_json::from_str(&to_json(&table)).unwrap();
        assert_eq!(json.len(), 10_000);
        assert_eq!(json[4321]["Id"], "4321");
    }

    #[test]
    fn files_are_named_after_server_list_and_date() {
        assert_eq!(
            file_name(
                "Paperless-ngx 3 (demo)",
                "Failed tasks",
                "2026-12-03",
                "csv"
            ),
            "paperless-ngx-3-demo_failed-tasks_2026-12-03.csv"
        );
        assert_eq!(file_name("../../etc", "x", "d", "json"), "etc_x_d.json");
    }
}
