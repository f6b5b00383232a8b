//! Dense symmetric positive-definite solves for the leak pipeline: the hydraulic solver's Newton
//! steps and sensitivities, and the sensors' least-squares normal equations. The factorisation and
//! the triangular solves are linfa-linalg's; this module only adapts the row-major buffers the
//! callers assemble and refuses matrices that are not (numerically) positive definite.

use linfa_linalg::cholesky::CholeskyInplace;
use linfa_linalg::triangular::{SolveTriangularInplace, UPLO};
use ndarray::Array2;

/// Pivots at or below this are treated as zero: the matrix is singular for our purposes.
const MIN_PIVOT: f64 = 1e-300;

/// The Cholesky factor `L` (`A = L Lᵀ`) of a symmetric positive-definite matrix, reusable for
/// several right-hand sides.
#[derive(Debug, Clone)]
pub struct Cholesky {
    l: Array2<f64>,
}

impl Cholesky {
    /// Factors the row-major `n × n` matrix `a` (only its lower triangle is read); `None` when it
    /// is not `n × n` or not positive definite (a pivot ≤ 0, tiny or NaN).
    pub fn factor(a: Vec<f64>, n: usize) -> Option<Self> {
        let l = Array2::from_shape_vec((n, n), a)
            .ok()?
            .cholesky_into()
            .ok()?;
        let pivots_ok = l.diag().iter().all(|d| *d > MIN_PIVOT && d.is_finite());
        pivots_ok.then_some(Self { l })
    }

    /// Solves `A x = b`; `None` when `b` does not have `n` elements or the solution is not finite.
    pub fn solve(&self, b: &[f64]) -> Option<Vec<f64>> {
        let mut x = Array2::from_shape_vec((b.len(), 1), b.to_vec()).ok()?;
        self.l.solve_triangular_inplace(&mut x, UPLO::Lower).ok()?;
        self.l
            .t()
            .solve_triangular_inplace(&mut x, UPLO::Upper)
            .ok()?;
        let x: Vec<f64> = x.into_iter().collect();
        x.iter().all(|v| v.is_finite()).then_some(x)
    }
}

/// Solves `A x = b` for a symmetric positive-definite `A` (row-major `n × n`); `None` when `A` is
/// not positive definite.
pub fn solve_spd(a: Vec<f64>, n: usize, b: &[f64]) -> Option<Vec<f64>> {
    Cholesky::factor(a, n)?.solve(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_small_spd_system() {
        // A = [[4, 2, 0], [2, 5, 1], [0, 1, 3]], x = [1, -2, 3] → b = A x.
        let a = vec![4.0, 2.0, 0.0, 2.0, 5.0, 1.0, 0.0, 1.0, 3.0];
        let b = [0.0, -5.0, 7.0];
        let x = solve_spd(a.clone(), 3, &b).unwrap();
        for (got, want) in x.iter().zip([1.0, -2.0, 3.0]) {
            assert!((got - want).abs() < 1e-12, "{x:?}");
        }
        // One factor, several right-hand sides.
        let chol = Cholesky::factor(a, 3).unwrap();
        let unit = chol.solve(&[1.0, 0.0, 0.0]).unwrap();
        assert!((4.0 * unit[0] + 2.0 * unit[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn refuses_what_is_not_positive_definite() {
        // Indefinite, singular, NaN, and a wrong size.
        assert!(solve_spd(vec![1.0, 2.0, 2.0, 1.0], 2, &[1.0, 1.0]).is_none());
        assert!(solve_spd(vec![1.0, 1.0, 1.0, 1.0], 2, &[1.0, 1.0]).is_none());
        assert!(solve_spd(vec![f64::NAN, 0.0, 0.0, 1.0], 2, &[1.0, 1.0]).is_none());
        assert!(solve_spd(vec![1.0, 0.0, 0.0], 2, &[1.0, 1.0]).is_none());
        assert!(
            Cholesky::factor(vec![1.0, 0.0, 0.0, 1.0], 2)
                .unwrap()
                .solve(&[1.0])
                .is_none()
        );
    }
}
