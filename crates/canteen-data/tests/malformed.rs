//! Hand-made malformed inputs: every schema error names `file:line:column`, what was expected and
//! what was found; a missing required file names the path it expected.

use std::path::Path;

use canteen_data::files::{self, Table, read_table};
use canteen_data::{attendance, calendar, epidemics, menus, report::FileReport};

/// Writes `relative` under a new temporary directory and reads it as `spec`.
fn table(dir: &Path, spec: files::FileSpec, content: &str) -> Result<Table, String> {
    let path = dir.join(spec.path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, content).unwrap();
    read_table(dir, spec)
        .map(|t| t.unwrap())
        .map_err(|e| e.to_string())
}

fn report() -> FileReport {
    FileReport::absent("test", ',')
}

fn site_days_error(dir: &Path, content: &str) -> String {
    match table(dir, files::FREQUENTATION, content) {
        Err(message) => message,
        Ok(t) => attendance::read_site_days(&t)
            .map(|_| ())
            .expect_err("a schema error")
            .to_string(),
    }
}

#[test]
fn attendance_values_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("raw/frequentation.csv");
    let p = p.display();
    let head = "site_type,date,prevision,reel,site_nom\r\n";
    let ok = "M,2016-05-24,72,68,CHAUVINIERE M\r\n";
    assert_eq!(
        site_days_error(
            dir.path(),
            &format!("{head}{ok}M,2016-13-01,72,68,CHAUVINIERE M\r\n")
        ),
        format!("{p}:3:2: expected a date YYYY-MM-DD, found \"2016-13-01\"")
    );
    assert_eq!(
        site_days_error(
            dir.path(),
            &format!("{head}{ok}{ok}E,2016-05-02,126,12.5,CHAUVINIERE E\r\n")
        ),
        format!("{p}:4:4: expected a whole number of meals or NA, found \"12.5\"")
    );
    assert_eq!(
        site_days_error(
            dir.path(),
            &format!("{head}E,2016-05-02,-3,NA,CHAUVINIERE E\r\n")
        ),
        format!("{p}:2:3: expected a whole number of meals or NA, found \"-3\"")
    );
    assert_eq!(
        site_days_error(
            dir.path(),
            &format!("{head}ME,2016-05-02,1,NA,CHAUVINIERE E\r\n")
        ),
        format!("{p}:2:1: expected a canteen type M, E or M/E, found \"ME\"")
    );
    assert_eq!(
        site_days_error(
            dir.path(),
            &format!("{head}{ok}E,2016-05-02,1,130,5,CHAUVINIERE E\r\n")
        ),
        format!("{p}:3:6: expected 5 fields, found \"6 fields\"")
    );
    assert_eq!(
        site_days_error(dir.path(), &format!("{head}E,2016-05-02,1,NA,\r\n")),
        format!("{p}:2:5: expected a site name, found \"\"")
    );
    assert_eq!(
        site_days_error(dir.path(), "site_type,day,prevision,reel,site_nom\n"),
        format!(
            "{p}:1:2: expected column \"date\" (header \"site_type\",\"date\",\"prevision\",\"reel\",\"site_nom\"), \
             found \"day\""
        )
    );
}

#[test]
fn strike_dates_are_two_digit_years() {
    let dir = tempfile::tempdir().unwrap();
    let t = table(
        dir.path(),
        files::STRIKES,
        "\"Jour\",\"Evenement\"\r\n15/12/11,\"GREVE\"\r\n15/12/2011,\"GREVE\"\r\n",
    )
    .unwrap();
    let error = calendar::read_strikes(&t, &mut report())
        .unwrap_err()
        .to_string();
    let p = dir.path().join("calendar/journees_de_greve.csv");
    assert_eq!(
        error,
        format!(
            "{}:3:1: expected a date DD/MM/YY, found \"15/12/2011\"",
            p.display()
        )
    );
}

#[test]
fn line_numbers_count_quoted_line_breaks_and_crlf() {
    // The cp1252 variant: a dish spans two lines inside quotes; the bad date is on line 4.
    let dir = tempfile::tempdir().unwrap();
    let content = b"\"\",\"date\",\"menu\"\r\n\"1\",2011-01-03,\"Tarte\r\naux pommes\"\r\n\"2\",03/01/2011,\"P\xEAche\"\r\n";
    let path = dir.path().join(files::MENUS_VARIANT_2011.path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, content).unwrap();
    let t = read_table(dir.path(), files::MENUS_VARIANT_2011)
        .unwrap()
        .unwrap();
    assert_eq!(t.encoding, prevoir_core::text::TextEncoding::Windows1252);
    let error = menus::read_menu_file(&t, menus::VARIANT_2011_LAYOUT, &mut report())
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        format!(
            "{}:4:2: expected a date YYYY-MM-DD, found \"03/01/2011\"",
            path.display()
        )
    );
}

#[test]
fn menu_rank_and_variant_dates_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let t = table(
        dir.path(),
        files::MENUS_VARIANT_2016,
        "\"Date\",\"Rang\",\"Plat\"\r\n\"01/09/2016\",1,\"Melon\"\r\n\"01/09/2016\",A,\"Hachis Parmentier*\"\r\n",
    )
    .unwrap();
    let error = menus::read_menu_file(&t, menus::VARIANT_2016_LAYOUT, &mut report())
        .unwrap_err()
        .to_string();
    let p = dir.path().join(files::MENUS_VARIANT_2016.path);
    assert_eq!(
        error,
        format!(
            "{}:3:2: expected a course rank (whole number), found \"A\"",
            p.display()
        )
    );
}

#[test]
fn sentinelles_weeks_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let head =
        "week,indicator,inc,inc_low,inc_up,inc100,inc100_low,inc100_up,geo_insee,geo_name\r\n";
    let t = table(
        dir.path(),
        files::FLU,
        &format!("{head}201601,3,100,,,27,,,52,PAYS-DE-LA-LOIRE\r\n201454,3,100,,,27,,,52,PAYS-DE-LA-LOIRE\r\n"),
    )
    .unwrap();
    let error = epidemics::read_epidemics(&t, canteen_data::Disease::Flu, &mut report())
        .unwrap_err()
        .to_string();
    let p = dir.path().join(files::FLU.path);
    assert_eq!(
        error,
        format!(
            "{}:3:1: expected an ISO week YYYYWW, found \"201454\"",
            p.display()
        )
    );
}

#[test]
fn conflicting_site_mapping_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let t = table(
        dir.path(),
        files::MAPPING_SITES,
        "site_nom,site_type,cantine_nom,cantine_type\nBOCCAGE,E,BOCCAGE E,E\nBOCCAGE,E,BOCCAGE M,M\n",
    )
    .unwrap();
    let error = attendance::read_site_mapping(&t, &[], &mut report())
        .unwrap_err()
        .to_string();
    let p = dir.path().join(files::MAPPING_SITES.path);
    assert_eq!(
        error,
        format!(
            "{}:3:3: expected the same canteen as the earlier row for this site and type, found \"BOCCAGE M\"",
            p.display()
        )
    );
}

#[test]
fn missing_required_file_names_the_expected_path() {
    let dir = tempfile::tempdir().unwrap();
    let error = canteen_data::load(dir.path()).unwrap_err().to_string();
    let p = dir.path().join("raw/cantines.csv");
    assert_eq!(
        error,
        format!(
            "{}: file not found (required input file: the list of canteens)",
            p.display()
        )
    );
    let error = canteen_data::load(&dir.path().join("nowhere"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("nowhere: file not found"), "{error}");
}
