//! The files a configuration was loaded from, so every span can be shown in its source.

use std::ops::Range;
use std::path::PathBuf;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub range: Range<usize>,
}

impl Ord for Span {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.file, self.range.start, self.range.end).cmp(&(
            other.file,
            other.range.start,
            other.range.end,
        ))
    }
}

impl PartialOrd for Span {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Span {
        Span { file, range }
    }
}

/// Where a parsed text starts: a file, and the byte offset in it of the first byte parsed.
/// What the parser reports counts from there (a large file is parsed in pieces).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub file: FileId,
    pub offset: usize,
}

impl Origin {
    /// The start of a file.
    pub fn file(file: FileId) -> Origin {
        Origin { file, offset: 0 }
    }

    /// Where a parsed item is in the file.
    pub fn span(self, item: &impl hcl_edit::Span) -> Span {
        self.range(item.span().unwrap_or(0..0))
    }

    /// A range the parser reported, as a span of the file.
    pub fn range(self, range: Range<usize>) -> Span {
        Span::new(
            self.file,
            range.start + self.offset..range.end + self.offset,
        )
    }
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name diagnostics show: the path relative to the configuration directory.
    pub name: String,
    pub path: PathBuf,
    pub text: String,
}

/// Every file of one configuration, addressed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, name: impl Into<String>, path: PathBuf, text: String) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).expect("fewer than 2^32 files"));
        self.files.push(SourceFile {
            name: name.into(),
            path,
            text,
        });
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, file)| (FileId(i as u32), file))
    }

    /// The text a span covers.
    pub fn snippet(&self, span: &Span) -> &str {
        let text = &self.get(span.file).text;
        text.get(span.range.clone()).unwrap_or("")
    }

    /// One-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, file: FileId, offset: usize) -> (usize, usize) {
        let text = &self.get(file).text;
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}
