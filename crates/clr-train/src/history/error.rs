//! [`HistoryError`]: what reading, writing or building a [`History`](super::History)
//! can fail with, naming the file when there is one.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// What a [`History`](super::History) can fail with. Messages are one line
/// and name the path involved, so a command-line tool can print them as
/// they are.
#[derive(Debug)]
#[non_exhaustive]
pub enum HistoryError {
    /// Reading or writing `path` failed (missing directory, no permission, …).
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// A history CSV is malformed.
    Csv {
        /// The file, when reading from one.
        path: Option<PathBuf>,
        /// The 1-based line of the problem (0 when unknown).
        line: u64,
        /// What is wrong with it.
        message: String,
    },
    /// A series whose length is not the number of epochs.
    Length {
        /// The series at fault.
        name: String,
        /// The length it must have.
        expected: usize,
        /// The length it has.
        found: usize,
    },
    /// Two series with the same name.
    Duplicate {
        /// The name.
        name: String,
    },
}

impl HistoryError {
    pub(crate) fn io(path: &Path, source: io::Error) -> Self {
        HistoryError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// The file the error is about, if any.
    pub fn path(&self) -> Option<&Path> {
        match self {
            HistoryError::Io { path, .. } if path.as_os_str().is_empty() => None,
            HistoryError::Io { path, .. } => Some(path),
            HistoryError::Csv { path, .. } => path.as_deref(),
            HistoryError::Length { .. } | HistoryError::Duplicate { .. } => None,
        }
    }

    /// Sets the path of an error that has none yet (reading from a reader
    /// knows no file name; the caller that opened it does).
    pub(crate) fn at(mut self, file: &Path) -> Self {
        match &mut self {
            HistoryError::Csv { path, .. } if path.is_none() => *path = Some(file.to_path_buf()),
            HistoryError::Io { path, .. } if path.as_os_str().is_empty() => {
                *path = file.to_path_buf();
            }
            _ => {}
        }
        self
    }
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HistoryError::Io { path, source } if path.as_os_str().is_empty() => {
                write!(f, "{source}")
            }
            HistoryError::Io { path, source } => write!(f, "{}: {}", path.display(), source),
            HistoryError::Csv {
                path,
                line,
                message,
            } => {
                if let Some(path) = path {
                    write!(f, "{}: ", path.display())?;
                }
                if *line > 0 {
                    write!(f, "line {line}: ")?;
                }
                f.write_str(message)
            }
            HistoryError::Length {
                name,
                expected,
                found,
            } => write!(
                f,
                "series `{name}` has {found} values where {expected} are needed"
            ),
            HistoryError::Duplicate { name } => write!(f, "series `{name}` appears twice"),
        }
    }
}

impl std::error::Error for HistoryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HistoryError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_path_and_fit_on_one_line() {
        let e = HistoryError::io(
            Path::new("/no/such/dir/h.csv"),
            io::Error::new(io::ErrorKind::NotFound, "No such file or directory"),
        );
        assert_eq!(
            e.to_string(),
            "/no/such/dir/h.csv: No such file or directory"
        );
        assert_eq!(e.path(), Some(Path::new("/no/such/dir/h.csv")));
        assert!(std::error::Error::source(&e).is_some());
        let e = HistoryError::Csv {
            path: None,
            line: 3,
            message: "expected 2 fields".into(),
        };
        assert_eq!(e.to_string(), "line 3: expected 2 fields");
        let e = e.at(Path::new("h.csv"));
        assert_eq!(e.to_string(), "h.csv: line 3: expected 2 fields");
    }
}
