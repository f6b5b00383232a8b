//! The public-algorithm notice (CRPA art. L.311-3-1 and R.311-3-1-2), in French, generated from the
//! model card and from what this code does: (1) the degree and mode of contribution of the
//! algorithm to the decision, (2) the data processed and their sources, (3) the processing
//! parameters and their weighting as applied to the case (a canteen-day, or the network), (4) the
//! operations performed; plus purpose, version, limitations and a contact to fill in. Served as
//! JSON (for a city's algorithm register) and as a printable HTML page.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use prevoir_core::card::{DataSource, ModelCard};
use prevoir_core::fingerprint::FileFingerprint;

use crate::provenance::Provenance;
use crate::registry::ModelKind;

/// A titled part of the notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NoticeSection {
    pub title: String,
    pub paragraphs: Vec<String>,
}

/// A datum the model uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NoticeVariable {
    pub name: String,
    pub label: String,
    /// Factor group, in French.
    pub group: String,
    /// When the value is known.
    pub availability: String,
    /// Share of the total absolute contribution on validation data (0–1), when measured.
    pub weight: Option<f64>,
}

/// A processing parameter and its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NoticeSetting {
    pub name: String,
    pub value: String,
}

/// Item 2: data processed and their sources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NoticeData {
    pub title: String,
    pub paragraphs: Vec<String>,
    pub variables: Vec<NoticeVariable>,
    pub sources: Vec<DataSource>,
    /// The training data files and their SHA-256.
    pub files: Vec<FileFingerprint>,
}

/// One factor's weight in a particular case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NoticeCaseLine {
    pub label: String,
    pub value: String,
    /// Effect in the case's unit (meals for canteens).
    pub effect: f64,
}

/// Item 3 applied to one case (a canteen-day).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NoticeCase {
    pub description: String,
    pub base: f64,
    pub result: f64,
    pub unit: String,
    pub lines: Vec<NoticeCaseLine>,
}

/// Item 3: parameters and their weighting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NoticeParameters {
    pub title: String,
    pub paragraphs: Vec<String>,
    pub settings: Vec<NoticeSetting>,
    /// Present when the notice was asked for a particular case.
    pub case: Option<NoticeCase>,
}

/// The public-algorithm notice of a model, in French.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NoticeAnswer {
    #[serde(flatten)]
    pub provenance: Provenance,
    pub title: String,
    pub legal_basis: String,
    pub purpose: String,
    /// Item 1: degree and mode of contribution of the algorithm to the decision.
    pub contribution: NoticeSection,
    /// Item 2.
    pub data: NoticeData,
    /// Item 3.
    pub parameters: NoticeParameters,
    /// Item 4: operations performed.
    pub operations: NoticeSection,
    pub validation: NoticeSection,
    pub limitations: Vec<String>,
    pub contact: String,
    pub trained_at: String,
    pub training_period: String,
    pub software: String,
}

const LEGAL_BASIS: &str = "Articles L.311-3-1 et R.311-3-1-2 du code des relations entre le public et l'administration (loi n° 2016-1321 du 7 octobre 2016 pour une République numérique).";
const CONTACT: &str = "[À compléter par la collectivité : service responsable, adresse postale et électronique auxquelles demander la communication des règles de l'algorithme et de leur mise en œuvre.]";

fn group_fr(kind: ModelKind, key: &str) -> String {
    if kind == ModelKind::Canteen
        && let Some(g) = canteen_features::FactorGroup::ALL
            .iter()
            .find(|g| g.key() == key)
    {
        return g.label_fr().to_owned();
    }
    match key {
        "flow" => "Débits",
        "level" => "Niveaux des réservoirs",
        "pressure" => "Pressions",
        "calendar" => "Heure de la journée",
        "known_leaks" => "Fuites connues de la période d'apprentissage",
        other => other,
    }
    .to_owned()
}

fn number_fr(x: f64, decimals: usize) -> String {
    format!("{x:.decimals$}").replace('.', ",")
}

/// Scalar parameters as `a.b.c = value` lines; long numeric arrays are summarised.
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<NoticeSetting>) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "sensor_weights" {
                    continue;
                }
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&name, v, out);
            }
        }
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            let shown: Vec<String> = items.iter().take(12).map(scalar).collect();
            let more = if items.len() > 12 {
                format!(" … ({} valeurs)", items.len())
            } else {
                String::new()
            };
            out.push(NoticeSetting {
                name: prefix.to_owned(),
                value: format!("{}{more}", shown.join(" ; ")),
            });
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        other => out.push(NoticeSetting {
            name: prefix.to_owned(),
            value: scalar(other),
        }),
    }
}

