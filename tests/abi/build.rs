//! Generates Rust declarations of the C ABI from include/allcore.h with
//! bindgen, and compiles the C helpers the tests hand to allcore as callbacks.

use std::env;
use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../..");
    let header = root.join("include/allcore.h");
    println!("cargo:rerun-if-changed={}", header.display());
    println!("cargo:rerun-if-changed=c/callbacks.c");

    bindgen::Builder::default()
        .header(header.to_str().unwrap())
        .allowlist_function("ac_.*")
        .allowlist_type("ac_.*")
        .allowlist_var("AC_.*")
        .prepend_enum_name(false)
        .default_macro_constant_type(bindgen::MacroTypeVariation::Signed)
        .generate()
        .expect("bindgen could not parse include/allcore.h")
        .write_to_file(PathBuf::from(env::var("OUT_DIR").unwrap()).join("allcore.rs"))
        .unwrap();

    cc::Build::new()
        .file("c/callbacks.c")
        .include(root.join("include"))
        .flag_if_supported("-Wall")
        .flag_if_supported("-Wextra")
        .warnings_into_errors(true)
        .compile("abi_callbacks");
}
