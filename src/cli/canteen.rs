//! `prevoir data check canteen` and `prevoir samples canteen`: the canteen data edge.

use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(
    after_help = "Reads every file of the directory (required ones must exist; optional context files are \
checked when present), repairs the known quirks and prints what it did: per-file encoding, rows, missing \
values, repairs; pseudo-sites, outliers set aside, menu coverage, strike days.\n\
On the first value that breaks a file's schema it stops with `file:line:column: expected …, found …` and \
exits with status 1.\n\n\
Examples:\n  prevoir data check canteen\n  prevoir data check canteen --data ../shared/data/nantes --json"
)]
pub struct CheckArgs {
    /// Directory in the Nantes layout (raw/, mappings/, calendar/, context/).
    #[arg(long, default_value = "data-samples/canteen")]
    pub data: PathBuf,
    /// Print the quality report as JSON instead of aligned text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SamplesArgs {
    /// Where to write the sample data set.
    #[arg(long, default_value = "data-samples/canteen")]
    pub out: PathBuf,
}

/// `prevoir data check canteen`: loads every file, prints the quality report (text or JSON).
/// A missing required file or a schema error is returned as the error (`file:line:column: …`).
pub fn check(args: CheckArgs) -> anyhow::Result<()> {
    let loaded = canteen_data::load(&args.data)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&loaded.report)?);
        return Ok(());
    }
    println!(
        "Canteen data in {}: {} files read, combined SHA-256 {}\n",
        args.data.display(),
        loaded.files.len(),
        prevoir_core::fingerprint::combined_fingerprint(&loaded.files)
    );
    print!("{}", loaded.report);
    Ok(())
}

/// `prevoir samples canteen`: writes the deterministic sample data set and lists its files.
pub fn samples(args: SamplesArgs) -> anyhow::Result<()> {
    let summary = samples::canteen::generate(&args.out)?;
    println!(
        "Wrote {} files ({} bytes) to {}: {} canteens, {} school days {} → {}, {} strike days, {} attendance rows",
        summary.files.len(),
        summary.total_bytes(),
        summary.out.display(),
        summary.canteens,
        summary.school_days,
        summary.first_date,
        summary.last_date,
        summary.strike_days,
        summary.attendance_rows,
    );
    let width = summary
        .files
        .iter()
        .map(|(path, _)| path.len())
        .max()
        .unwrap_or(0);
    for (path, bytes) in &summary.files {
        println!("  {path:<width$}  {bytes:>9} bytes");
    }
    Ok(())
}
