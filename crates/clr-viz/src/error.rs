//! [`Error`]: what went wrong, naming the file when there is one.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Everything `clr-viz` can fail with. Messages are one line and name the
/// path involved, so a command-line tool can print them as they are.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing `path` failed (missing directory, no permission, …).
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// Series of different lengths where they must match.
    Length {
        /// The series at fault.
        name: String,
        /// The length it must have.
        expected: usize,
        /// The length it has.
        found: usize,
    },
    /// Nothing to draw (no series, or no finite value in any of them).
    Empty {
        /// What was empty.
        what: &'static str,
    },
    /// A file name whose extension names no known format.
    Format {
        /// The file.
        path: PathBuf,
    },
    /// A parameter refused by `clr-core` (a [`Curve`](crate::Curve)'s
    /// smoothing out of range).
    Core(clr_core::Error),
    /// The drawing backend failed.
    Draw {
        /// The file being drawn, when there is one.
        path: Option<PathBuf>,
        /// The backend's message.
        message: String,
    },
}

impl Error {
    pub(crate) fn io(path: &Path, source: io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn draw(path: Option<&Path>, message: impl fmt::Display) -> Self {
        Error::Draw {
            path: path.map(Path::to_path_buf),
            message: one_line(&message.to_string()),
        }
    }

    /// The file the error is about, if any.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Error::Io { path, .. } if path.as_os_str().is_empty() => None,
            Error::Io { path, .. } | Error::Format { path } => Some(path),
            Error::Draw { path, .. } => path.as_deref(),
            Error::Length { .. } | Error::Empty { .. } | Error::Core(_) => None,
        }
    }

    /// Sets the path of an error that has none yet (reading from a reader
    /// knows no file name; the caller that opened it does).
    pub(crate) fn at(mut self, file: &Path) -> Self {
        match &mut self {
            Error::Draw { path, .. } if path.is_none() => {
                *path = Some(file.to_path_buf());
            }
            Error::Io { path, .. } if path.as_os_str().is_empty() => *path = file.to_path_buf(),
            _ => {}
        }
        self
    }
}

impl From<clr_core::Error> for Error {
    fn from(e: clr_core::Error) -> Self {
        Error::Core(e)
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } if path.as_os_str().is_empty() => write!(f, "{source}"),
            Error::Io { path, source } => write!(f, "{}: {}", path.display(), source),
            Error::Length {
                name,
                expected,
                found,
            } => write!(
                f,
                "series `{name}` has {found} values where {expected} are needed"
            ),
            Error::Empty { what } => write!(f, "nothing to plot: {what}"),
            Error::Format { path } => write!(
                f,
                "{}: unknown image format (use a .png or .svg file name)",
                path.display()
            ),
            Error::Core(e) => write!(f, "{e}"),
            Error::Draw { path, message } => match path {
                Some(path) => write!(f, "{}: drawing failed: {message}", path.display()),
                None => write!(f, "drawing failed: {message}"),
            },
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Core(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_path_and_fit_on_one_line() {
        let e = Error::io(
            Path::new("/no/such/dir/plot.png"),
            io::Error::new(io::ErrorKind::NotFound, "No such file or directory"),
        );
        assert_eq!(
            e.to_string(),
            "/no/such/dir/plot.png: No such file or directory"
        );
        assert_eq!(e.path(), Some(Path::new("/no/such/dir/plot.png")));
        assert!(std::error::Error::source(&e).is_some());

        let e = Error::draw(None, "bad\nthing  happened").at(Path::new("a.svg"));
        assert_eq!(e.to_string(), "a.svg: drawing failed: bad thing happened");
        assert!(!Error::Empty { what: "no series" }
            .to_string()
            .contains('\n'));
    }
}
