//! [`Named`]: values by name, sorted: what a snapshot of a model's
//! variables holds, whatever the framework's tensor type.

/// Values by name, sorted by name, each name once.
///
/// ```
/// use clr_train::Named;
///
/// let named: Named<f32> = vec![("l2.bias".to_owned(), 0.5), ("l1.weight".to_owned(), 1.5)]
///     .into_iter()
///     .collect();
/// assert_eq!(named.names().collect::<Vec<_>>(), ["l1.weight", "l2.bias"]);
/// assert_eq!(named.get("l2.bias"), Some(&0.5));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Named<T> {
    entries: Vec<(String, T)>,
}

impl<T> Named<T> {
    /// The name of no value.
    pub fn new() -> Self {
        Named {
            entries: Vec::new(),
        }
    }

    /// The value called `name`.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.entries
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
            .map(|i| &self.entries[i].1)
    }

    /// The names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }

    /// The names and values, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// How many values it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The names and values, sorted by name.
    pub fn as_slice(&self) -> &[(String, T)] {
        &self.entries
    }
}

impl<T> Default for Named<T> {
    fn default() -> Self {
        Named::new()
    }
}

/// Sorted by name; of a name given twice, the first value is kept.
impl<T> FromIterator<(String, T)> for Named<T> {
    fn from_iter<I: IntoIterator<Item = (String, T)>>(iter: I) -> Self {
        let mut entries: Vec<(String, T)> = iter.into_iter().collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|later, first| later.0 == first.0);
        Named { entries }
    }
}

impl<T> IntoIterator for Named<T> {
    type Item = (String, T);
    type IntoIter = std::vec::IntoIter<(String, T)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}
