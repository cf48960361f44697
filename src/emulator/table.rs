//! An ordered table of records by lower-case id, for the emulator's many kinds of records.
//!
//! Each kind used to be a `BTreeMap<String, Record>` of its own, and every one of them made the
//! compiler generate (and LLVM optimize) the whole of std's B-tree again for that value type:
//! search, insert with node splits, remove with rebalancing, the iterators; about 7,000 to
//! 10,000 lines of LLVM IR per kind, ten kinds. A [`Table`] keeps the order in one shared index
//! type, `BTreeMap<String, usize>` (generated once for all kinds), that points into a slab of
//! records (`Vec<Option<T>>`, which costs little per kind). Lookups are the same B-tree search
//! plus one indexed read; walks are in key order, as before.

use std::collections::btree_map::{self, BTreeMap};
use std::fmt;
use std::ops::RangeBounds;

/// Records by key, in key order.
#[derive(Clone)]
pub(crate) struct Table<T> {
    /// Key to slot in `slots`.
    index: BTreeMap<String, usize>,
    /// The records; `None` is a free slot (listed in `free`).
    slots: Vec<Option<T>>,
    free: Vec<usize>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            index: BTreeMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Table<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<T> Table<T> {
    /// An empty table.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The number of records.
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    /// `true` when `key` has a record.
    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.index.contains_key(key)
    }

    /// The record of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&T> {
        let slot = *self.index.get(key)?;
        self.slots.get(slot)?.as_ref()
    }

    /// The record of `key`, to change it.
    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut T> {
        let slot = *self.index.get(key)?;
        self.slots.get_mut(slot)?.as_mut()
    }

    /// Stores `value` under `key`; the record it replaces, if any.
    pub(crate) fn insert(&mut self, key: String, value: T) -> Option<T> {
        match self.index.entry(key) {
            btree_map::Entry::Occupied(e) => self.slots[*e.get()].replace(value),
            btree_map::Entry::Vacant(e) => {
                let slot = match self.free.pop() {
                    Some(slot) => slot,
                    None => {
                        self.slots.push(None);
                        self.slots.len() - 1
                    }
                };
                self.slots[slot] = Some(value);
                e.insert(slot);
                None
            }
        }
    }

    /// The record of `key`, made with `make` first when there is none.
    pub(crate) fn get_or_insert_with(&mut self, key: String, make: impl FnOnce() -> T) -> &mut T {
        let slot = match self.index.get(key.as_str()) {
            Some(&slot) => slot,
            None => {
                let slot = self.vacant_slot();
                self.index.insert(key, slot);
                slot
            }
        };
        self.slots[slot].get_or_insert_with(make)
    }

    /// A slot that holds no record: a freed one, else a new one at the end.
    fn vacant_slot(&mut self) -> usize {
        match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(None);
                self.slots.len() - 1
            }
        }
    }

    /// Removes the record of `key` and returns it.
    pub(crate) fn remove(&mut self, key: &str) -> Option<T> {
        let slot = self.index.remove(key)?;
        self.free.push(slot);
        self.slots.get_mut(slot)?.take()
    }

    /// Keeps only the records for which `keep` answers `true`.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&String, &mut T) -> bool) {
        let slots = &mut self.slots;
        let free = &mut self.free;
        self.index.retain(|k, slot| {
            let kept = match slots.get_mut(*slot).and_then(Option::as_mut) {
                Some(v) => keep(k, v),
                None => false,
            };
            if !kept {
                if let Some(s) = slots.get_mut(*slot) {
                    *s = None;
                }
                free.push(*slot);
            }
            kept
        });
    }

    /// The records in key order, with their keys.
    pub(crate) fn iter(&self) -> Rows<'_, btree_map::Iter<'_, String, usize>, T> {
        Rows {
            keys: self.index.iter(),
            slots: &self.slots,
        }
    }

    /// The records in key order.
    pub(crate) fn values(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.iter().map(|(_, v)| v)
    }

    /// The keys in order.
    pub(crate) fn keys(&self) -> btree_map::Keys<'_, String, usize> {
        self.index.keys()
    }

    /// The records whose keys are in `range`, in key order, with their keys.
    pub(crate) fn range<R: RangeBounds<String>>(
        &self,
        range: R,
    ) -> Rows<'_, btree_map::Range<'_, String, usize>, T> {
        Rows {
            keys: self.index.range(range),
            slots: &self.slots,
        }
    }
}

/// A walk over (some of) a [`Table`]'s records in key order: `keys` walks the index.
pub(crate) struct Rows<'a, I, T> {
    keys: I,
    slots: &'a [Option<T>],
}

impl<'a, I, T> Rows<'a, I, T> {
    fn row(&self, key: &'a String, slot: usize) -> Option<(&'a String, &'a T)> {
        let slots: &'a [Option<T>] = self.slots;
        Some((key, slots.get(slot)?.as_ref()?))
    }
}

impl<'a, I: Iterator<Item = (&'a String, &'a usize)>, T> Iterator for Rows<'a, I, T> {
    type Item = (&'a String, &'a T);
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (k, &slot) = self.keys.next()?;
            if let Some(row) = self.row(k, slot) {
                return Some(row);
            }
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.keys.size_hint()
    }
}

impl<'a, I: DoubleEndedIterator<Item = (&'a String, &'a usize)>, T> DoubleEndedIterator
    for Rows<'a, I, T>
{
    fn next_back(&mut self) -> Option<Self::Item> {
        loop {
            let (k, &slot) = self.keys.next_back()?;
            if let Some(row) = self.row(k, slot) {
                return Some(row);
            }
        }
    }
}

impl<'a, T> IntoIterator for &'a Table<T> {
    type Item = (&'a String, &'a T);
    type IntoIter = Rows<'a, btree_map::Iter<'a, String, usize>, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn behaves_like_an_ordered_map() {
        let mut t = Table::new();
        assert_eq!(t.insert("b".to_owned(), 2), None);
        assert_eq!(t.insert("a".to_owned(), 1), None);
        assert_eq!(t.insert("c".to_owned(), 3), None);
        assert_eq!(t.insert("b".to_owned(), 20), Some(2));
        assert_eq!(t.len(), 3);
        assert_eq!(t.get("b"), Some(&20));
        *t.get_mut("a").unwrap() += 10;
        let all: Vec<_> = t.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(all, [("a", 11), ("b", 20), ("c", 3)]);
        assert_eq!(t.remove("b"), Some(20));
        assert_eq!(t.remove("b"), None);
        assert!(!t.contains_key("b"));
        // A freed slot is reused, and order still follows the keys.
        assert_eq!(t.insert("aa".to_owned(), 5), None);
        let from_b: Vec<_> = t.range("aa".to_owned()..).map(|(_, v)| *v).collect();
        assert_eq!(from_b, [5, 3]);
        t.retain(|k, v| {
            *v += 1;
            k != "c"
        });
        let all: Vec<_> = (&t).into_iter().map(|(k, v)| (k.clone(), *v)).collect();
        assert_eq!(all, [("a".to_owned(), 12), ("aa".to_owned(), 6)]);
        *t.get_or_insert_with("z".to_owned(), || 0) += 1;
        *t.get_or_insert_with("z".to_owned(), || 100) += 1;
        assert_eq!(t.get("z"), Some(&2));
        assert_eq!(t.values().rev().copied().collect::<Vec<_>>(), [2, 6, 12]);
        assert_eq!(t.len(), 3);
        assert_eq!(format!("{t:?}"), r#"{"a": 12, "aa": 6, "z": 2}"#);
    }
}
