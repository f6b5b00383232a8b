//! The dish classifier: turns the published dish strings of a day into the menu facts that move
//! attendance (fries, fish, pork, meat, vegetarian day, organic dishes, pizza/burger, festive meal)
//! and recognises the strike menus that were written after the fact.
//!
//! Matching works on a folded form of the dish (lower case, accents removed), word by word, so that
//! "Rôti de porc*", "ROTI DE PORC" and "roti de porc" agree.

use serde::{Deserialize, Serialize};

pub use prevoir_core::text::fold;

/// What one dish string says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DishClass {
    pub fries: bool,
    pub fish: bool,
    pub pork: bool,
    /// Any meat, pork included: a `*` mark or a meat word.
    pub meat: bool,
    /// Explicitly vegetarian (omelette, soja, "végétarien", vegetable patties…).
    pub vegetarian: bool,
    /// `°` mark or "bio".
    pub organic: bool,
    pub pizza_burger: bool,
    /// Christmas meal and other festive menus.
    pub festive: bool,
    /// A replacement menu served because of a strike ("repas grève", "menu dépannage"): it is known
    /// only once the strike is announced.
    pub strike_menu: bool,
    /// Kids' favourite mains other than pizza/burger (pasta bolognese, lasagne, nuggets, cordon bleu…).
    pub favourite: bool,
}

/// The menu facts of a day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MenuSummary {
    pub dishes: u32,
    pub fries: bool,
    pub fish: bool,
    pub pork: bool,
    pub meat: bool,
    /// No meat and no fish anywhere in the menu, or an explicitly vegetarian main.
    pub vegetarian: bool,
    pub organic_dishes: u32,
    pub pizza_burger: bool,
    pub festive: bool,
    pub strike_menu: bool,
    pub favourite: bool,
}

impl MenuSummary {
    pub fn from_dishes<S: AsRef<str>>(dishes: &[S]) -> Self {
        let mut summary = MenuSummary {
            dishes: dishes.len() as u32,
            ..Self::default()
        };
        let mut explicitly_vegetarian = false;
        for dish in dishes {
            let class = classify_dish(dish.as_ref());
            summary.fries |= class.fries;
            summary.fish |= class.fish;
            summary.pork |= class.pork;
            summary.meat |= class.meat;
            summary.pizza_burger |= class.pizza_burger;
            summary.festive |= class.festive;
            summary.strike_menu |= class.strike_menu;
            summary.favourite |= class.favourite;
            summary.organic_dishes += u32::from(class.organic);
            explicitly_vegetarian |= class.vegetarian;
        }
        summary.vegetarian = !summary.strike_menu
            && !dishes.is_empty()
            && (explicitly_vegetarian || (!summary.meat && !summary.fish));
        summary
    }
}

fn has_word(words: &[&str], candidates: &[&str]) -> bool {
    words.iter().any(|w| candidates.contains(w))
}

fn has_prefix(words: &[&str], prefixes: &[&str]) -> bool {
    words
        .iter()
        .any(|w| prefixes.iter().any(|p| w.starts_with(p)))
}

