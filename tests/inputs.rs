//! Inputs are checked before anything uses them: manifest paths and sample names stay
//! inside the manifest's directory, temporary files are private, the seal's key is kept
//! private, a runtime that cannot start is skipped with the reason.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;
use wasm_runtime_bench::artifact::ArtifactStore;
use wasm_runtime_bench::sample::{Sample, inside, load_manifest};
use wasm_runtime_bench::step::{Run, Step};
use wasm_runtime_bench::value::Value;

mod common;
use common::{in_child, scratch};

fn write_manifest(dir: &Path, file: &str) -> std::path::PathBuf {
    let manifest = dir.join("manifest.toml");
    std::fs::write(&manifest, format!("[[sample]]\nname = \"x\"\nfile = \"{file}\"\narg = {{ i32 = 1 }}\nexpected = {{ i32 = 2 }}\n")).unwrap();
    manifest
}

#[test]
fn manifest_paths_stay_inside_the_manifests_directory() {
    let root = scratch("inputs-paths");
    let dir = root.join("bench");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let add_one = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/add-one.wasm");
    std::fs::copy(&add_one, root.join("outside.wasm")).unwrap();
    std::fs::copy(&add_one, dir.join("sub/inside.wasm")).unwrap();
    std::os::unix::fs::symlink(root.join("outside.wasm"), dir.join("link.wasm")).unwrap();
    std::os::unix::fs::symlink(dir.join("sub/inside.wasm"), dir.join("good-link.wasm")).unwrap();
    for (file, refusal) in [
        ("/etc/hostname", "relative path"),
        ("../outside.wasm", "relative path"),
        ("sub/../../outside.wasm", "relative path"),
        ("link.wasm", "leads out of"),
    ] {
        let err = load_manifest(&write_manifest(&dir, file)).err().unwrap_or_else(|| panic!("`{file}` is refused"));
        assert!(format!("{err:#}").contains(refusal), "{file}: {err:#}");
    }
    for file in ["sub/inside.wasm", "./sub/inside.wasm", "good-link.wasm"] {
        let samples = load_manifest(&write_manifest(&dir, file)).unwrap_or_else(|e| panic!("{file}: {e:#}"));
        assert_eq!(samples[0].name, "x");
    }
    assert!(inside(&dir, "").is_err());
}

#[test]
fn sample_names_cannot_name_paths() {
    for name in ["", "../x", "a/b", ".hidden", "x y", &"n".repeat(65)] {
        assert!(Sample::with(name, Vec::new(), wasm_runtime_bench::value::Export::of("run", &[], None), Vec::new(), wasm_runtime_bench::sample::Expect::NoTrap).is_err(), "`{name}`");
    }
    let dir = scratch("inputs-names");
    let manifest = dir.join("manifest.toml");
    std::fs::write(&manifest, "[[sample]]\nname = \"../escape\"\nfile = \"x.wasm\"\n").unwrap();
    assert!(format!("{:#}", load_manifest(&manifest).err().unwrap()).contains("sample name"));
}

/// The child: a Lucet compile, with `TMPDIR` set by the parent.
#[test]
fn lucet_temporary_child() {
    let Ok(case) = std::env::var("WRB_CHILD_CASE") else { return };
    assert_eq!(case, "lucet-compile");
    let lucet = wasm_runtime_bench::runtimes::runtime("lucet").unwrap();
    let sample = wasm_runtime_bench::sample::load_samples().unwrap().into_iter().find(|s| s.name == "add-one").unwrap();
    let run = Run::new(&*lucet, &sample);
    let (value, _, _) = run.jit().unwrap_or_else(|e| panic!("{e}"));
    run.check(Step::Jit, value).unwrap();
    println!("WRB-CHILD: compiled");
}