fn scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.as_f64().map_or_else(
            || n.to_string(),
            |x| {
                if x.fract() == 0.0 && x.abs() < 1e15 {
                    format!("{x:.0}")
                } else {
                    number_fr(x, 4).trim_end_matches('0').to_owned()
                }
            },
        ),
        serde_json::Value::Null => "—".into(),
        other => other.to_string(),
    }
}

/// French sentences on the validation metrics of a canteen card, if present.
fn canteen_validation(card: &ModelCard) -> Vec<String> {
    let v = &card.validation;
    let get = |who: &str, key: &str| {
        v.get(who)
            .and_then(|m| m.get(key))
            .and_then(serde_json::Value::as_f64)
    };
    let mut out = Vec::new();
    let period = v
        .get("period")
        .and_then(|p| p.as_array())
        .map(|p| {
            p.iter()
                .filter_map(|d| d.as_str())
                .collect::<Vec<_>>()
                .join(" au ")
        })
        .unwrap_or_default();
    if let (Some(days), Some(mae), Some(over)) = (
        get("model", "canteen_days"),
        get("model", "mean_absolute_error"),
        get("model", "overproduction_pct"),
    ) {
        let mut s = format!(
            "Mesuré sur une période non utilisée pour l'apprentissage ({period}, {} restaurants-jours) : erreur absolue moyenne de {} repas par restaurant et par jour, surproduction de {} % des repas servis",
            number_fr(days, 0),
            number_fr(mae, 1),
            number_fr(over, 1)
        );
        if let (Some(a_mae), Some(a_over)) = (
            get("agents", "mean_absolute_error"),
            get("agents", "overproduction_pct"),
        ) {
            s.push_str(&format!(
                " ; prévisions des agents sur les mêmes jours : {} repas et {} %",
                number_fr(a_mae, 1),
                number_fr(a_over, 1)
            ));
        }
        s.push('.');
        out.push(s);
    }
    if let (Some(m), Some(a)) = (
        get("model", "shortage_meals"),
        get("agents", "shortage_meals"),
    ) {
        out.push(format!(
            "Repas manquants (servis au-delà de la quantité) sur la même période : {} avec le modèle, {} avec les prévisions des agents.",
            number_fr(m, 0),
            number_fr(a, 0)
        ));
    }
    if let Some(how) = v.get("how").and_then(|h| h.as_str()) {
        out.push(format!("Méthode de mesure (fiche du modèle) : {how}."));
    }
    out
}

fn leak_validation(card: &ModelCard) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(map) = card
        .validation
        .get("in_sample_residual_sd_m")
        .and_then(|m| m.as_object())
    {
        let parts: Vec<String> = map
            .iter()
            .filter_map(|(k, v)| v.as_f64().map(|x| format!("{k} : {} m", number_fr(x, 3))))
            .collect();
        out.push(format!("Écart-type des écarts entre pression observée et attendue sur la période d'apprentissage : {}.", parts.join(", ")));
    }
    out.push("Les seuils d'alerte sont fixés pour que la période d'apprentissage elle-même ne déclenche aucune alerte ; la détection est mesurée hors échantillon par la commande `prevoir backtest leaks`.".into());
    out
}

