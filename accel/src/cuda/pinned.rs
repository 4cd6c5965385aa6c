//! A page-locked (pinned) host buffer for staging transfers, reused across calls.
//!
//! Copies from pinned memory run at full bus speed and without the driver's intermediate
//! copy, so scalars, NTT vectors and EC-NTT points are converted straight into this buffer
//! and copied from there. It grows to the largest job up to [`MAX_PINNED_BYTES`]; larger
//! jobs, and every job after an allocation fails (logged once), use ordinary (pageable)
//! memory, which is slower but equally correct.

use std::ops::{Deref, DerefMut};

use super::ffi;

/// Largest pinned buffer: pinned memory is taken from the host for good, so it is bounded
/// (256 MiB: 2^23 scalars or NTT elements, 2^21 Jacobian points).
pub(super) const MAX_PINNED_BYTES: usize = 256 << 20;
/// Smallest allocation, so that small jobs do not reallocate as sizes creep up.
const MIN_PINNED_BYTES: usize = 1 << 20;

/// What staging `need` bytes takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Plan {
    /// The current buffer is large enough.
    Reuse,
    /// Replace the buffer by one of this many bytes.
    Grow(usize),
    /// Use pageable memory for this job.
    Pageable,
}

/// The staging decision for `need` bytes with a buffer of `capacity` bytes.
pub(super) fn plan(capacity: usize, need: usize, max: usize, disabled: bool) -> Plan {
    if need == 0 || (need <= capacity && !disabled) {
        return if need == 0 { Plan::Pageable } else { Plan::Reuse };
    }
    if disabled || need > max {
        return Plan::Pageable;
    }
    Plan::Grow(need.next_power_of_two().clamp(MIN_PINNED_BYTES, max).max(need))
}

/// Elements that may live in the pinned buffer: arrays of 64-bit limbs (any bit pattern is
/// a valid value, alignment 8).
pub(super) trait Words: Copy + Default {}
impl Words for [u64; 4] {}
impl Words for [u64; 12] {}

/// Staged elements: in the pinned buffer, or in a vector when that is not possible.
pub(super) enum Staged<'a, T> {
    /// A prefix of the pinned buffer.
    Pinned(&'a mut [T]),
    /// Pageable memory.
    Pageable(Vec<T>),
}

impl<T> Deref for Staged<'_, T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            Staged::Pinned(s) => s,
            Staged::Pageable(v) => v,
        }
    }
}

impl<T> DerefMut for Staged<'_, T> {
    fn deref_mut(&mut self) -> &mut [T] {
        match self {
            Staged::Pinned(s) => s,
            Staged::Pageable(v) => v,
        }
    }
}

impl<T> Staged<'_, T> {
    /// Whether the elements are in pinned memory.
    #[cfg(test)]
    pub(super) fn is_pinned(&self) -> bool {
        matches!(self, Staged::Pinned(_))
    }
}

/// The buffer: null until first used.
#[derive(Debug)]
pub(super) struct PinnedBuffer {
    ptr: *mut u8,
    capacity: usize,
    disabled: bool,
}

// SAFETY: the buffer is plain host memory owned by this value; the backend only touches it
// while holding its device lock, so it is never used from two threads at once.
unsafe impl Send for PinnedBuffer {}

impl Default for PinnedBuffer {
    fn default() -> Self {
        PinnedBuffer { ptr: std::ptr::null_mut(), capacity: 0, disabled: false }
    }
}

