//! libyaml's parser events (through `libyaml-rs`, the parser `yaml_serde` itself runs on),
//! as owned Rust values with their byte positions.
//!
//! Events, unlike a deserialized tree, keep what YAML 1.1 resolution needs: whether a
//! scalar was plain or quoted, its tag, anchors and aliases. This is the only unsafe code of
//! the crate: a thin wrapper over the C-style API, whose invariants are stated where used.

use std::marker::PhantomData;
use std::mem::MaybeUninit;

use libyaml_rs as sys;

/// A position in the text: byte offset, 0-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mark {
    pub index: usize,
    pub line: usize,
    pub column: usize,
}

impl From<sys::yaml_mark_t> for Mark {
    fn from(m: sys::yaml_mark_t) -> Mark {
        Mark { index: m.index as usize, line: m.line as usize, column: m.column as usize }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    pub anchor: Option<String>,
    /// The resolved tag (`tag:yaml.org,2002:str` for `!!str`, `!foo` for `!foo`).
    pub tag: Option<String>,
    pub value: String,
    pub style: ScalarStyle,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    StreamStart,
    StreamEnd,
    /// `directives`: the document has `%YAML` or `%TAG` lines.
    DocumentStart {
        directives: bool,
    },
    DocumentEnd,
    Alias(String),
    Scalar(Scalar),
    /// `flow`: written `[...]` (else a block sequence).
    SequenceStart {
        anchor: Option<String>,
        tag: Option<String>,
        flow: bool,
    },
    SequenceEnd,
    /// `flow`: written `{...}` (else a block mapping).
    MappingStart {
        anchor: Option<String>,
        tag: Option<String>,
        flow: bool,
    },
    MappingEnd,
}

/// What libyaml reports on malformed input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub problem: String,
    pub mark: Mark,
    /// For a problem found while reading characters (an invalid one), its byte offset: the
    /// reader reports no line and column.
    pub offset: Option<usize>,
    /// What the parser was reading when the problem was found (`while parsing a block
    /// mapping`), with where that started.
    pub context: Option<(String, Mark)>,
}

/// A libyaml parser over a borrowed text.
pub struct Parser<'t> {
    /// Boxed: libyaml keeps a pointer to the parser itself once its input is set, so the
    /// parser must never move.
    sys: Box<sys::yaml_parser_t>,
    done: bool,
    _text: PhantomData<&'t str>,
}

impl<'t> Parser<'t> {
    pub fn new(text: &'t str) -> Parser<'t> {
        let mut raw: Box<MaybeUninit<sys::yaml_parser_t>> = Box::new(MaybeUninit::zeroed());
        let ptr = raw.as_mut_ptr();
        // SAFETY: `ptr` points to writable, zeroed storage for a parser, which initialize
        // fills in; it fails only when allocation fails, and libyaml-rs aborts on that.
        unsafe {
            assert!(sys::yaml_parser_initialize(ptr).ok, "libyaml parser initialisation failed");
            // The text outlives the parser (`'t`), and the parser stays in its box.
            sys::yaml_parser_set_input_string(ptr, text.as_ptr(), text.len() as u64);
        }
        // SAFETY: initialised above; `Box<MaybeUninit<T>>` and `Box<T>` have one layout.
        let sys = unsafe { Box::from_raw(Box::into_raw(raw).cast::<sys::yaml_parser_t>()) };
        Parser { sys, done: false, _text: PhantomData }
    }

    /// The next event with its start and end marks; after an error or the stream's end,
    /// nothing more.
    pub fn next_event(&mut self) -> Option<Result<(Event, Mark, Mark), ParseError>> {
        if self.done {
            return None;
        }
        let parser: *mut sys::yaml_parser_t = &mut *self.sys;
        let mut event = MaybeUninit::<sys::yaml_event_t>::uninit();
        // SAFETY: the parser is initialised and its input alive; parse writes a whole event
        // when it succeeds, which is deleted once converted, and leaves the error fields set
        // when it fails.
        unsafe {
            if !sys::yaml_parser_parse(parser, event.as_mut_ptr()).ok {
                self.done = true;
                return Some(Err(parse_error(&*parser)));
            }
            let event = event.as_mut_ptr();
            let converted = convert(&*event);
            let (start, end) = ((*event).start_mark.into(), (*event).end_mark.into());
            sys::yaml_event_delete(event);
            if converted == Event::StreamEnd {
                self.done = true;
            }
            Some(Ok((converted, start, end)))
        }
    }
}

impl Drop for Parser<'_> {
    fn drop(&mut self) {
        // SAFETY: the parser was initialised in `new` and is deleted once, here.
        unsafe { sys::yaml_parser_delete(&mut *self.sys) }
    }
}

/// A NUL-terminated string libyaml owns, copied (lossily: the input is UTF-8).
///
/// # Safety
/// `p` is null or points to a NUL-terminated string.
unsafe fn c_string(p: *const u8) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: non-null and NUL-terminated, as the caller promises.
    let bytes = unsafe { std::ffi::CStr::from_ptr(p.cast()) }.to_bytes();
    Some(String::from_utf8_lossy(bytes).into_owned())
}

