//! An indexed binary min-heap (keys `0..n`, values changeable), used by the
//! generic linkage. Sift rules mirror scipy's `Heap` so that equal values
//! come out in the same order as scipy's, which decides ties.

pub(crate) struct Heap {
    index_by_key: Vec<usize>,
    key_by_index: Vec<usize>,
    values: Vec<f64>,
    size: usize,
}

impl Heap {
    /// Heapifies `values` (key `i` has value `values[i]`) in linear time.
    pub(crate) fn new(values: Vec<f64>) -> Self {
        let size = values.len();
        let mut h = Heap {
            index_by_key: (0..size).collect(),
            key_by_index: (0..size).collect(),
            values,
            size,
        };
        for i in (0..size / 2).rev() {
            h.sift_down(i);
        }
        h
    }

    /// The key with the smallest value, and that value.
    pub(crate) fn min(&self) -> (usize, f64) {
        (self.key_by_index[0], self.values[0])
    }

    pub(crate) fn remove_min(&mut self) {
        self.swap(0, self.size - 1);
        self.size -= 1;
        self.sift_down(0);
    }

    pub(crate) fn change_value(&mut self, key: usize, value: f64) {
        let index = self.index_by_key[key];
        let old = self.values[index];
        self.values[index] = value;
        if value < old {
            self.sift_up(index);
        } else {
            self.sift_down(index);
        }
    }

    fn sift_up(&mut self, mut index: usize) {
        while index > 0 {
            let parent = (index - 1) >> 1;
            if self.values[parent] > self.values[index] {
                self.swap(index, parent);
                index = parent;
            } else {
                break;
            }
        }
    }

    fn sift_down(&mut self, mut index: usize) {
        let mut child = 2 * index + 1;
        while child < self.size {
            if child + 1 < self.size && self.values[child + 1] < self.values[child] {
                child += 1;
            }
            if self.values[index] > self.values[child] {
                self.swap(index, child);
                index = child;
                child = 2 * index + 1;
            } else {
                break;
            }
        }
    }

    fn swap(&mut self, i: usize, j: usize) {
        self.values.swap(i, j);
        let (ki, kj) = (self.key_by_index[i], self.key_by_index[j]);
        self.key_by_index[i] = kj;
        self.key_by_index[j] = ki;
        self.index_by_key[ki] = j;
        self.index_by_key[kj] = i;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_order_and_tracks_changes() {
        let mut h = Heap::new(vec![5.0, 3.0, 8.0, 1.0, 9.0]);
        assert_eq!(h.min(), (3, 1.0));
        h.change_value(2, 0.5);
        assert_eq!(h.min(), (2, 0.5));
        h.remove_min();
        assert_eq!(h.min(), (3, 1.0));
        h.remove_min();
        assert_eq!(h.min(), (1, 3.0));
    }
}