/// Classifies one dish string as published.
pub fn classify_dish(dish: &str) -> DishClass {
    let folded = fold(dish);
    let words: Vec<&str> = folded.split_whitespace().collect();
    let text = format!(" {} ", words.join(" "));

    let strike_menu = canteen_data::is_strike_menu(dish);

    // Poultry "ham" and sausages are not pork: the word order "jambon de dinde" decides.
    let poultry = has_prefix(&words, &["dinde", "volaille", "poulet"]);
    let pork_words = [
        "porc",
        "jambon",
        "saucisse",
        "saucisses",
        "saucisson",
        "lardons",
        "lardon",
        "chipolata",
        "chipolatas",
        "rillettes",
        "knack",
        "knacks",
        "cervelas",
        "chorizo",
        "andouille",
        "andouillette",
        "travers",
        "echine",
        "mortadelle",
        "coppa",
        "bacon",
        "tartiflette",
        "choucroute",
        "cassoulet",
        "petit sale",
    ];
    // Poultry ham or sausage is not pork unless the dish also says "porc".
    let poultry_only = poultry && !words.contains(&"porc");
    let pork = has_word(&words, &pork_words) && !poultry_only || text.contains(" petit sale ");
    let meat_words = [
        "boeuf",
        "veau",
        "agneau",
        "mouton",
        "poulet",
        "dinde",
        "volaille",
        "canard",
        "lapin",
        "steak",
        "hache",
        "bolognaise",
        "bolognese",
        "merguez",
        "cordon",
        "nuggets",
        "boulettes",
        "kebab",
        "chili",
        "carne",
        "bourguignon",
        "blanquette",
        "navarin",
        "pintade",
        "escalope",
        "roti",
        "saute",
        "emince",
        "parmentier",
        "moussaka",
        "lasagnes",
        "lasagne",
        "hamburger",
        "cheeseburger",
        "burger",
        "paupiette",
        "paupiettes",
        "couscous",
        "tajine",
    ];
    // A fish name ("filet", "dos", "pané" alone say nothing: "filet de poulet").
    let fish = has_word(
        &words,
        &[
            "poisson",
            "poissons",
            "colin",
            "cabillaud",
            "merlu",
            "saumon",
            "thon",
            "lieu",
            "hoki",
            "limande",
            "sardine",
            "sardines",
            "maquereau",
            "maquereaux",
            "crevettes",
            "crevette",
            "surimi",
            "brandade",
            "fish",
            "moules",
            "calamars",
            "perche",
            "truite",
            "daurade",
            "dorade",
            "julienne",
            "encornets",
            "tilapia",
        ],
    );
    // "Parmentier de poisson" is fish, not meat; "roti de porc" is meat and pork.
    let meat_word = has_word(&words, &meat_words) && !(fish && !poultry && !pork);
    let meat = dish.contains('*') || pork || meat_word;
    let vegetarian = has_prefix(&words, &["vegetari", "vegetal", "vegan"])
        || has_word(
            &words,
            &["omelette", "soja", "tofu", "falafels", "falafel", "quinoa"],
        )
        || text.contains(" galette de legumes ")
        || text.contains(" galettes de legumes ");
    let fries = has_prefix(&words, &["frite"])
        || has_word(
            &words,
            &["potatoes", "noisettes", "smiles", "rissolees", "wedges"],
        );
    let pizza_burger = has_prefix(&words, &["pizza"])
        || has_word(
            &words,
            &[
                "burger",
                "hamburger",
                "cheeseburger",
                "hot",
                "croque",
                "tacos",
                "fajitas",
                "kebab",
                "wrap",
                "panini",
            ],
        );
    let festive = has_word(
        &words,
        &[
            "noel",
            "festif",
            "festive",
            "reveillon",
            "buche",
            "fete",
            "fetes",
        ],
    ) || text.contains(" repas de fete ");
    let favourite = has_word(
        &words,
        &[
            "nuggets",
            "cordon",
            "lasagnes",
            "lasagne",
            "spaghetti",
            "spaghettis",
            "coquillettes",
            "macaroni",
            "tortellini",
            "raviolis",
            "ravioli",
            "hachis",
        ],
    ) || text.contains(" pates bolognaise");
    let organic = dish.contains('°') || has_word(&words, &["bio"]);
    DishClass {
        fries,
        fish,
        pork,
        meat,
        vegetarian: vegetarian && !meat && !fish,
        organic,
        pizza_burger,
        festive,
        strike_menu,
        favourite,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real dish strings from `menus_2011_2019.csv` and its variants.
    #[test]
    fn classifies_real_dishes() {
        let c = classify_dish("Frites");
        assert!(c.fries && !c.meat && !c.fish);
        let c = classify_dish("Poisson pané");
        assert!(c.fish && !c.meat);
        let c = classify_dish("Poisson meunière");
        assert!(c.fish);
        let c = classify_dish("Rôti de porc");
        assert!(c.pork && c.meat);
        let c = classify_dish("Jambon fumé");
        assert!(c.pork && c.meat);
        let c = classify_dish("Rôti de boeuf*");
        assert!(c.meat && !c.pork);
        let c = classify_dish("Hachis Parmentier*");
        assert!(c.meat && c.favourite && !c.fish);
        let c = classify_dish("Parmentier de poisson");
        assert!(c.fish && !c.meat);
        let c = classify_dish("Pomme bio°");
        assert!(c.organic && !c.meat);
        let c = classify_dish("Carottes râpées bio");
        assert!(c.organic);
        let c = classify_dish("Pizza au fromage");
        assert!(c.pizza_burger && !c.meat);
        let c = classify_dish("Omelette bio");
        assert!(c.vegetarian && c.organic);
        let c = classify_dish("Galette de soja à l'indienne");
        assert!(c.vegetarian);
        let c = classify_dish("Pilon de poulet confit");
        assert!(c.meat && !c.pork);
        let c = classify_dish("Jambon de dinde");
        assert!(c.meat && !c.pork);
        let c = classify_dish("Salade marine de noel");
        assert!(c.festive);
        let c = classify_dish("REPAS NOËL");
        assert!(c.festive);
        let c = classify_dish("Pommes noisettes");
        assert!(c.fries);
    }

    #[test]
    fn recognises_strike_menus_in_their_spellings() {
        for dish in [
            "repas greves",
            "repas grève",
            "repas grêve",
            "Grèves",
            "greves",
            "menu depannage",
            "Menu de dépannage",
            "repas de depannage",
            "SERVICE MINIMUM",
        ] {
            assert!(classify_dish(dish).strike_menu, "{dish}");
        }
        assert!(!classify_dish("Galette des rois").strike_menu);
        assert!(!classify_dish("Jus de volaille menu").strike_menu);
    }

    #[test]
    fn a_day_without_meat_or_fish_is_vegetarian() {
        let day = MenuSummary::from_dishes(&[
            "Pamplemousse",
            "Crêpe au fromage",
            "Haricots verts",
            "Flan caramel",
        ]);
        assert!(day.vegetarian && !day.meat);
        let day = MenuSummary::from_dishes(&[
            "Melon",
            "Hachis Parmentier*",
            "Salade verte",
            "Pomme bio°",
        ]);
        assert!(!day.vegetarian && day.meat && day.organic_dishes == 1);
        let strike = MenuSummary::from_dishes(&["repas grève"]);
        assert!(strike.strike_menu && !strike.vegetarian);
    }
}
