//! Prepared bases kept on the device between calls, and memory admission: the host-side
//! bookkeeping, free of CUDA calls so that it is tested without a GPU.
//!
//! A resident set is keyed by [`crate::PreparedBases::id`] and holds a handle whose `Drop`
//! frees its device memory. Admission of a job compares the device's free memory with the
//! job's estimate plus headroom; resident sets already count as in use there (their memory
//! is allocated), and when a job does not fit, the least recently used sets other than the
//! one the job needs are evicted first if that makes it fit.

use std::collections::HashMap;

/// One resident set: its handle, estimated device bytes, and when it was last used.
#[derive(Debug)]
struct Entry<H> {
    handle: H,
    bytes: u64,
    last_use: u64,
}

/// The resident sets of one device.
#[derive(Debug)]
pub(super) struct ResidentSets<H> {
    entries: HashMap<u64, Entry<H>>,
    /// A logical clock for least-recently-used eviction.
    clock: u64,
}

impl<H> Default for ResidentSets<H> {
    fn default() -> Self {
        ResidentSets { entries: HashMap::new(), clock: 0 }
    }
}

/// What admitting a job takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Admission {
    /// It fits as things are.
    Fits,
    /// It fits once these resident sets (least recently used first) are freed.
    Evict(Vec<u64>),
    /// It does not fit even with every evictable set freed.
    DoesNotFit,
}

impl<H> ResidentSets<H> {
    /// The handle of set `id`, marked as just used.
    pub(super) fn touch(&mut self, id: u64) -> Option<&H> {
        self.clock += 1;
        let now = self.clock;
        self.entries.get_mut(&id).map(|e| {
            e.last_use = now;
            &e.handle
        })
    }

    /// Adds set `id` (replacing any previous one, which is returned).
    pub(super) fn insert(&mut self, id: u64, handle: H, bytes: u64) -> Option<H> {
        self.clock += 1;
        let entry = Entry { handle, bytes, last_use: self.clock };
        self.entries.insert(id, entry).map(|e| e.handle)
    }

    /// Removes set `id`, returning its handle (dropping it frees the device memory).
    pub(super) fn remove(&mut self, id: u64) -> Option<H> {
        self.entries.remove(&id).map(|e| e.handle)
    }

    /// Estimated device bytes of every resident set.
    pub(super) fn bytes(&self) -> u64 {
        self.entries.values().map(|e| e.bytes).sum()
    }

    /// Number of resident sets.
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The least recently used set.
    pub(super) fn oldest(&self) -> Option<u64> {
        self.entries.iter().min_by_key(|(_, e)| e.last_use).map(|(id, _)| *id)
    }

    /// Whether a job needing `need` bytes fits in `free` bytes with `headroom` to spare,
    /// possibly after evicting sets other than `keep`, least recently used first.
    pub(super) fn plan(&self, free: u64, need: u64, headroom: u64, keep: Option<u64>) -> Admission {
        let want = need.saturating_add(headroom);
        if want <= free {
            return Admission::Fits;
        }
        let mut candidates: Vec<(u64, &Entry<H>)> = self
            .entries
            .iter()
            .filter(|(id, _)| Some(**id) != keep)
            .map(|(id, e)| (*id, e))
            .collect();
        candidates.sort_by_key(|(_, e)| e.last_use);
        let mut freed = free;
        let mut evict = Vec::new();
        for (id, e) in candidates {
            evict.push(id);
            freed = freed.saturating_add(e.bytes);
            if want <= freed {
                return Admission::Evict(evict);
            }
        }
        Admission::DoesNotFit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    /// A handle that records its release, like the device handle's `Drop`.
    struct Probe(u64, std::rc::Rc<std::cell::RefCell<Vec<u64>>>);

    impl Drop for Probe {
        fn drop(&mut self) {
            self.1.borrow_mut().push(self.0);
        }
    }

    #[test]
    fn resident_bytes_count_and_removal_releases_the_handle() {
        let freed = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let mut sets = ResidentSets::default();
        assert_eq!((sets.len(), sets.bytes()), (0, 0));
        assert!(sets.insert(1, Probe(1, freed.clone()), 100 * MIB).is_none());
        assert!(sets.insert(2, Probe(2, freed.clone()), 50 * MIB).is_none());
        assert_eq!((sets.len(), sets.bytes()), (2, 150 * MIB));
        assert!(sets.touch(1).is_some());
        assert!(sets.touch(3).is_none());
        drop(sets.remove(1));
        assert_eq!(*freed.borrow(), vec![1]);
        assert!(sets.remove(1).is_none(), "removed once");
        assert_eq!(sets.bytes(), 50 * MIB);
        // Replacing a set hands back the old handle.
        drop(sets.insert(2, Probe(20, freed.clone()), 60 * MIB));
        assert_eq!(*freed.borrow(), vec![1, 2]);
        assert_eq!(sets.bytes(), 60 * MIB);
        drop(sets);
        assert_eq!(*freed.borrow(), vec![1, 2, 20], "dropping the sets frees the rest");
    }

    #[test]
    fn admission_evicts_least_recently_used_sets_but_never_the_one_kept() {
        let mut sets = ResidentSets::default();
        sets.insert(1, (), 400 * MIB);
        sets.insert(2, (), 300 * MIB);
        sets.insert(3, (), 200 * MIB);
        sets.touch(1); // now 2 is the least recently used, then 3, then 1
        assert_eq!(sets.oldest(), Some(2));
        let headroom = 100 * MIB;
        assert_eq!(sets.plan(1000 * MIB, 900 * MIB, headroom, None), Admission::Fits);
        assert_eq!(sets.plan(500 * MIB, 600 * MIB, headroom, None), Admission::Evict(vec![2]));
        assert_eq!(sets.plan(500 * MIB, 750 * MIB, headroom, None), Admission::Evict(vec![2, 3]));
        // The set the job runs over stays, even if it is the oldest.
        assert_eq!(sets.plan(500 * MIB, 600 * MIB, headroom, Some(2)), Admission::Evict(vec![3]));
        assert_eq!(sets.plan(0, 900 * MIB, headroom, Some(1)), Admission::DoesNotFit);
        assert_eq!(sets.plan(0, 800 * MIB, headroom, None), Admission::Evict(vec![2, 3, 1]));
        assert_eq!(sets.plan(0, 900 * MIB + 1, headroom, None), Admission::DoesNotFit);
        assert_eq!(sets.plan(10 * MIB, u64::MAX, headroom, Some(1)), Admission::DoesNotFit);
    }
}
