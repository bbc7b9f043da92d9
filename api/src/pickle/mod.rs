//! Reads a Python pickle (protocols 0 to 5) as the text Python prints for
//! the value, so InvenTree's failed tasks (arguments pickled and
//! base64-encoded by django-q2's `PickledObjectField`) read like its
//! pending and scheduled ones (arguments as `repr` text).
//!
//! Nothing is evaluated: a class or function is named (`<class
//! 'part.models.Part'>`), an object made by a call shows the call
//! (`part.models.Part(pk=12)`), and the standard library's values that
//! pickle in a known shape read as Python prints them
//! (`datetime.date(2025, 3, 15)`, `Decimal('2.5')`, `UUID('…')`). What
//! Python would call when loading the pickle, beyond those, is listed by
//! [`Reading::calls_on_load`], so a crafted `os.system(…)` is shown and
//! marked, never run. `serde-pickle` was the first choice, but it can
//! only refuse or drop such objects, and showing them is the point here;
//! so this is a small opcode walker of its own.
//!
//! - `machine`: the opcodes, into a value graph (`graph`) where a value
//!   the pickle reuses is shared, never copied;
//! - `known`: what names and call shapes stand for;
//! - `repr`: one line, as `repr()`; `pretty`: across lines, as `pprint`;
//! - `drf`: the JSON values InvenTree sends instead of a pickle;
//! - `text`: Python's forms of strings, bytes, floats and integers.
//!
//! Bounded: the input size, the number of values, the stack and the memo
//! are capped while reading; rendering stops at a cap on the characters
//! it produces (checked before every value), so time and memory follow
//! the input and the text produced, not how often the pickle refers to
//! a value.

mod drf;
mod graph;
mod known;
mod machine;
mod pretty;
mod repr;
mod text;

pub use drf::read_json;
pub use graph::MAX_VALUES;
pub use text::{ShortestFloat, bytes_repr, float_repr, rust_shortest, str_repr};

use graph::{Graph, Id};
use repr::{Form, Render};
use text::Out;

/// Larger payloads are not read (InvenTree's are a few hundred bytes).
pub const MAX_INPUT: usize = 1 << 20;
/// Longer texts end in `…` (characters, as Python counts them).
pub const MAX_TEXT: usize = 64 * 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickleError {
    pub reason: String,
    /// Where in the input it stopped.
    pub offset: usize,
}

impl std::fmt::Display for PickleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at byte {})", self.reason, self.offset)
    }
}

/// A pickle (or JSON value) read into its values, to be written out in
/// the forms the console shows.
pub struct Reading {
    graph: Graph,
    root: Id,
    shortest: ShortestFloat,
}

impl std::fmt::Debug for Reading {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Reading").field(&self.short(200)).finish()
    }
}

impl Reading {
    fn render(&self, form: Form, limit: usize) -> String {
        let mut render = Render::new(&self.graph, self.shortest, form);
        let mut out = Out::new(limit);
        render.repr(self.root, 0, &mut out);
        finish(out)
    }

    /// What Python's `repr()` prints, on one line, cut at [`MAX_TEXT`]
    /// characters (then `…`).
    pub fn text(&self) -> String {
        self.render(Form::Full, MAX_TEXT)
    }

    /// The same with Django model instances as `<Part pk=12 name='M3
    /// screw'>`, cut at `max` characters (then `…`): for a table cell.
    pub fn short(&self, max: usize) -> String {
        self.render(Form::Short, max)
    }

    /// What `pprint.pformat(value, width=width, sort_dicts=False)` prints
    /// (see `pretty`), cut at [`MAX_TEXT`] characters.
    pub fn pretty(&self, width: usize) -> String {
        let mut render = Render::new(&self.graph, self.shortest, Form::Full);
        let mut pretty = pretty::Pretty::new(&mut render, width, MAX_TEXT);
        pretty.format_root(self.root);
        finish(pretty.out)
    }

    /// The callables Python would call to load this, other than the
    /// standard types' own (`os.system` in a crafted pickle; a class
    /// whose `__reduce__` calls it): shown, never run.
    pub fn calls_on_load(&self) -> Vec<String> {
        known::calls_on_load(&self.graph)
    }
}

fn finish(out: Out) -> String {
    let mut text = out.text;
    if out.cut {
        text.push('…');
    }
    text
}

/// Reads a pickle.
pub fn read(input: &[u8], shortest: ShortestFloat) -> Result<Reading, PickleError> {
    if input.len() > MAX_INPUT {
        return Err(too_big(input.len()));
    }
    let (graph, root) = machine::read(input.to_vec())?;
    Ok(Reading {
        graph,
        root,
        shortest,
    })
}

fn too_big(len: usize) -> PickleError {
    PickleError {
        reason: format!("{len} bytes is more than this reads"),
        offset: 0,
    }
}

/// Reads the base64 text InvenTree sends (`gAUpLg==`).
pub fn read_base64(text: &str, shortest: ShortestFloat) -> Result<Reading, PickleError> {
    use base64::Engine as _;
    let text = text.trim();
    // Four characters make three bytes: refused before decoding.
    if text.len() / 4 * 3 > MAX_INPUT + 3 {
        return Err(too_big(text.len() / 4 * 3));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| PickleError {
            reason: format!("not base64: {e}"),
            offset: 0,
        })?;
    if bytes.len() > MAX_INPUT {
        return Err(too_big(bytes.len()));
    }
    let (graph, root) = machine::read(bytes)?;
    Ok(Reading {
        graph,
        root,
        shortest,
    })
}

/// Reads the base64 text InvenTree sends (`gAUpLg==`) as Python text (`()`).
pub fn base64_to_python(text: &str) -> Result<String, PickleError> {
    read_base64(text, rust_shortest).map(|r| r.text())
}

/// Reads a pickle as Python text.
pub fn to_python(input: &[u8]) -> Result<String, PickleError> {
    read(input, rust_shortest).map(|r| r.text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recorded_inventree_arguments_read_as_python() {
        for (b64, text) in [
            ("gAUpLg==", "()"),
            ("gAV9lC4=", "{}"),
            ("gAWVCAAAAAAAAABK/////4WULg==", "(-1,)"),
            (
                "gAWVEwAAAAAAAAB9lIwHcGFydF9pZJRKP0IPAHMu",
                "{'part_id': 999999}",
            ),
            (
                "gAWVJAAAAAAAAAB9lCiMCHRlbXBsYXRllEsHjAVpdGVtc5RdlChLAUsCSwNldS4=",
                "{'template': 7, 'items': [1, 2, 3]}",
            ),
            // Cut short: the same payload without its end.
            (
                "gAWVJAAAAAAAAAB9lCiMCHRlbXBsYXRllEsHjAVpdGVtc5RdlChLAUsCSwNl",
                "",
            ),
            ("gAWVEAAAAAAAAAB9lIwIdmFsaWRhdGWUiHMu", "{'validate': True}"),
        ] {
            if text.is_empty() {
                // Cut short where the recording's value was shown cut short.
                let e = base64_to_python(b64).unwrap_err();
                assert!(e.reason.contains("truncated"), "{b64}: {e}");
            } else {
                assert_eq!(base64_to_python(b64).unwrap(), text, "{b64}");
            }
        }
    }
}
