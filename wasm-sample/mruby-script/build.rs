//! Builds the native twin's mruby: mruby 3.1.0 from the same Debian source package, with
//! the same gems and compiler (clang-22, -O2) as the wasm module (native/build_config.rb),
//! then the same driver (src/mruby_script.c); both are linked into this crate.

use std::path::PathBuf;
use std::process::Command;

fn run(command: &mut Command) {
    let status = command.status().unwrap_or_else(|e| panic!("running {command:?}: {e} (./suite setup installs what it needs)"));
    assert!(status.success(), "{command:?} failed: {status}");
}

fn main() {
    let here = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    for file in ["src/mruby_script.c", "native/build_config.rb", "gems.rb", "fetch-mruby.sh"] {
        println!("cargo:rerun-if-changed={file}");
    }
    run(Command::new(here.join("fetch-mruby.sh")).arg(&out));
    let source = out.join("mruby-3.1.0");
    let log = std::fs::File::create(out.join("rake.log")).unwrap();
    let status = Command::new("rake")
        .args(["-j2", "all"])
        .current_dir(&source)
        .env("MRUBY_CONFIG", here.join("native/build_config.rb"))
        .env("SOURCE_DATE_EPOCH", "0")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .status()
        .expect("running rake (./suite setup installs ruby and rake)");
    assert!(status.success(), "building mruby failed: see {}", out.join("rake.log").display());
    cc::Build::new()
        .compiler("clang-22")
        .file(here.join("src/mruby_script.c"))
        .include(source.join("include"))
        .opt_level(2)
        .define("MRB_NO_STDIO", None)
        .define("MRB_INT32", None)
        .warnings(false)
        .compile("mruby_script");
    println!("cargo:rustc-link-search=native={}", source.join("build/twin/lib").display());
    println!("cargo:rustc-link-lib=static=mruby");
    println!("cargo:rustc-link-lib=m");
}
