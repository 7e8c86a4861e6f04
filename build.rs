//! Gives the shared library its SONAME on Linux, following cargo-c's
//! convention: `liballcore.so.<major>` for 1.x and later, and
//! `liballcore.so.0.<minor>` while the ABI is 0.x (where a minor version may
//! break it). `make install` names the file and its links to match.

fn main() {
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        let major = env!("CARGO_PKG_VERSION_MAJOR");
        let minor = env!("CARGO_PKG_VERSION_MINOR");
        let soversion = if major == "0" {
            format!("0.{minor}")
        } else {
            major.to_string()
        };
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,liballcore.so.{soversion}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
