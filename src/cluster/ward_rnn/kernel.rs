//! The scans' products with their screen fused in: `f32` dot products of
//! up to [`ROWS`] queries with a panel of [`LANES`] candidates, kept in
//! registers and tested against each query's threshold before the next
//! panel, instead of a GEMM writing a 512 KiB block that the screen then
//! reads back (the ward profile at 200 000 × 50: the GEMM 37 %, packing
//! its operands 14 %, the second pass of the screen 29 %).
//!
//! Candidates are stored once per scan round in panels (`LANES`
//! candidates side by side for each feature), so nothing is packed per
//! query block; queries are read in place, one feature at a time.
//! Each dot product is a chain of fused multiply-adds in feature order:
//! its error obeys the same bound as any summation order, `γ_d·Σ|q_k c_k|`,
//! which is what the screen's `κ` covers.
//!
//! AVX-512F where the CPU has it (one instruction per 16 lanes: on a
//! CPU that splits 512-bit operations, still half the instructions of
//! AVX2 for the same work); elsewhere the caller keeps its GEMM path.

/// Candidates per panel: two 16-lane `f32` registers.
pub(super) const LANES: usize = 32;
/// Queries per register block: 8 × 2 accumulators, 2 candidate
/// registers and a broadcast: 19 of the 32 AVX-512 registers, 16
/// independent fused multiply-adds per feature.
pub(super) const ROWS: usize = 8;

/// Candidate centroids in panels: panel `p` holds candidates
/// `p·LANES..(p+1)·LANES`, feature by feature (`d × LANES`, row-major);
/// padding lanes are zero.
#[derive(Default)]
pub(super) struct Panels {
    d: usize,
    data: Vec<f32>,
}

impl Panels {
    /// Panels of the `m` row-major `m × d` centroids in `rows`.
    pub(super) fn new(rows: &[f32], m: usize, d: usize) -> Self {
        let mut data = vec![0.0f32; m.div_ceil(LANES) * LANES * d];
        for (c, row) in rows[..m * d].chunks_exact(d).enumerate() {
            let base = (c / LANES) * LANES * d + c % LANES;
            for (k, &v) in row.iter().enumerate() {
                data[base + k * LANES] = v;
            }
        }
        Panels { d, data }
    }

    /// Writes candidate `c`'s centroid.
    pub(super) fn set(&mut self, c: usize, row: &[f32]) {
        let base = (c / LANES) * LANES * self.d + c % LANES;
        for (k, &v) in row.iter().enumerate() {
            self.data[base + k * LANES] = v;
        }
    }

    /// Panel `p`: `d × LANES` values.
    #[inline(always)]
    pub(super) fn panel(&self, p: usize) -> &[f32] {
        &self.data[p * LANES * self.d..(p + 1) * LANES * self.d]
    }
}

/// The dot products of `R` queries (`q`, row-major with stride `d`) with
/// one panel, as `R × LANES` values: `out[r][l] = q_r · c_l`.
///
/// # Safety
/// The CPU must have AVX-512F, and the caller be compiled for it (this
/// is inlined into it); `q` holds at least `R·d` values and `panel`
/// `d × LANES`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) unsafe fn dots<const R: usize>(
    q: &[f32],
    d: usize,
    panel: &[f32],
) -> [[std::arch::x86_64::__m512; 2]; R] {
    use std::arch::x86_64::*;
    debug_assert!(q.len() >= R * d && panel.len() >= d * LANES);
    let mut acc = [[_mm512_setzero_ps(); 2]; R];
    let rows: [*const f32; R] = std::array::from_fn(|r| q.as_ptr().add(r * d));
    let mut pp = panel.as_ptr();
    for k in 0..d {
        let c0 = _mm512_loadu_ps(pp);
        let c1 = _mm512_loadu_ps(pp.add(16));
        pp = pp.add(LANES);
        for (a, row) in acc.iter_mut().zip(&rows) {
            let qv = _mm512_set1_ps(*row.add(k));
            a[0] = _mm512_fmadd_ps(qv, c0, a[0]);
            a[1] = _mm512_fmadd_ps(qv, c1, a[1]);
        }
    }
    acc
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    #[test]
    fn fused_dots_are_the_dot_products_in_panels() {
        if !std::arch::is_x86_feature_detected!("avx512f") {
            return;
        }
        let (m, d) = (77, 13);
        let rows: Vec<f32> = (0..m * d)
            .map(|i| ((i * 7919) % 113) as f32 / 17.0 - 3.0)
            .collect();
        let mut panels = Panels::new(&rows, m, d);
        // A refreshed row lands where `new` would have put it.
        let changed: Vec<f32> = (0..d).map(|k| k as f32 * 0.5).collect();
        panels.set(20, &changed);
        let mut rows2 = rows.clone();
        rows2[20 * d..21 * d].copy_from_slice(&changed);
        assert_eq!(panels.data, Panels::new(&rows2, m, d).data);
        let q = &rows2[3 * d..];
        for p in 0..m.div_ceil(LANES) {
            // SAFETY: AVX-512F checked above; sizes as required.
            let acc = unsafe { dots::<ROWS>(q, d, panels.panel(p)) };
            for (r, a) in acc.iter().enumerate() {
                let mut got = [0.0f32; LANES];
                // SAFETY: 32 floats; AVX-512F checked above.
                unsafe {
                    std::arch::x86_64::_mm512_storeu_ps(got.as_mut_ptr(), a[0]);
                    std::arch::x86_64::_mm512_storeu_ps(got.as_mut_ptr().add(16), a[1]);
                }
                for (l, &g) in got.iter().enumerate() {
                    let c = p * LANES + l;
                    let want: f32 = if c < m {
                        let (qa, cb) = (&q[r * d..(r + 1) * d], &rows2[c * d..(c + 1) * d]);
                        qa.iter().zip(cb).fold(0.0f32, |s, (a, b)| a.mul_add(*b, s))
                    } else {
                        0.0
                    };
                    assert_eq!(g, want, "query {r}, candidate {c}");
                }
            }
        }
    }
}
