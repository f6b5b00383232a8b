//! Loads the sample data set shipped in `data-samples/canteen` (written by
//! `prevoir samples canteen`) and checks it is clean and exercises the real quirks.

mod common;

use canteen_data::CanteenKind;
use common::d;

#[test]
fn shipped_sample_loads_cleanly_with_the_nantes_quirks() {
    let dir = common::workspace_root().join("data-samples/canteen");
    assert!(
        dir.is_dir(),
        "{} is missing: run `prevoir samples canteen`",
        dir.display()
    );
    let loaded = canteen_data::load(&dir).unwrap();
    let (data, report) = (&loaded.data, &loaded.report);

    assert_eq!(data.canteens.len(), 7);
    for kind in [
        CanteenKind::Nursery,
        CanteenKind::Primary,
        CanteenKind::Both,
    ] {
        assert!(data.canteens.iter().any(|c| c.kind == kind), "{kind:?}");
    }
    assert!(data.canteens.iter().any(|c| c.name.ends_with(' ')));
    assert_eq!(
        data.attendance.iter().map(|a| a.date).min(),
        Some(d("2015-09-01"))
    );
    assert_eq!(
        data.attendance.iter().map(|a| a.date).max(),
        Some(d("2018-07-06"))
    );
    // Three school years for every canteen, one row per canteen-day.
    assert_eq!(report.attendance.canteens, 7);
    assert_eq!(data.attendance.len(), 7 * report.attendance.dates);
    assert_eq!(
        data.school_years
            .iter()
            .filter(|y| y.start >= d("2015-09-01"))
            .count(),
        4
    );

    // Quirks, each seen and repaired.
    assert_eq!(report.attendance.pseudo_sites.len(), 1);
    assert!(report.attendance.unmapped_sites.is_empty());
    assert!(report.attendance.unlisted_canteens.is_empty());
    assert!(report.attendance.canteens_without_attendance.is_empty());
    assert!(report.attendance.rows_renamed > 0);
    let repairs = &report.files[0].repairs;
    assert!(repairs["canteen-days joined from forecast-only and actual-only halves"] > 100);
    assert!(repairs["canteen-days summed from several sites (M + E, old + new name)"] > 400);
    assert_eq!(report.attendance.outliers.len(), 1);
    assert!(report.attendance.forecast_outliers.is_empty());
    assert!(report.attendance.actual_zero > 0);
    assert_eq!(report.menus.school_days_with_menu, report.menus.school_days);
    assert!(!report.menus.strike_menu_dates.is_empty());
    assert_eq!(report.strikes.strike_days, 15);
    assert!(data.holidays.windows(2).all(|w| w[0].start <= w[1].start));
    assert!(
        data.religious
            .iter()
            .any(|r| r.ramadan && r.date.format("%Y").to_string() == "2019")
    );
    assert_eq!(data.epidemics.len(), 3 * 171);
    assert_eq!(data.enrolment.len(), 7 * 5);
}
