//! Typed indices: an object, a policy and a cluster are each numbered in their own space, and
//! a [`Table`] can only be indexed by its own kind of index.

use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

/// A position in a [`Table`].
pub trait Idx: Copy + Eq + Ord {
    fn new(i: usize) -> Self;
    fn get(self) -> usize;
}

/// Declare an index type.
macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u32);

        impl $crate::core::index::Idx for $name {
            fn new(i: usize) -> Self {
                $name(u32::try_from(i).expect("fewer than 2^32 items"))
            }
            fn get(self) -> usize {
                self.0 as usize
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

index_type!(
    /// An object of the input, in input order.
    ObjectIdx
);
index_type!(
    /// A BackendConfigPolicy, in merge order (oldest first).
    PolicyIdx
);
index_type!(
    /// A backend and its cluster, in cluster-name order.
    ClusterIdx
);

/// A vector indexed by `I`.
#[derive(Debug, Clone)]
pub struct Table<I, T> {
    items: Vec<T>,
    _index: PhantomData<fn(I)>,
}

impl<I: Idx, T> Table<I, T> {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.items.iter_mut()
    }

    /// `(index, item)` pairs in order.
    pub fn enumerate(&self) -> impl DoubleEndedIterator<Item = (I, &T)> + '_ {
        self.items.iter().enumerate().map(|(i, t)| (I::new(i), t))
    }

    /// Every index, in order.
    pub fn indices(&self) -> impl DoubleEndedIterator<Item = I> + use<I, T> {
        (0..self.items.len()).map(I::new)
    }

    pub fn push(&mut self, item: T) -> I {
        self.items.push(item);
        I::new(self.items.len() - 1)
    }

    /// The items, without their indices.
    pub fn into_vec(self) -> Vec<T> {
        self.items
    }

    pub fn as_slice(&self) -> &[T] {
        &self.items
    }
}

impl<I, T> Default for Table<I, T> {
    fn default() -> Self {
        Table { items: Vec::new(), _index: PhantomData }
    }
}

impl<I, T> From<Vec<T>> for Table<I, T> {
    fn from(items: Vec<T>) -> Self {
        Table { items, _index: PhantomData }
    }
}

impl<I, T> FromIterator<T> for Table<I, T> {
    fn from_iter<It: IntoIterator<Item = T>>(iter: It) -> Self {
        Table { items: iter.into_iter().collect(), _index: PhantomData }
    }
}

impl<I: Idx, T> Index<I> for Table<I, T> {
    type Output = T;
    fn index(&self, i: I) -> &T {
        &self.items[i.get()]
    }
}

impl<I: Idx, T> IndexMut<I> for Table<I, T> {
    fn index_mut(&mut self, i: I) -> &mut T {
        &mut self.items[i.get()]
    }
}

impl<'t, I, T> IntoIterator for &'t Table<I, T> {
    type Item = &'t T;
    type IntoIter = std::slice::Iter<'t, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<I, T> IntoIterator for Table<I, T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    index_type!(TestIdx);

    #[test]
    fn tables_index_by_their_own_type() {
        let mut t: Table<TestIdx, &str> = Table::default();
        let a = t.push("a");
        let b = t.push("b");
        assert_eq!((t[a], t[b]), ("a", "b"));
        assert!(a < b);
        assert_eq!(t.enumerate().map(|(i, s)| (i.get(), *s)).collect::<Vec<_>>(), [(0, "a"), (1, "b")]);
        assert_eq!(t.indices().collect::<Vec<_>>(), [a, b]);
    }
}
