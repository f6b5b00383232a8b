//! The input schemas published in `docs/schemas/` (Frictionless Table Schema, the convention of
//! schema.data.gouv.fr) and their Markdown tables in `docs/data.md` must say exactly what the
//! loaders read. These tests hold them to it:
//! - every schema is a well-formed Table Schema;
//! - each Nantes schema has the header, delimiter and header flag of its `canteen_data::files`
//!   spec, and every spec has a schema;
//! - the shipped samples (and the real open data when `PREVOIR_OPEN_DATA` is set) have the headers
//!   the schemas give;
//! - a file written from the schemas' field names and examples is read by the leak loaders
//!   (labels, SCADA, EPANET `.inp`) into exactly those values;
//! - `docs/data.md` lists every schema's fields, in order.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use canteen_data::files::{self, FileSpec};
use chrono::{NaiveDateTime, Timelike};
use leak_data::{InpNetwork, SensorTable};
use serde_json::Value;

const FIELD_TYPES: &[&str] = &[
    "string",
    "number",
    "integer",
    "boolean",
    "object",
    "array",
    "date",
    "time",
    "datetime",
    "year",
    "yearmonth",
    "duration",
    "geopoint",
    "geojson",
    "any",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schemas_dir() -> PathBuf {
    root().join("docs").join("schemas")
}

/// One `*.schema.json` file.
struct Schema {
    /// Path relative to `docs/` (`schemas/nantes/frequentation.schema.json`).
    rel: String,
    json: Value,
}

impl Schema {
    fn fields(&self) -> &Vec<Value> {
        self.json["fields"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: `fields` is not an array", self.rel))
    }

    fn names(&self) -> Vec<String> {
        self.fields()
            .iter()
            .map(|f| {
                f["name"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{}: a field without a name", self.rel))
                    .to_owned()
            })
            .collect()
    }

    fn examples(&self) -> Vec<String> {
        self.fields()
            .iter()
            .map(|f| match &f["example"] {
                Value::String(s) => s.clone(),
                Value::Null => panic!("{}: field {} has no example", self.rel, f["name"]),
                other => other.to_string(),
            })
            .collect()
    }

    fn example(&self, name: &str) -> String {
        let index = self
            .names()
            .iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("{}: no field {name}", self.rel));
        self.examples()[index].clone()
    }

    fn file(&self) -> &str {
        self.json["prevoir"]["file"]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no prevoir.file", self.rel))
    }

    fn delimiter(&self) -> u8 {
        let d = self.json["dialect"]["delimiter"]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no dialect.delimiter", self.rel));
        assert_eq!(d.len(), 1, "{}: the delimiter must be one byte", self.rel);
        d.as_bytes()[0]
    }

    fn has_header(&self) -> bool {
        self.json["dialect"]["header"]
            .as_bool()
            .unwrap_or_else(|| panic!("{}: no dialect.header", self.rel))
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.to_string_lossy().ends_with(".schema.json") {
            out.push(path);
        }
    }
}

fn all_schemas() -> Vec<Schema> {
    let mut paths = Vec::new();
    collect(&schemas_dir(), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let json: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
            let rel = path
                .strip_prefix(root().join("docs"))
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            Schema { rel, json }
        })
        .collect()
}

fn schemas_under(kind: &str) -> Vec<Schema> {
    all_schemas()
        .into_iter()
        .filter(|s| s.rel.starts_with(&format!("schemas/{kind}/")))
        .collect()
}

fn schema(rel: &str) -> Schema {
    all_schemas()
        .into_iter()
        .find(|s| s.rel == rel)
        .unwrap_or_else(|| panic!("no schema {rel}"))
}

/// The header of a CSV file as the canteen loader reads it (its decoder and its reader).
fn header_of(path: &Path, spec: FileSpec) -> Vec<String> {
    let decoded = prevoir_core::text::read_text(path).unwrap_or_else(|e| panic!("{e}"));
    let mut reader = spec.reader(&decoded.text);
    let first = reader
        .records()
        .next()
        .unwrap_or_else(|| panic!("{}: empty file", path.display()))
        .unwrap();
    first.iter().map(str::to_owned).collect()
}

#[test]
fn every_schema_is_a_well_formed_table_schema() {
    let schemas = all_schemas();
    assert!(
        schemas.len() >= 30,
        "expected the Nantes, SCADA, label and .inp schemas, found {}",
        schemas.len()
    );
    let mut names = HashSet::new();
    for s in &schemas {
        let j = &s.json;
        assert!(
            j["$schema"]
                .as_str()
                .is_some_and(|u| u.contains("table-schema")),
            "{}: $schema must name the Table Schema",
            s.rel
        );
        let name = j["name"]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no name", s.rel));
        assert!(
            names.insert(name.to_owned()),
            "{}: name {name} used twice",
            s.rel
        );
        for key in ["title", "description", "version"] {
            assert!(
                j[key].as_str().is_some_and(|t| !t.trim().is_empty()),
                "{}: no {key}",
                s.rel
            );
        }
        assert!(
            j["missingValues"]
                .as_array()
                .is_some_and(|m| m.iter().all(Value::is_string)),
            "{}: missingValues must be strings",
            s.rel
        );
        assert!(!s.fields().is_empty(), "{}: no fields", s.rel);
        let mut field_names = HashSet::new();
        for field in s.fields() {
            let field_name = field["name"]
                .as_str()
                .unwrap_or_else(|| panic!("{}: a field without a name", s.rel));
            assert!(
                field_names.insert(field_name),
                "{}: field {field_name:?} twice",
                s.rel
            );
            let kind = field["type"]
                .as_str()
                .unwrap_or_else(|| panic!("{}: {field_name:?} has no type", s.rel));
            assert!(
                FIELD_TYPES.contains(&kind),
                "{}: {field_name:?} has type {kind:?}, not a Table Schema type",
                s.rel
            );
            assert!(
                field["description"]
                    .as_str()
                    .is_some_and(|d| !d.trim().is_empty()),
                "{}: {field_name:?} has no description",
                s.rel
            );
            assert!(
                !field["example"].is_null(),
                "{}: {field_name:?} has no example",
                s.rel
            );
            if let Some(format) = field["format"].as_str() {
                assert!(
                    matches!(kind, "date" | "datetime" | "time"),
                    "{}: {field_name:?}: a format on a {kind}",
                    s.rel
                );
                let example = field["example"].as_str().unwrap_or_default();
                let parses = match kind {
                    "date" => chrono::NaiveDate::parse_from_str(example, format).is_ok(),
                    _ => NaiveDateTime::parse_from_str(example, format).is_ok(),
                };
                assert!(
                    parses,
                    "{}: {field_name:?}: example {example:?} does not match its format {format:?}",
                    s.rel
                );
            }
            if let Some(values) = field["constraints"]["enum"].as_array() {
                assert!(!values.is_empty(), "{}: {field_name:?}: empty enum", s.rel);
            }
        }
        s.delimiter();
        s.has_header();
        assert!(!s.file().is_empty(), "{}: empty prevoir.file", s.rel);
    }
}

#[test]
fn nantes_schemas_match_the_loader_file_specs() {
    let schemas = schemas_under("nantes");
    let by_file: BTreeMap<&str, &Schema> = schemas.iter().map(|s| (s.file(), s)).collect();
    assert_eq!(
        by_file.len(),
        schemas.len(),
        "two Nantes schemas describe the same file"
    );
    for spec in files::ALL {
        let s = by_file
            .get(spec.path)
            .unwrap_or_else(|| panic!("no schema in docs/schemas/nantes/ for {}", spec.path));
        assert_eq!(s.delimiter(), spec.delimiter, "{}: delimiter", s.rel);
        assert_eq!(
            s.has_header(),
            spec.header.is_some(),
            "{}: header flag",
            s.rel
        );
        assert_eq!(
            s.json["prevoir"]["required"].as_bool(),
            Some(spec.required),
            "{}: required flag",
            s.rel
        );
        match spec.header {
            Some(header) => assert_eq!(
                s.names(),
                header.to_vec(),
                "{}: field names vs the loader's header",
                s.rel
            ),
            None => assert_eq!(
                s.names().len(),
                spec.fields,
                "{}: field count vs the loader's",
                s.rel
            ),
        }
    }
    for s in &schemas {
        assert!(
            files::ALL.iter().any(|spec| spec.path == s.file()),
            "{}: the loader reads no file {}",
            s.rel,
            s.file()
        );
    }
}

fn check_nantes_headers(dir: &Path, every_file: bool) {
    let schemas = schemas_under("nantes");
    for spec in files::ALL {
        let path = dir.join(spec.path);
        if !path.exists() {
            assert!(
                !(spec.required || every_file),
                "{} is missing",
                path.display()
            );
            continue;
        }
        let s = schemas.iter().find(|s| s.file() == spec.path).unwrap();
        let first = header_of(&path, *spec);
        if s.has_header() {
            assert_eq!(first, s.names(), "{}: header vs {}", path.display(), s.rel);
        } else {
            assert_eq!(
                first.len(),
                s.names().len(),
                "{}: field count vs {}",
                path.display(),
                s.rel
            );
        }
    }
}

#[test]
fn sample_canteen_files_have_the_schema_headers() {
    check_nantes_headers(&root().join("data-samples").join("canteen"), false);
}

#[test]
fn real_nantes_files_have_the_schema_headers() {
    let Some(dir) = prevoir_core::open_data::locate(
        &root(),
        "nantes",
        "raw/frequentation.csv",
        "real_nantes_files_have_the_schema_headers",
    ) else {
        return;
    };
    check_nantes_headers(&dir, true);
}

#[test]
fn leak_label_schema_is_what_the_label_reader_reads() {
    let s = schema("schemas/leaks/leak_labels.schema.json");
    let text = format!("{}\n{}\n", s.names().join(","), s.examples().join(","));
    let labels = leak_data::labels::parse_labels(&text, Path::new("leak_labels.csv"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(labels.len(), 1);
    let label = &labels[0];
    let minutes = |t: NaiveDateTime| t.format("%Y-%m-%d %H:%M").to_string();
    assert_eq!(label.pipe, s.example("pipe"));
    assert_eq!(minutes(label.start), s.example("start"));
    assert_eq!(minutes(label.end), s.example("end"));
    assert_eq!(
        label.diameter_m,
        s.example("diameter_m").parse::<f64>().unwrap()
    );
    assert_eq!(
        serde_json::to_value(label.leak_type).unwrap(),
        Value::String(s.example("type"))
    );
    assert_eq!(minutes(label.peak), s.example("peak"));

    // The header is checked: two names swapped is an error.
    let mut swapped = s.names();
    swapped.swap(1, 2);
    let text = format!("{}\n{}\n", swapped.join(","), s.examples().join(","));
    assert!(leak_data::labels::parse_labels(&text, Path::new("leak_labels.csv")).is_err());
}

const SCADA_SCHEMAS: &[&str] = &[
    "schemas/leaks/scada_flows.schema.json",
    "schemas/leaks/scada_levels.schema.json",
    "schemas/leaks/scada_pressures.schema.json",
    "schemas/leaks/leakages.schema.json",
];

#[test]
fn scada_schemas_are_what_the_scada_reader_reads() {
    for rel in SCADA_SCHEMAS {
        let s = schema(rel);
        let names = s.names();
        assert_eq!(names[0], "Timestamp", "{rel}: the first column is the time");
        let text = format!("{}\n{}\n", names.join(";"), s.examples().join(";"));
        let table = SensorTable::parse(&text, Path::new(rel)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(table.sensors, names[1..].to_vec(), "{rel}: sensors");
        assert_eq!(table.timestamps.len(), 1);
        assert_eq!(
            table.timestamps[0].format("%Y-%m-%d %H:%M:%S").to_string(),
            s.example("Timestamp")
        );
        assert_eq!(table.timestamps[0].second(), 0);
        for (i, name) in names[1..].iter().enumerate() {
            let expected: f64 = s.example(name).replace(',', ".").parse().unwrap();
            assert_eq!(table.values[i][0], expected, "{rel}: {name}");
        }
    }
}

#[test]
fn real_ltown_files_have_the_schema_headers() {
    let Some(dir) = prevoir_core::open_data::locate(
        &root(),
        "ltown",
        "L-TOWN.inp",
        "real_ltown_files_have_the_schema_headers",
    ) else {
        return;
    };
    for rel in SCADA_SCHEMAS
        .iter()
        .chain(["schemas/leaks/leak_labels.schema.json"].iter())
    {
        let s = schema(rel);
        let path = dir.join(s.file());
        let decoded = prevoir_core::text::read_text(&path).unwrap_or_else(|e| panic!("{e}"));
        let header: Vec<String> = decoded
            .text
            .lines()
            .next()
            .unwrap_or_default()
            .split(s.delimiter() as char)
            .map(|c| c.trim().to_owned())
            .collect();
        assert_eq!(header, s.names(), "{}: header vs {rel}", path.display());
    }
}

#[test]
fn network_inp_schemas_are_what_the_inp_parser_reads() {
    let sections = [
        "junctions",
        "reservoirs",
        "tanks",
        "pipes",
        "pumps",
        "valves",
        "coordinates",
    ];
    let mut text = String::from("[TITLE]\nschema examples\n\n");
    let mut by_section = BTreeMap::new();
    for name in sections {
        let s = schema(&format!("schemas/leaks/network-inp/{name}.schema.json"));
        let section = s.json["prevoir"]["section"].as_str().unwrap().to_owned();
        assert_eq!(
            section,
            format!("[{}]", name.to_uppercase()),
            "{}: section",
            s.rel
        );
        assert!(
            !s.has_header() && s.json["dialect"]["commentChar"] == ";",
            "{}: .inp sections have no header, `;` comments",
            s.rel
        );
        text.push_str(&format!(
            "{section}\n;{}\n {}\n\n",
            s.names().join(" "),
            s.examples().join(" ").trim_end()
        ));
        by_section.insert(name, s);
    }
    text.push_str("[OPTIONS]\n Units CMH\n\n[END]\n");
    let net = InpNetwork::parse(&text, Path::new("network.inp"))
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    let ex = |section: &str, field: &str| by_section[section].example(field);
    let num = |section: &str, field: &str| ex(section, field).parse::<f64>().unwrap();

    let j = &net.junctions[0];
    assert_eq!(
        (j.id.as_str(), j.elevation_m, j.base_demand),
        (
            ex("junctions", "id").as_str(),
            num("junctions", "elevation"),
            num("junctions", "demand")
        )
    );
    assert_eq!(
        j.pattern.as_deref(),
        Some(ex("junctions", "pattern").as_str())
    );
    let r = &net.reservoirs[0];
    assert_eq!(
        (r.id.as_str(), r.head_m),
        (ex("reservoirs", "id").as_str(), num("reservoirs", "head"))
    );
    let t = &net.tanks[0];
    assert_eq!(t.id, ex("tanks", "id"));
    assert_eq!(
        [
            t.elevation_m,
            t.initial_level_m,
            t.min_level_m,
            t.max_level_m,
            t.diameter_m
        ],
        [
            "elevation",
            "init_level",
            "min_level",
            "max_level",
            "diameter"
        ]
        .map(|f| num("tanks", f))
    );
    let p = &net.pipes[0];
    assert_eq!(
        (p.id.as_str(), p.from.as_str(), p.to.as_str()),
        (
            ex("pipes", "id").as_str(),
            ex("pipes", "node1").as_str(),
            ex("pipes", "node2").as_str()
        )
    );
    assert_eq!(
        [p.length_m, p.diameter_mm, p.roughness],
        ["length", "diameter", "roughness"].map(|f| num("pipes", f))
    );
    assert_eq!(
        p.open,
        !ex("pipes", "status").eq_ignore_ascii_case("closed")
    );
    let pump = &net.pumps[0];
    assert_eq!(
        (pump.id.as_str(), pump.from.as_str(), pump.to.as_str()),
        (
            ex("pumps", "id").as_str(),
            ex("pumps", "node1").as_str(),
            ex("pumps", "node2").as_str()
        )
    );
    assert_eq!(
        pump.head_curve.as_deref(),
        ex("pumps", "parameters").split_whitespace().nth(1)
    );
    let v = &net.valves[0];
    assert_eq!(
        (
            v.id.as_str(),
            v.from.as_str(),
            v.to.as_str(),
            v.kind.as_str()
        ),
        (
            ex("valves", "id").as_str(),
            ex("valves", "node1").as_str(),
            ex("valves", "node2").as_str(),
            ex("valves", "type").as_str()
        )
    );
    assert_eq!(
        [v.diameter_mm, v.setting],
        ["diameter", "setting"].map(|f| num("valves", f))
    );
    let node = ex("coordinates", "node");
    assert_eq!(
        net.coordinates.get(&node),
        Some(&(num("coordinates", "x"), num("coordinates", "y")))
    );
}

/// The first-column cells of the first Markdown table after the line that links to `rel`.
fn documented_fields(markdown: &str, rel: &str) -> Option<Vec<String>> {
    let link = format!("({rel})");
    let lines: Vec<&str> = markdown.lines().collect();
    let start = lines.iter().position(|l| l.contains(&link))?;
    let table_start = start
        + lines[start..]
            .iter()
            .position(|l| l.trim_start().starts_with('|'))?;
    let rows = lines[table_start..]
        .iter()
        .take_while(|l| l.trim_start().starts_with('|'))
        .skip(2);
    Some(
        rows.map(|row| {
            let cell = row
                .trim()
                .trim_start_matches('|')
                .split('|')
                .next()
                .unwrap_or_default()
                .trim();
            let name = cell.trim_matches('`');
            if name == "\"\"" {
                String::new()
            } else {
                name.to_owned()
            }
        })
        .collect(),
    )
}

#[test]
fn data_md_lists_every_schema_field_in_order() {
    let markdown = std::fs::read_to_string(root().join("docs").join("data.md")).unwrap();
    for s in all_schemas() {
        let documented = documented_fields(&markdown, &s.rel)
            .unwrap_or_else(|| panic!("docs/data.md has no table after a link to {}", s.rel));
        assert_eq!(
            documented,
            s.names(),
            "docs/data.md: the table for {} lists other fields",
            s.rel
        );
    }
}
