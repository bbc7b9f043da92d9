//! The catalogue as the console ships it: `catalogue.json` without what
//! only its tests read (each entry's example and where it was read, the
//! file's own description), on one line. The download carries the rules
//! and the words an admin sees, not the evidence behind them.

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=catalogue.json");
    let text = std::fs::read_to_string("catalogue.json").expect("triage/catalogue.json");
    let mut catalogue: serde_json::Value =
        serde_json::from_str(&text).expect("triage/catalogue.json is JSON");
    if let Some(object) = catalogue.as_object_mut() {
        object.remove("about");
    }
    for entry in catalogue["entries"]
        .as_array_mut()
        .expect("catalogue.json has entries")
    {
        if let Some(entry) = entry.as_object_mut() {
            entry.remove("example");
            entry.remove("example_source");
        }
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("catalogue.json");
    std::fs::write(out, catalogue.to_string()).expect("the shipped catalogue is written");
}