/// Builds the notice of a model. `case` is the weighting applied to one canteen-day, when asked.
pub fn notice(
    provenance: &Provenance,
    kind: ModelKind,
    card: &ModelCard,
    case: Option<NoticeCase>,
) -> NoticeAnswer {
    let (title, contribution, data_intro, parameters_intro, validation) = match kind {
        ModelKind::Canteen => (
            "Notice d'information — prévision des repas dans les restaurants scolaires",
            vec![
                "Le traitement algorithmique est une aide à la décision. Il propose, pour chaque restaurant scolaire et chaque jour, une prévision du nombre de repas servis et une quantité à commander ou à produire (prévision augmentée d'une marge de sécurité). La commande reste décidée par un agent, qui peut modifier la quantité proposée ; aucune décision n'est prise automatiquement.".to_owned(),
                "Chaque prévision est publiée avec sa décomposition : une valeur de base, puis l'effet en repas de chaque variable (menu, calendrier, grèves, fêtes, fréquentation récente, effectifs, épidémies). La valeur de base plus la somme des effets redonne exactement la prévision.".to_owned(),
                "Le traitement ne concerne aucune personne : il ne traite que des nombres de repas par restaurant et par jour, sans aucune donnée personnelle.".to_owned(),
            ],
            "Le modèle utilise les variables ci-dessous, calculées pour chaque restaurant et chaque jour avec les seules informations connues à la date de la prévision. Le poids indiqué est la part moyenne de chaque variable dans les écarts à la valeur de base, mesurée sur la période de validation.",
            "La prévision est le niveau habituel du restaurant multiplié par un rapport prévu par des arbres de décision (gradient boosting). Pour un restaurant-jour donné, l'effet de chaque variable est sa contribution exacte (valeur de Shapley), convertie en repas : c'est la pondération appliquée à ce cas. Elle figure dans chaque réponse de l'API (`GET /v1/canteens/{id}/forecast`) et, pour un cas précis, dans cette notice appelée avec `?canteen=…&date=…`.",
            canteen_validation(card),
        ),
        ModelKind::Leaks => (
            "Notice d'information — détection des fuites sur le réseau d'eau potable",
            vec![
                "Le traitement algorithmique est une aide à la surveillance du réseau. Il signale qu'une fuite a probablement commencé, dans quelle zone et sur quelles conduites chercher en priorité, et estime le débit perdu. L'envoi d'une équipe, l'inspection et la réparation restent décidés par les agents du service de l'eau.".to_owned(),
                "Chaque alerte est publiée avec son explication : les capteurs dont la pression s'écarte de la valeur attendue, de combien et depuis quand, et la méthode d'estimation du débit.".to_owned(),
                "Le traitement ne concerne aucune personne : il ne traite que des mesures de capteurs du réseau (débits, pressions, niveaux des réservoirs), sans aucune donnée personnelle.".to_owned(),
            ],
            "Le modèle utilise les mesures ci-dessous, au pas de temps des capteurs (5 minutes).",
            "Pour chaque capteur de pression, une régression linéaire donne la pression attendue à partir des débits entrants, des niveaux des réservoirs, des pompes et de l'heure ; l'écart entre pression observée et attendue est comparé à des seuils propres à chaque capteur. Les poids de chaque régression, appliqués au réseau de la collectivité, sont listés ci-dessous (trois plus grands poids par capteur).",
            leak_validation(card),
        ),
    };
    let variables = card
        .features
        .iter()
        .map(|f| NoticeVariable {
            name: f.name.clone(),
            label: f.label_fr.clone(),
            group: group_fr(kind, &f.group),
            availability: f.availability.clone(),
            weight: f.importance,
        })
        .collect();
    let mut settings = vec![NoticeSetting {
        name: "algorithme".into(),
        value: card.algorithm.clone(),
    }];
    flatten("", &card.parameters, &mut settings);
    if kind == ModelKind::Leaks {
        settings.extend(sensor_weights(card));
    }
    NoticeAnswer {
        provenance: provenance.clone(),
        title: title.to_owned(),
        legal_basis: LEGAL_BASIS.to_owned(),
        purpose: card.purpose_fr.clone(),
        contribution: NoticeSection {
            title: "1. Degré et mode de contribution du traitement algorithmique à la prise de décision".into(),
            paragraphs: contribution,
        },
        data: NoticeData {
            title: "2. Données traitées et leurs sources".into(),
            paragraphs: vec![
                data_intro.to_owned(),
                format!(
                    "Période d'apprentissage : du {} au {} ; aucune information postérieure au {} n'a été utilisée. Empreinte SHA-256 de l'ensemble des fichiers : {}.",
                    card.training_from, card.training_to, card.data_cutoff, card.data_fingerprint
                ),
            ],
            variables,
            sources: card.data_sources.clone(),
            files: card.data_files.clone(),
        },
        parameters: NoticeParameters {
            title: "3. Paramètres de traitement et leur pondération, appliqués à la situation".into(),
            paragraphs: vec![parameters_intro.to_owned()],
            settings,
            case,
        },
        operations: NoticeSection { title: "4. Opérations effectuées par le traitement".into(), paragraphs: card.operations.clone() },
        validation: NoticeSection { title: "Performances mesurées".into(), paragraphs: validation },
        limitations: card.limitations.clone(),
        contact: CONTACT.to_owned(),
        trained_at: card.trained_at.clone(),
        training_period: format!("{} – {}", card.training_from, card.training_to),
        software: card.software.clone(),
    }
}

