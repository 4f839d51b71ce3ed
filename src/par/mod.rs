//! Parallel helpers beyond rayon: a spin-waiting two-thread fork-join for
//! the linkage loops ([`spin_join`]) and a pointer for disjoint parallel
//! writes ([`shared_mut`]). Every `unsafe` use states its invariant.

pub mod shared_mut;
pub mod spin_join;

pub use shared_mut::SharedMut;
pub use spin_join::{with_spin_join, SpinJoin};
