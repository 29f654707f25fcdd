//! The resource-heavy policy both benchmarks use.

use std::collections::BTreeMap;

use ext_cors::{CorsOptions, OneOrMany, Resources};

/// `count` resources, literals, string regexes and `regex:` patterns mixed,
/// each with its own origins plus `https://app.example`. `/api/v0/items`
/// hits the only one of 1; `/api/v48/items` one of the last tried of 50.
pub fn resources(count: usize) -> CorsOptions {
    let mut map = BTreeMap::new();
    for index in 0..count {
        let pattern = match index % 3 {
            0 => format!("/api/v{index}/*"),
            1 => format!("regex:/svc{index}/[a-z]+"),
            _ => format!("/static/{index}"),
        };
        let options = CorsOptions {
            origins: Some(OneOrMany::from([
                format!("https://app{index}.example"),
                "https://app.example".to_owned(),
            ])),
            ..CorsOptions::default()
        };
        map.insert(pattern, options);
    }
    CorsOptions {
        resources: Some(Resources::Map(map)),
        ..CorsOptions::default()
    }
}
