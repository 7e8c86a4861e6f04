//! The committed `include/allcore.h` is exactly what cbindgen generates from
//! the sources. Run with `ALLCORE_WRITE_HEADER=1` (`make header`) to regenerate.

use std::path::PathBuf;

#[test]
fn header_is_fresh() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).unwrap();
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(&root)
        .with_config(config)
        .generate()
        .expect("cbindgen could not parse the crate")
        .write(&mut generated);
    let path = root.join("include/allcore.h");
    if std::env::var_os("ALLCORE_WRITE_HEADER").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/allcore.h is stale: run `make header` and commit it"
    );
}

#[test]
fn header_names_only_allcore_things() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let header = std::fs::read_to_string(root.join("include/allcore.h")).unwrap();
    for line in header.lines() {
        if let Some(name) = line
            .strip_prefix("#define ")
            .and_then(|r| r.split_whitespace().next())
        {
            assert!(
                name.starts_with("AC_") || name == "ALLCORE_H",
                "the header defines {name}: exclude it in cbindgen.toml or rename it AC_*"
            );
        }
    }
}
