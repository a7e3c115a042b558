//! Compiles the driver against Debian's mruby 3.1.0 (package libmruby-dev) for the native twin.

fn main() {
    println!("cargo:rerun-if-changed=src/mruby_script.c");
    cc::Build::new().file("src/mruby_script.c").warnings(false).compile("mruby_script");
    // Debian puts libmruby.a in /usr/lib, outside the linker's multiarch search path.
    println!("cargo:rustc-link-search=native=/usr/lib");
    println!("cargo:rustc-link-lib=static=mruby");
    println!("cargo:rustc-link-lib=m");
}