/// The three largest weights of each pressure sensor's regression, with the inputs' labels.
fn sensor_weights(card: &ModelCard) -> Vec<NoticeSetting> {
    let Some(sensors) = card
        .parameters
        .get("sensor_weights")
        .and_then(|s| s.as_array())
    else {
        return Vec::new();
    };
    sensors
        .iter()
        .filter_map(|s| {
            let name = s.get("sensor")?.as_str()?;
            let area = s.get("area").and_then(|a| a.as_str()).unwrap_or("?");
            let intercept = s
                .get("intercept")
                .and_then(serde_json::Value::as_f64)
                .unwrap_or(f64::NAN);
            let weights: Vec<f64> = s
                .get("weights")?
                .as_array()?
                .iter()
                .filter_map(serde_json::Value::as_f64)
                .collect();
            let mut order: Vec<usize> = (0..weights.len()).collect();
            order.sort_by(|a, b| weights[*b].abs().total_cmp(&weights[*a].abs()));
            let top: Vec<String> = order
                .iter()
                .take(3)
                .map(|&j| {
                    let label = card
                        .features
                        .get(j)
                        .map_or_else(|| format!("entrée {j}"), |f| f.label_fr.clone());
                    format!("{label} × {}", number_fr(weights[j], 4))
                })
                .collect();
            Some(NoticeSetting {
                name: format!("capteur {name} (zone {area})"),
                value: format!(
                    "pression de base {} m ; {}",
                    number_fr(intercept, 2),
                    top.join(" ; ")
                ),
            })
        })
        .collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The notice as a printable, accessible HTML page.
pub fn html(n: &NoticeAnswer) -> String {
    let mut h = String::with_capacity(16_384);
    let p = |h: &mut String, text: &str| h.push_str(&format!("<p>{}</p>\n", escape(text)));
    h.push_str("<!doctype html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!("<title>{}</title>\n", escape(&n.title)));
    h.push_str("<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border:1px solid #888;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#eee}td.num{text-align:right}code{word-break:break-all}.meta{color:#333}</style>\n</head>\n<body>\n<main>\n");
    h.push_str(&format!("<h1>{}</h1>\n", escape(&n.title)));
    h.push_str(&format!(
        "<p class=\"meta\">Modèle <code>{}</code>, version <code>{}</code> ; données jusqu'au {} ; empreinte des données <code>{}</code>.</p>\n",
        escape(&n.provenance.model_name),
        escape(&n.provenance.model_version),
        escape(&n.provenance.data_cutoff),
        escape(&n.provenance.data_fingerprint)
    ));
    p(&mut h, &n.legal_basis);
    h.push_str("<h2>Finalité</h2>\n");
    p(&mut h, &n.purpose);
    h.push_str(&format!("<h2>{}</h2>\n", escape(&n.contribution.title)));
    for text in &n.contribution.paragraphs {
        p(&mut h, text);
    }
    h.push_str(&format!("<h2>{}</h2>\n", escape(&n.data.title)));
    for text in &n.data.paragraphs {
        p(&mut h, text);
    }
    h.push_str("<table>\n<caption>Variables utilisées</caption>\n<thead><tr><th scope=\"col\">Variable</th><th scope=\"col\">Famille</th><th scope=\"col\">Disponibilité</th><th scope=\"col\">Poids</th></tr></thead>\n<tbody>\n");
    for v in &n.data.variables {
        let weight = v.weight.map_or_else(
            || "—".to_owned(),
            |w| format!("{} %", number_fr(100.0 * w, 1)),
        );
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>\n",
            escape(&v.label),
            escape(&v.group),
            escape(&v.availability),
            weight
        ));
    }
    h.push_str("</tbody>\n</table>\n<h3>Sources</h3>\n<ul>\n");
    for s in &n.data.sources {
        h.push_str(&format!(
            "<li>{} — {} ({}) : <code>{}</code></li>\n",
            escape(&s.name),
            escape(&s.publisher),
            escape(&s.licence),
            escape(&s.url)
        ));
    }
    h.push_str("</ul>\n<h3>Fichiers d'apprentissage</h3>\n<table>\n<thead><tr><th scope=\"col\">Fichier</th><th scope=\"col\">SHA-256</th><th scope=\"col\">Octets</th></tr></thead>\n<tbody>\n");
    for f in &n.data.files {
        h.push_str(&format!(
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td></tr>\n",
            escape(&f.path),
            escape(&f.sha256),
            f.bytes
        ));
    }
    h.push_str("</tbody>\n</table>\n");
    h.push_str(&format!("<h2>{}</h2>\n", escape(&n.parameters.title)));
    for text in &n.parameters.paragraphs {
        p(&mut h, text);
    }
    if let Some(case) = &n.parameters.case {
        h.push_str(&format!(
            "<h3>Application au cas : {}</h3>\n",
            escape(&case.description)
        ));
        h.push_str(&format!(
            "<p>Valeur de base : {} {unit} ; résultat : {} {unit}.</p>\n",
            number_fr(case.base, 1),
            number_fr(case.result, 1),
            unit = escape(&case.unit)
        ));
        h.push_str("<table>\n<thead><tr><th scope=\"col\">Variable</th><th scope=\"col\">Valeur</th><th scope=\"col\">Effet</th></tr></thead>\n<tbody>\n");
        for line in &case.lines {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{:+.1}</td></tr>\n",
                escape(&line.label),
                escape(&line.value),
                line.effect
            ));
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("<table>\n<caption>Paramètres</caption>\n<tbody>\n");
    for s in &n.parameters.settings {
        h.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n",
            escape(&s.name),
            escape(&s.value)
        ));
    }
    h.push_str("</tbody>\n</table>\n");
    h.push_str(&format!("<h2>{}</h2>\n<ol>\n", escape(&n.operations.title)));
    for text in &n.operations.paragraphs {
        h.push_str(&format!("<li>{}</li>\n", escape(text)));
    }
    h.push_str("</ol>\n");
    h.push_str(&format!("<h2>{}</h2>\n", escape(&n.validation.title)));
    for text in &n.validation.paragraphs {
        p(&mut h, text);
    }
    h.push_str("<h2>Limites connues</h2>\n<ul>\n");
    for text in &n.limitations {
        h.push_str(&format!("<li>{}</li>\n", escape(text)));
    }
    h.push_str("</ul>\n<h2>Contact</h2>\n");
    p(&mut h, &n.contact);
    h.push_str(&format!(
        "<p class=\"meta\">Modèle entraîné le {} sur la période {} par {}.</p>\n</main>\n</body>\n</html>\n",
        escape(&n.trained_at),
        escape(&n.training_period),
        escape(&n.software)
    ));
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> ModelCard {
        serde_json::from_value(serde_json::json!({
            "name": "canteen", "version": "canteen-h28-x-42f6b4d0", "purpose_fr": "Prévoir les repas.", "purpose_en": "Forecast meals.",
            "trained_at": "2026-01-01T00:00:00Z", "training_from": "2015-09-01", "training_to": "2018-07-06",
            "data_cutoff": "2018-07-06", "data_fingerprint": "42f6b4d0",
            "data_files": [{"path": "raw/cantines.csv", "sha256": "e652", "bytes": 167}],
            "data_sources": [{"name": "Fréquentation", "publisher": "Nantes Métropole", "url": "https://example.org", "licence": "ODbL"}],
            "features": [{"name": "menu_fries", "group": "menu", "label_fr": "Frites au menu", "label_en": "Chips", "availability": "menus", "importance": 0.1}],
            "algorithm": "gbm", "parameters": {"relative_margin": 0.0625, "learner": {"iterations": 300}},
            "validation": {"period": ["2017-09-04", "2018-07-06"], "model": {"canteen_days": 951, "mean_absolute_error": 17.0, "overproduction_pct": 9.2, "shortage_meals": 1239},
                           "agents": {"mean_absolute_error": 22.8, "overproduction_pct": 12.5, "shortage_meals": 1433}},
            "operations": ["Lecture des fichiers."], "limitations": ["Aucune donnée personnelle."], "software": "prevoir 0.1.0"
        }))
        .unwrap()
    }

    #[test]
    fn covers_the_four_items_in_french() {
        let card = card();
        let n = notice(
            &Provenance::of("canteen", &card),
            ModelKind::Canteen,
            &card,
            None,
        );
        assert!(
            n.contribution
                .title
                .starts_with("1. Degré et mode de contribution")
        );
        assert!(n.data.title.starts_with("2. Données traitées"));
        assert!(n.parameters.title.starts_with("3. Paramètres"));
        assert!(n.operations.title.starts_with("4. Opérations"));
        assert_eq!(n.data.variables[0].group, "Menu");
        assert!(
            n.parameters
                .settings
                .iter()
                .any(|s| s.name == "learner.iterations" && s.value == "300")
        );
        assert!(
            n.validation.paragraphs[0].contains("17,0 repas"),
            "{:?}",
            n.validation.paragraphs
        );
        let page = html(&n);
        assert!(
            page.contains("<html lang=\"fr\">")
                && page.contains("Frites au menu")
                && page.contains("42f6b4d0")
        );
    }
}
