//! A raw pointer shared by parallel tasks that each write a disjoint part
//! of one large buffer.

/// A raw pointer into a large buffer, shared by parallel tasks that each
/// write a disjoint part of it (Gram tiles, the halves of an NN-chain
/// update). The caller's `unsafe` block states why the parts are disjoint.
#[derive(Debug)]
pub struct SharedMut<T>(pub *mut T);

impl<T> Clone for SharedMut<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for SharedMut<T> {}
// SAFETY: only a pointer is shared; every use writes a part of the buffer
// no other task touches (stated at each use).
unsafe impl<T: Send> Send for SharedMut<T> {}
unsafe impl<T: Send> Sync for SharedMut<T> {}
