//! A block's attributes: a handful of entries sorted by name in one allocation, where a
//! `BTreeMap` would spend whole nodes on each of thousands of blocks.

use std::borrow::Borrow;
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq)]
pub struct AttributeMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for AttributeMap<K, V> {
    fn default() -> Self {
        AttributeMap(Vec::new())
    }
}

impl<K: Borrow<str>, V> AttributeMap<K, V> {
    /// Where `name` is or would be inserted.
    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0
            .binary_search_by(|(key, _)| name_order(key.borrow(), name))
    }

    /// Where `name` is. A scan that compares lengths first (and pointers: keys and names are
    /// often the same schema string) beats a binary search of string comparisons at a block's
    /// few dozen entries, and lookups run for every attribute of thousands of instances.
    fn find(&self, name: &str) -> Option<usize> {
        self.0.iter().position(|(key, _)| {
            let key: &str = key.borrow();
            key.len() == name.len() && (key.as_ptr() == name.as_ptr() || key == name)
        })
    }

    pub fn get(&self, name: &str) -> Option<&V> {
        self.find(name).map(|index| &self.0[index].1)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// Sets `name`, returning the value it replaces.
    pub fn insert(&mut self, name: K, value: V) -> Option<V> {
        match self.position(name.borrow()) {
            Ok(index) => Some(std::mem::replace(&mut self.0[index].1, value)),
            Err(index) => {
                self.0.insert(index, (name, value));
                None
            }
        }
    }

    pub fn remove(&mut self, name: &str) -> Option<V> {
        let index = self.find(name)?;
        Some(self.0.remove(index).1)
    }

    /// Entries in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(key, value)| (key, value))
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.0.iter().map(|(key, _)| key)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, value)| value)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Borrow<str>, V> AttributeMap<K, V> {
    /// From entries whose names are all different (a schema's attributes), sorting in place.
    pub fn from_distinct(mut entries: Vec<(K, V)>) -> Self {
        entries.sort_unstable_by(|(a, _), (b, _)| name_order(a.borrow(), b.borrow()));
        debug_assert!(in_name_order(&entries), "names repeat");
        AttributeMap(entries)
    }

    /// From entries already in name order, each name once (see
    /// [`crate::ComputeKind::name_order`]). Spare capacity is given back: maps of thousands of
    /// instances live through a plan.
    pub fn from_sorted(mut entries: Vec<(K, V)>) -> Self {
        debug_assert!(in_name_order(&entries), "entries out of name order");
        entries.shrink_to_fit();
        AttributeMap(entries)
    }
}

/// `map["name"]`, for a name that must be there.
impl<K: Borrow<str>, V> std::ops::Index<&str> for AttributeMap<K, V> {
    type Output = V;

    fn index(&self, name: &str) -> &V {
        self.get(name)
            .unwrap_or_else(|| panic!("no attribute `{name}`"))
    }
}

/// Later entries replace earlier ones of the same name, as in a map.
impl<K: Borrow<str>, V> FromIterator<(K, V)> for AttributeMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        let mut entries: Vec<(K, V)> = entries.into_iter().collect();
        // Entries from a sorted map or a stored record come in order: nothing to do.
        if in_name_order(&entries) {
            return AttributeMap(entries);
        }
        // Reversed, then sorted stably, the last of equal names comes first; dedup keeps it.
        entries.reverse();
        entries.sort_by(|(a, _), (b, _)| name_order(a.borrow(), b.borrow()));
        entries.dedup_by(|(later, _), (kept, _)| (*later).borrow() == (*kept).borrow());
        AttributeMap(entries)
    }
}

impl<'a, K: Borrow<str>, V> IntoIterator for &'a AttributeMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(key, value)| (key, value))
    }
}

impl<K, V> IntoIterator for AttributeMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Whether the names are in order, each once.
fn in_name_order<K: Borrow<str>, V>(entries: &[(K, V)]) -> bool {
    (entries.windows(2))
        .all(|pair| name_order(pair[0].0.borrow(), pair[1].0.borrow()) == Ordering::Less)
}

/// Byte order of names, deciding on the first byte inline before calling `memcmp`: names of
/// one block mostly differ there.
fn name_order(a: &str, b: &str) -> Ordering {
    (a.as_bytes().first())
        .cmp(&b.as_bytes().first())
        .then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_as_a_sorted_map() {
        let mut map: AttributeMap<&str, i32> = [("vm_size", 1), ("max_nodes", 2), ("vm_size", 3)]
            .into_iter()
            .collect();
        assert_eq!(map.get("vm_size"), Some(&3), "the later entry wins");
        assert_eq!(
            map.keys().copied().collect::<Vec<_>>(),
            ["max_nodes", "vm_size"]
        );
        assert_eq!(map.insert("name", 4), None);
        assert_eq!(map.insert("name", 5), Some(4));
        assert_eq!(
            map.keys().copied().collect::<Vec<_>>(),
            ["max_nodes", "name", "vm_size"]
        );
        assert!(map.contains_key("name") && !map.contains_key("tags"));
        assert_eq!(map.remove("max_nodes"), Some(2));
        assert_eq!(map.get("max_nodes"), None);
        assert_eq!(map.len(), 2);

        let in_order: AttributeMap<&str, i32> = [("a", 1), ("b", 2), ("b", 3), ("c", 4)]
            .into_iter()
            .collect();
        assert_eq!(
            in_order.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(),
            [("a", 1), ("b", 3), ("c", 4)],
            "sorted input with a repeated name still keeps the later entry"
        );
    }
}
