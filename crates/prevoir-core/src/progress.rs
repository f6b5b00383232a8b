//! Progress reporting for long jobs, without tying libraries to a terminal library: libraries take
//! a `&dyn Progress`, the binary passes an `indicatif` bar, tests pass [`NoProgress`].

/// Receives progress of a long computation. Implementations must be cheap to call.
pub trait Progress: Sync {
    /// Starts a new stage of `total` steps, described by `message`.
    fn start(&self, message: &str, total: u64);
    /// `steps` more steps of the current stage are done.
    fn advance(&self, steps: u64);
    /// The current stage is done.
    fn finish(&self);
}

/// Ignores progress.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _message: &str, _total: u64) {}
    fn advance(&self, _steps: u64) {}
    fn finish(&self) {}
}
