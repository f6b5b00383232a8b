//! `prevoir demo`: the newcomer's first run on the shipped samples.

use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the reports.
    #[arg(long, default_value = "out/demo")]
    pub out: PathBuf,
}

pub fn run(_args: DemoArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