impl PinnedBuffer {
    /// `len` default elements, pinned if possible.
    pub(super) fn stage<T: Words>(&mut self, len: usize) -> Staged<'_, T> {
        let need = len.saturating_mul(size_of::<T>());
        match plan(self.capacity, need, MAX_PINNED_BYTES, self.disabled) {
            Plan::Pageable => return Staged::Pageable(vec![T::default(); len]),
            Plan::Grow(bytes) => {
                if !self.grow(bytes) {
                    return Staged::Pageable(vec![T::default(); len]);
                }
            }
            Plan::Reuse => {}
        }
        // SAFETY: `ptr` is a live allocation of `capacity ≥ need` bytes from cudaHostAlloc
        // (page-aligned, so aligned for u64 arrays), exclusively borrowed through `&mut
        // self` for the returned lifetime; `T` is an array of u64, valid for any bits.
        let slice = unsafe { std::slice::from_raw_parts_mut(self.ptr.cast::<T>(), len) };
        slice.fill(T::default());
        Staged::Pinned(slice)
    }

    /// Replaces the buffer by one of `bytes`; false (and pinning disabled) on failure.
    fn grow(&mut self, bytes: usize) -> bool {
        self.release();
        let mut ptr = std::ptr::null_mut();
        // SAFETY: `ptr` is a valid out-pointer; on failure the callee leaves it null.
        let code = unsafe { ffi::doppio_cuda_host_alloc(&mut ptr, bytes) };
        if code != 0 || ptr.is_null() {
            tracing::warn!(
                bytes,
                code,
                "accel cuda: cudaHostAlloc failed; staging through pageable memory from now on"
            );
            self.disabled = true;
            return false;
        }
        self.ptr = ptr.cast();
        self.capacity = bytes;
        true
    }

    fn release(&mut self) {
        if !self.ptr.is_null() {
            // SAFETY: `ptr` came from doppio_cuda_host_alloc and is freed once (nulled below);
            // no staged slice outlives the `&mut self` borrow that led here.
            let code = unsafe { ffi::doppio_cuda_host_free(self.ptr.cast()) };
            if code != 0 {
                tracing::warn!(code, "accel cuda: cudaFreeHost failed");
            }
        }
        self.ptr = std::ptr::null_mut();
        self.capacity = 0;
    }
}

impl Drop for PinnedBuffer {
    fn drop(&mut self) {
        self.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: usize = 1 << 20;

    #[test]
    fn staging_plan_reuses_grows_within_bounds_and_falls_back_to_pageable() {
        let max = MAX_PINNED_BYTES;
        assert_eq!(plan(0, 0, max, false), Plan::Pageable, "nothing to stage");
        assert_eq!(plan(0, 100, max, false), Plan::Grow(MIN_PINNED_BYTES), "at least 1 MiB");
        assert_eq!(plan(MIB, 100, max, false), Plan::Reuse);
        assert_eq!(plan(MIB, MIB, max, false), Plan::Reuse);
        assert_eq!(plan(MIB, 3 * MIB, max, false), Plan::Grow(4 * MIB), "next power of two");
        assert_eq!(plan(MIB, max - 1, max, false), Plan::Grow(max), "capped");
        assert_eq!(plan(MIB, max, max, false), Plan::Grow(max));
        assert_eq!(plan(max, max + 1, max, false), Plan::Pageable, "too large to pin");
        assert_eq!(plan(0, 100, max, true), Plan::Pageable, "after a failed allocation");
        assert_eq!(plan(MIB, 100, max, true), Plan::Pageable);
        // A non-power-of-two cap never gives less than asked.
        assert_eq!(plan(0, 3 * MIB, 3 * MIB, false), Plan::Grow(3 * MIB));
    }

    #[test]
    fn failed_pinned_allocation_stages_pageable_memory() {
        // Without a GPU (or driver), cudaHostAlloc fails: the buffer must then hand out
        // pageable memory, disable itself, and keep working. With a device it pins.
        let mut buffer = PinnedBuffer::default();
        let pinned = {
            let mut staged = buffer.stage::<[u64; 4]>(1000);
            assert_eq!(staged.len(), 1000);
            assert!(staged.iter().all(|w| *w == [0; 4]));
            staged[999] = [1, 2, 3, 4];
            staged.is_pinned()
        };
        assert_eq!(buffer.disabled, !pinned);
        let staged = buffer.stage::<[u64; 12]>(10);
        assert!(staged.iter().all(|w| *w == [0; 12]), "reused memory is cleared");
        assert_eq!(staged.is_pinned(), pinned);
        assert!(buffer.stage::<[u64; 4]>(0).is_empty());
    }
}