#[test]
fn lucet_compiles_into_a_private_directory_not_a_shared_predictable_one() {
    if wasm_runtime_bench::runtimes::runtime("lucet").map(|l| l.unsupported(Step::Jit).is_some()).unwrap_or(true) {
        eprintln!("Lucet is not in this build: nothing to check");
        return;
    }
    let tmp = scratch("inputs-lucet-tmp");
    let victim = scratch("inputs-lucet-victim");
    // Another user pre-created the old, predictable path as a link to a directory of theirs.
    std::os::unix::fs::symlink(&victim, tmp.join("wasm-runtime-bench-lucet")).unwrap();
    let child = in_child("lucet_temporary_child", &[("WRB_CHILD_CASE", "lucet-compile"), ("TMPDIR", tmp.to_str().unwrap())], Duration::from_secs(120));
    assert_eq!(child.lines, ["compiled"], "{child:?}");
    assert_eq!(std::fs::read_dir(&victim).unwrap().count(), 0, "nothing is written through the link");
    // Whatever the compile made in TMPDIR is gone, and was private while it lived.
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, [std::ffi::OsString::from("wasm-runtime-bench-lucet")], "{left:?}");
}

/// The child: AOT compile and verify of add-one with the key file `WRB_ARTIFACT_KEY`.
#[test]
fn artifact_key_child() {
    let Ok(store) = std::env::var("WRB_CHILD_CASE") else { return };
    let runtime = wasm_runtime_bench::runtimes::runtime("wasmer.singlepass").unwrap();
    let sample = wasm_runtime_bench::sample::load_samples().unwrap().into_iter().find(|s| s.name == "add-one").unwrap();
    let run = Run::new(&*runtime, &sample);
    let store = ArtifactStore::new(store);
    let outcome = std::env::var("WRB_CHILD_WRITE")
        .is_ok()
        .then(|| run.aot_compile(&store).map(drop))
        .unwrap_or(Ok(()))
        .and_then(|()| run.aot_verify(&store).map(drop));
    match outcome {
        Ok(()) => println!("WRB-CHILD: verified"),
        Err(e) => println!("WRB-CHILD: refused {e}"),
    }
}

#[test]
fn the_seal_is_a_mac_with_a_private_key() {
    if wasm_runtime_bench::runtimes::runtime("wasmer.singlepass").is_err() {
        return;
    }
    let dir = scratch("inputs-key");
    let store = dir.join("store");
    let (key_a, key_b) = (dir.join("a/artifact.key"), dir.join("b/artifact.key"));
    let child = |key: &Path, write: bool| {
        let mut env = vec![("WRB_CHILD_CASE", store.to_str().unwrap()), ("WRB_ARTIFACT_KEY", key.to_str().unwrap())];
        if write {
            env.push(("WRB_CHILD_WRITE", "1"));
        }
        in_child("artifact_key_child", &env, Duration::from_secs(120)).lines.join("\n")
    };
    assert_eq!(child(&key_a, true), "verified");
    // The key is made on first use, readable by its owner only, in a private directory.
    assert_eq!(std::fs::metadata(&key_a).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(key_a.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
    // Someone who can write the store but has another key cannot make an artifact that loads.
    let refused = child(&key_b, false);
    assert!(refused.starts_with("refused") && refused.contains("checksum does not match"), "{refused}");
    // A key others could read is refused, and no artifact is loaded with it.
    std::fs::set_permissions(&key_a, std::fs::Permissions::from_mode(0o644)).unwrap();
    let refused = child(&key_a, false);
    assert!(refused.contains("readable by no one else"), "{refused}");
}

#[test]
fn a_runtime_that_cannot_start_is_skipped_with_the_reason() {
    let missing = wasm_runtime_bench::runtime::Unavailable { name: "broken", reason: "broken could not start: no engine".into() };
    use wasm_runtime_bench::runtime::Runtime;
    for step in Step::ALL {
        assert_eq!(missing.unsupported(step).as_deref(), Some("broken could not start: no engine"));
    }
    assert!(wasm_runtime_bench::runtimes::runtime("no-such-runtime").is_err());
    let sample = Sample::new("x", Vec::new(), "run", &[Value::I32(1)], Value::I32(2));
    assert!(Run::new(&missing, &sample).compile().is_err());
}
