//! Loads the real Nantes open data (`PREVOIR_OPEN_DATA`) and checks facts verified by hand on the
//! files (Python `csv` counts, `grep`, `file`), and the published facts of the data README.

mod common;

use std::collections::{BTreeSet, HashSet};

use canteen_data::{Disease, report::FileStatus};
use chrono::{Datelike, Weekday};
use common::d;

#[test]
fn real_nantes_data() {
    let Some(dir) = common::nantes_dir("real_nantes_data") else {
        return;
    };
    let loaded = canteen_data::load(&dir).unwrap();
    let data = &loaded.data;
    let report = &loaded.report;

    // Canteens: 87, the trailing-space key exists and is the only EMILE PEHANT.
    assert_eq!(data.canteens.len(), 87);
    assert!(data.canteens.iter().any(|c| c.name == "EMILE PEHANT "));
    assert!(!data.canteens.iter().any(|c| c.name == "EMILE PEHANT"));

    // Attendance: one sorted row per canteen-day, 2011-01-03 → 2018-07-06, no March 2015.
    let a = &data.attendance;
    assert!(
        a.windows(2)
            .all(|w| (&w[0].canteen, w[0].date) < (&w[1].canteen, w[1].date))
    );
    assert_eq!(a.iter().map(|x| x.date).min(), Some(d("2011-01-03")));
    assert_eq!(a.iter().map(|x| x.date).max(), Some(d("2018-07-06")));
    assert!(
        !a.iter()
            .any(|x| x.date.year() == 2015 && x.date.month() == 3)
    );
    assert_eq!(a.len(), 86_877);
    assert_eq!(
        a.iter()
            .map(|x| x.canteen.as_str())
            .collect::<HashSet<_>>()
            .len(),
        87
    );
    assert!(a.iter().any(|x| x.canteen == "EMILE PEHANT "));
    assert_eq!(report.attendance.dates, 1008);
    assert_eq!(
        report.attendance.by_weekday[Weekday::Wed.num_days_from_monday() as usize],
        773
    );
    // Real zeros are kept.
    assert_eq!(a.iter().filter(|x| x.actual == Some(0)).count(), 392);
    // The halves of CHENE D'ARON M on 2011-01-21 (CHENE DARON: forecast 73; CHENE D'ARON: actual 63).
    let day = a
        .iter()
        .find(|x| x.canteen == "CHENE D'ARON M" && x.date == d("2011-01-21"))
        .unwrap();
    assert_eq!((day.agents_forecast, day.actual), (Some(73), Some(63)));
    // ALAIN FOURNIER E sums its E and M sites: 2016-04-25 is 75+47 forecast, 51+42 actual.
    let day = a
        .iter()
        .find(|x| x.canteen == "ALAIN FOURNIER E" && x.date == d("2016-04-25"))
        .unwrap();
    assert_eq!((day.agents_forecast, day.actual), (Some(122), Some(93)));

    // Pseudo-sites: 5, 1,250 rows; the no-space EMILE PEHANT target is not a listed canteen.
    assert_eq!(report.attendance.pseudo_sites.len(), 5);
    assert_eq!(
        report
            .attendance
            .pseudo_sites
            .iter()
            .map(|s| s.rows)
            .sum::<usize>(),
        1250
    );
    assert!(report.attendance.unmapped_sites.is_empty());
    let unlisted: Vec<_> = report
        .attendance
        .unlisted_canteens
        .iter()
        .map(|c| (c.canteen.as_str(), c.rows))
        .collect();
    assert_eq!(unlisted, vec![("EMILE PEHANT", 570)]);

    // Spikes: 8 set aside, among them 1,130 where the median is 88.
    assert_eq!(report.attendance.outliers.len(), 8);
    let spike = report
        .attendance
        .outliers
        .iter()
        .find(|o| o.canteen == "ANATOLE DE MONZIE")
        .unwrap();
    assert_eq!(
        (spike.date, spike.value, spike.canteen_median),
        (d("2017-12-19"), 1130, 88.0)
    );
    let day = a
        .iter()
        .find(|x| x.canteen == "ANATOLE DE MONZIE" && x.date == d("2017-12-19"))
        .unwrap();
    assert_eq!((day.agents_forecast, day.actual), (Some(133), None));

    // README facts for 2017-2018: the agents over-produced by 9.2 % of meals served (sum of
    // positive errors per canteen-day), and were below the actual on 18 % of canteen-days.
    let year: Vec<(u32, u32)> = a
        .iter()
        .filter(|x| x.date >= d("2017-09-04") && x.date <= d("2018-07-07"))
        .filter_map(|x| Some((x.agents_forecast?, x.actual?)))
        .collect();
    let over: u64 = year.iter().map(|(f, a)| f.saturating_sub(*a) as u64).sum();
    let served: u64 = year.iter().map(|(_, a)| *a as u64).sum();
    let overproduction = over as f64 / served as f64;
    assert!(
        (0.0915..0.0925).contains(&overproduction),
        "{overproduction}"
    );
    let below = year.iter().filter(|(f, a)| f < a).count() as f64 / year.len() as f64;
    assert!((0.175..0.185).contains(&below), "{below}");

    // Strikes: 173 days, 41 with attendance; 16 of them in 2017-2018 (README).
    assert_eq!(data.strikes.len(), 173);
    assert!(data.strikes.windows(2).all(|w| w[0].date < w[1].date));
    assert_eq!(report.strikes.with_attendance, 41);
    assert_eq!(
        (
            report.strikes.rows_without_actual,
            report.strikes.without_attendance
        ),
        (26, 48)
    );
    let with_actual: HashSet<_> = a
        .iter()
        .filter(|x| x.actual.is_some())
        .map(|x| x.date)
        .collect();
    let in_2017_18 = data
        .strikes
        .iter()
        .filter(|s| {
            s.date >= d("2017-09-04") && s.date <= d("2018-07-07") && with_actual.contains(&s.date)
        })
        .count();
    assert_eq!(in_2017_18, 16);

    // Menus: 2,114 dates from the export, none from Feb to Aug 2013; the variants agree.
    assert_eq!(data.menus.len(), 2114);
    assert!(
        !data
            .menus
            .iter()
            .any(|m| m.date >= d("2013-02-01") && m.date <= d("2013-08-31"))
    );
    assert!(
        data.menus
            .iter()
            .all(|m| !m.dishes.is_empty() && m.dishes.iter().all(|x| x != "-" && x.trim() == x))
    );
    let sources: Vec<_> = report
        .menus
        .sources
        .iter()
        .map(|s| (s.dates_supplied, s.dates_agreeing, s.dates_differing))
        .collect();
    assert_eq!(sources, vec![(2114, 0, 0), (0, 1267, 0), (0, 847, 0)]);
    assert_eq!(report.menus.strike_menu_dates.len(), 49);
    assert!(report.menus.strike_menu_dates.contains(&d("2016-09-15")));

    // Calendars.
    assert_eq!(data.school_years.len(), 11);
    assert_eq!(data.holidays.len(), 56);
    assert!(data.holidays.windows(2).all(|w| w[0].start <= w[1].start));
    assert!(
        data.public_holidays
            .iter()
            .any(|h| h.date == d("2016-05-05") && h.name == "Ascension")
    );
    // Religious flags: 3,273 days to 2019-12-19, plus Ramadan 2020 and 2021 from ramadan.csv.
    assert_eq!(data.religious.len(), 3273 + 60);
    assert_eq!(
        data.religious.iter().filter(|r| r.ramadan).count(),
        269 + 60
    );

    // Epidemics: Pays de la Loire only, weeks start on Mondays.
    let weeks = |disease| {
        data.epidemics
            .iter()
            .filter(|e| e.disease == disease)
            .count()
    };
    assert_eq!(
        (
            weeks(Disease::Flu),
            weeks(Disease::Diarrhoea),
            weeks(Disease::Chickenpox)
        ),
        (1872, 1554, 1554)
    );
    assert!(
        data.epidemics
            .iter()
            .all(|e| e.week_start.weekday() == Weekday::Mon)
    );

    // Enrolment: 121 schools → 87 canteens, 10 school years.
    let years: BTreeSet<_> = data
        .enrolment
        .iter()
        .map(|e| e.school_year.as_str())
        .collect();
    assert_eq!(years.len(), 10);
    assert_eq!(
        data.enrolment
            .iter()
            .map(|e| e.canteen.as_str())
            .collect::<HashSet<_>>()
            .len(),
        87
    );
    assert_eq!(data.enrolment.len(), 868);

    // Every file read, optional ones included, fingerprinted with relative paths.
    assert_eq!(loaded.files.len(), 23);
    assert!(report.files.iter().all(|f| f.status == FileStatus::Read));
    assert!(
        loaded
            .files
            .iter()
            .any(|f| f.path == "raw/frequentation.csv" && f.bytes == 3_196_998)
    );
    assert!(
        loaded
            .files
            .iter()
            .all(|f| f.sha256.len() == 64 && !f.path.starts_with('/'))
    );

    // The report reads in a terminal and serialises.
    let text = loaded.report.to_string();
    assert!(text.contains("EMILE PEHANT"));
    serde_json::to_string(&loaded.report).unwrap();
}
