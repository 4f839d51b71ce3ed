//! The generic algorithm (Müllner's "generic clustering", scipy's
//! `fast_linkage`) for centroid and median linkage, whose merge heights can
//! shrink, so the nearest-neighbour chain does not apply. Usually close to
//! Θ(n²); Θ(n³) worst case. Written to take the same steps as scipy, so the
//! output (which scipy does not sort) is identical, ties included.

use super::condensed::{index, Condensed};
use super::heap::Heap;
use super::linkage::{Linkage, Step};
use super::method::Method;
use crate::dtype::Storage;

/// Clusters the `n` points of `dist` (n(n−1)/2 distances, used as
/// scratch: not distances afterwards) with `method` (centroid or median;
/// any method works): scipy's `fast_linkage`, `n − 1` merges in scipy's
/// (unsorted) order. Distances must be finite
/// ([`super::linkage_condensed`] checks).
pub fn generic<T: Storage>(dist: &mut Condensed<T>, method: Method) -> Linkage {
    let n = dist.n();
    if n < 2 {
        return Linkage::from_steps(n, vec![]);
    }
    let d = dist.as_mut_slice();
    let mut size = vec![1usize; n];
    let mut cluster_id: Vec<usize> = (0..n).collect();
    let mut neighbor = vec![0usize; n - 1];
    let mut min_dist = vec![0.0f64; n - 1];
    for x in 0..n - 1 {
        let (y, v) = find_min(n, d, &size, x);
        neighbor[x] = y.unwrap_or(usize::MAX);
        min_dist[x] = v;
    }
    let mut heap = Heap::new(min_dist.clone());
    let mut steps = Vec::with_capacity(n - 1);
    for k in 0..n - 1 {
        let (mut x, mut y, mut dist_xy) = (0, 0, 0.0);
        for _ in 0..n - k {
            let (key, v) = heap.min();
            x = key;
            dist_xy = v;
            y = neighbor[x];
            if y != usize::MAX && dist_xy == d[index(n, x, y)].to_f64() {
                break;
            }
            let (ny, v) = find_min(n, d, &size, x);
            y = ny.unwrap_or(usize::MAX);
            dist_xy = v;
            neighbor[x] = y;
            min_dist[x] = v;
            heap.change_value(x, v);
        }
        heap.remove_min();
        let (mut id_x, mut id_y) = (cluster_id[x], cluster_id[y]);
        let (nx, ny) = (size[x], size[y]);
        if id_x > id_y {
            std::mem::swap(&mut id_x, &mut id_y);
        }
        steps.push(Step {
            a: id_x,
            b: id_y,
            height: dist_xy,
            size: nx + ny,
        });
        size[x] = 0;
        size[y] = nx + ny;
        cluster_id[y] = n + k;
        let (fx, fy) = (nx as f64, ny as f64);
        for z in 0..n {
            let nz = size[z];
            if nz == 0 || z == y {
                continue;
            }
            let zx = pair(n, z, x);
            let zy = pair(n, z, y);
            d[zy] = T::from_f64(method.update(
                d[zx].to_f64(),
                d[zy].to_f64(),
                dist_xy,
                fx,
                fy,
                nz as f64,
            ));
        }
        for z in 0..x {
            if size[z] > 0 && neighbor[z] == x {
                neighbor[z] = y;
            }
        }
        for z in 0..y {
            if size[z] == 0 {
                continue;
            }
            let v = d[index(n, z, y)].to_f64();
            if v < min_dist[z] {
                neighbor[z] = y;
                min_dist[z] = v;
                heap.change_value(z, v);
            }
        }
        if y < n - 1 {
            if let (Some(z), v) = find_min(n, d, &size, y) {
                neighbor[y] = z;
                min_dist[y] = v;
                heap.change_value(y, v);
            }
        }
    }
    Linkage::from_steps(n, steps)
}

/// Nearest live cluster above `x` (strictly smaller wins, lowest index on
/// ties).
fn find_min<T: Storage>(n: usize, d: &[T], size: &[usize], x: usize) -> (Option<usize>, f64) {
    let mut best = f64::INFINITY;
    let mut y = None;
    for i in x + 1..n {
        if size[i] == 0 {
            continue;
        }
        let v = d[index(n, x, i)].to_f64();
        if v < best {
            best = v;
            y = Some(i);
        }
    }
    (y, best)
}

#[inline(always)]
fn pair(n: usize, i: usize, j: usize) -> usize {
    if i < j {
        index(n, i, j)
    } else {
        index(n, j, i)
    }
}
