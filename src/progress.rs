//! Terminal progress bars for the library's [`prevoir_core::progress::Progress`] hook.

use indicatif::{ProgressBar, ProgressStyle};
use prevoir_core::progress::Progress;
use std::sync::Mutex;

/// An `indicatif` bar per stage, drawn on stderr (hidden when stderr is not a terminal).
pub struct Bar {
    current: Mutex<Option<ProgressBar>>,
}

impl Bar {
    pub fn new() -> Self {
        Self {
            current: Mutex::new(None),
        }
    }
}

impl Progress for Bar {
    fn start(&self, message: &str, total: u64) {
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg:32} [{elapsed_precise}] {wide_bar} {pos}/{len} (eta {eta})",
        ) {
            bar.set_style(style);
        }
        bar.set_message(message.to_owned());
        if let Ok(mut current) = self.current.lock()
            && let Some(previous) = current.replace(bar)
        {
            previous.finish();
        }
    }

    fn advance(&self, steps: u64) {
        if let Ok(current) = self.current.lock()
            && let Some(bar) = current.as_ref()
        {
            bar.inc(steps);
        }
    }

    fn finish(&self) {
        if let Ok(mut current) = self.current.lock()
            && let Some(bar) = current.take()
        {
            bar.finish();
        }
    }
}
