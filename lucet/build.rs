// Compiled Lucet modules import `lucet_vmctx_*` from the process. The cdylib
// exports them by itself (they are `#[no_mangle] pub extern "C"` in
// lucet-runtime); an executable does not export anything dynamically unless
// linked with --export-dynamic, so the integration tests need it.
fn main() {
    println!("cargo:rustc-link-arg-tests=-Wl,--export-dynamic");
    println!("cargo:rerun-if-changed=build.rs");
}
