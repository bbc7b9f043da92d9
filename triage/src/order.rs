//! Sorting through one instantiation of the standard library's stable
//! sort: each type sorted with `sort_by` costs the WASM download several
//! KB of its own, so everything triage orders goes through the indices.

use std::cmp::Ordering;

/// The stable order of `n` items, compared by index.
pub fn by(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|a, b| cmp(*a, *b));
    order
}

/// `items` sorted by `cmp`, stably (as `sort_by` would).
pub fn sorted<T>(items: Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) -> Vec<T> {
    let order = by(items.len(), &|a, b| cmp(&items[a], &items[b]));
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order.iter().filter_map(|&i| slots[i].take()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_is_stable_like_sort_by() {
        let items = vec![(2, 'a'), (1, 'b'), (2, 'c'), (0, 'd'), (1, 'e')];
        let mut expected = items.clone();
        expected.sort_by_key(|a| a.0);
        assert_eq!(sorted(items, |a, b| a.0.cmp(&b.0)), expected);
        assert!(sorted(Vec::<u8>::new(), Ord::cmp).is_empty());
    }
}