/// # Safety
/// `parser` is a parser whose last call failed.
unsafe fn parse_error(parser: &sys::yaml_parser_t) -> ParseError {
    // SAFETY: libyaml sets problem and context to static NUL-terminated strings or null.
    let problem = unsafe { c_string(parser.problem.cast()) }.unwrap_or_else(|| "invalid YAML".into());
    let context = unsafe { c_string(parser.context.cast()) }.map(|c| (c, parser.context_mark.into()));
    let offset = (parser.error == sys::YAML_READER_ERROR).then_some(parser.problem_offset as usize);
    ParseError { problem, mark: parser.problem_mark.into(), offset, context }
}

/// # Safety
/// `e` is an event libyaml has just produced.
unsafe fn convert(e: &sys::yaml_event_t) -> Event {
    // SAFETY: each union field read is the one the event type says is set; its strings are
    // NUL-terminated or null, and a scalar's value has `length` bytes.
    unsafe {
        match e.type_ {
            sys::YAML_STREAM_START_EVENT => Event::StreamStart,
            sys::YAML_DOCUMENT_START_EVENT => {
                let d = &e.data.document_start;
                let tags = d.tag_directives.start != d.tag_directives.end;
                Event::DocumentStart { directives: !d.version_directive.is_null() || tags }
            }
            sys::YAML_DOCUMENT_END_EVENT => Event::DocumentEnd,
            sys::YAML_ALIAS_EVENT => Event::Alias(c_string(e.data.alias.anchor).unwrap_or_default()),
            sys::YAML_SCALAR_EVENT => {
                let s = &e.data.scalar;
                let value = std::slice::from_raw_parts(s.value, s.length as usize);
                Event::Scalar(Scalar {
                    anchor: c_string(s.anchor),
                    tag: c_string(s.tag),
                    value: String::from_utf8_lossy(value).into_owned(),
                    style: match s.style {
                        sys::YAML_SINGLE_QUOTED_SCALAR_STYLE => ScalarStyle::SingleQuoted,
                        sys::YAML_DOUBLE_QUOTED_SCALAR_STYLE => ScalarStyle::DoubleQuoted,
                        sys::YAML_LITERAL_SCALAR_STYLE => ScalarStyle::Literal,
                        sys::YAML_FOLDED_SCALAR_STYLE => ScalarStyle::Folded,
                        _ => ScalarStyle::Plain,
                    },
                })
            }
            sys::YAML_SEQUENCE_START_EVENT => {
                let s = &e.data.sequence_start;
                let flow = s.style == sys::YAML_FLOW_SEQUENCE_STYLE;
                Event::SequenceStart { anchor: c_string(s.anchor), tag: c_string(s.tag), flow }
            }
            sys::YAML_SEQUENCE_END_EVENT => Event::SequenceEnd,
            sys::YAML_MAPPING_START_EVENT => {
                let m = &e.data.mapping_start;
                let flow = m.style == sys::YAML_FLOW_MAPPING_STYLE;
                Event::MappingStart { anchor: c_string(m.anchor), tag: c_string(m.tag), flow }
            }
            sys::YAML_MAPPING_END_EVENT => Event::MappingEnd,
            // YAML_STREAM_END_EVENT (and YAML_NO_EVENT, which parse never returns on success).
            _ => Event::StreamEnd,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Vec<Event> {
        let mut p = Parser::new(text);
        std::iter::from_fn(|| p.next_event()).map(|e| e.unwrap().0).collect()
    }

    #[test]
    fn scalars_keep_their_style_and_tag() {
        let e = events("a: yes\nb: 'yes'\nc: !!str 1\n");
        let scalars: Vec<(String, ScalarStyle, Option<String>)> = e
            .into_iter()
            .filter_map(|e| match e {
                Event::Scalar(s) => Some((s.value, s.style, s.tag)),
                _ => None,
            })
            .collect();
        assert_eq!(scalars[1], ("yes".into(), ScalarStyle::Plain, None));
        assert_eq!(scalars[3], ("yes".into(), ScalarStyle::SingleQuoted, None));
        assert_eq!(scalars[5], ("1".into(), ScalarStyle::Plain, Some("tag:yaml.org,2002:str".into())));
    }

    #[test]
    fn marks_are_byte_offsets_and_errors_say_where() {
        let text = "é: [1, 2\n";
        let mut p = Parser::new("é: x\n");
        let marks: Vec<Mark> = std::iter::from_fn(|| p.next_event()).map(|e| e.unwrap().1).collect();
        // StreamStart, DocumentStart, MappingStart, "é", "x": the value starts after "é: ".
        assert_eq!(marks[4], Mark { index: 4, line: 0, column: 3 });
        let mut p = Parser::new(text);
        let err = std::iter::from_fn(|| p.next_event()).find_map(Result::err).unwrap();
        assert!(!err.problem.is_empty());
        assert!(p.next_event().is_none());
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        assert_eq!(events("\u{feff}a: 1\n").iter().filter(|e| matches!(e, Event::Scalar(_))).count(), 2);
    }
}
