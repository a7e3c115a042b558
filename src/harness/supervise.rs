//! A crash loses one benchmark, not the bench. Every bench binary runs its benchmarks in a
//! child process of itself; when the child dies (a signal, an abort, the watchdog), the
//! parent records the benchmark that was running as crashed (or timed out) and starts a
//! new child, which carries on with the benchmarks that have no outcome yet. Whichever
//! way the suite is started (`./suite bench`, `cargo bench`, a bench binary by hand).

use super::run::{Event, FailKind, RunDir, now};
use super::watchdog::TIMEOUT_EXIT;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus};

/// Set in a supervised child: the session its benchmarks are recorded under.
pub const SESSION_VAR: &str = "WRB_SESSION";

/// The session of this process if it is a supervised child.
pub fn session() -> Option<String> {
    std::env::var(SESSION_VAR).ok().filter(|s| !s.is_empty())
}

/// Makes `command`'s child die with this process, however this one ends: a crashed or
/// killed supervisor (or test) leaves no child spinning on a core of the machine.
pub fn dies_with_parent(command: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe, as a pre_exec hook must be.
    unsafe {
        command.pre_exec(|| match libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) {
            -1 => Err(std::io::Error::last_os_error()),
            _ => Ok(()),
        })
    }
}

/// Set to 1 to let bench processes keep the kernel's address-space randomization.
pub const RANDOM_LAYOUT_VAR: &str = "WRB_RANDOM_LAYOUT";

/// Starts `command`'s child with address-space randomization off (as `setarch -R` does),
/// unless `WRB_RANDOM_LAYOUT=1`. Where JIT code, linear memory and the heap land decides
/// cache and branch-predictor aliasing: with randomization, the same benchmark moved by up
/// to 20% from one process to the next with tight intervals inside each; without it, one
/// layout is measured every time (README, "Stability": it does not make all runs agree).
pub fn fixed_layout(command: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    if std::env::var(RANDOM_LAYOUT_VAR).is_ok_and(|v| v == "1") {
        return command;
    }
    // SAFETY: personality is a plain system call, async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            let current = libc::personality(0xffff_ffff);
            match current != -1 && libc::personality((current | libc::ADDR_NO_RANDOMIZE) as libc::c_ulong) != -1 {
                true => Ok(()),
                false => Err(std::io::Error::last_os_error()),
            }
        })
    }
}

/// Runs this executable as supervised children until its benchmarks are done; returns
/// the exit code for the bench: 0 if every benchmark of the session reported a number
/// or was skipped, 1 if any failed, crashed or timed out.
pub fn supervise(bench: &str, run: &RunDir) -> i32 {
    let session = format!("{bench}-{}-{}", std::process::id(), (now() * 1e3) as u64);
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("wrb: cannot find this executable to supervise it: {e}");
            return 101;
        }
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    loop {
        let status = fixed_layout(dies_with_parent(Command::new(&exe).args(&args).env(SESSION_VAR, &session).env("WRB_RUN_ID", &run.id))).status();
        let status = match status {
            Ok(status) => status,
            Err(e) => {
                eprintln!("wrb: cannot start {}: {e}", exe.display());
                return 101;
            }
        };
        match status.code() {
            Some(0) | Some(1) => return summarize(bench, run, &session),
            Some(TIMEOUT_EXIT) => continue,
            _ if status.signal() == Some(libc::SIGINT) => {
                eprintln!("wrb: interrupted");
                return 130;
            }
            _ => {}
        }
        let running = running_benchmark(run, &session);
        let Some(id) = running else {
            eprintln!("wrb: the `{bench}` bench process ended with {} outside any benchmark", describe(status));
            return status.code().unwrap_or(101);
        };
        let error = format!("crashed: the bench process ended with {}", describe(status));
        eprintln!("FAILED {id}: {error}; going on with the remaining benchmarks in a new process");
        let recorded = run.record(&Event::Fail { id, session: session.clone(), t: now(), kind: FailKind::Crashed, error });
        if let Err(e) = recorded {
            eprintln!("wrb: cannot record the crash ({e:#}); stopping");
            return 101;
        }
    }
}

/// The benchmark of `session` that started last and has no outcome.
fn running_benchmark(run: &RunDir, session: &str) -> Option<String> {
    let events = run.events();
    let mut running = None;
    for event in events.iter().filter(|e| e.session() == Some(session)) {
        match event {
            Event::Start { id, .. } => running = Some(id.clone()),
            Event::Ok { id, .. } | Event::Measured { id, .. } | Event::Fail { id, .. } if running.as_deref() == Some(id) => running = None,
            _ => {}
        }
    }
    running
}

/// `signal 11 (SIGSEGV)` or `exit code 3`.
pub fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => {
            let name = unsafe { std::ffi::CStr::from_ptr(libc::strsignal(signal)) }.to_string_lossy().into_owned();
            format!("signal {signal} ({name}{})", if status.core_dumped() { ", core dumped" } else { "" })
        }
        _ => status.to_string(),
    }
}

/// Lists the session's failures; 1 if there are any.
fn summarize(bench: &str, run: &RunDir, session: &str) -> i32 {
    let failures: Vec<String> = super::run::outcomes(&run.events().into_iter().filter(|e| e.session() == Some(session)).collect::<Vec<_>>())
        .into_values()
        .filter_map(|event| match event {
            Event::Fail { id, error, .. } => Some(format!("{id}: {error}")),
            _ => None,
        })
        .collect();
    if failures.is_empty() {
        return 0;
    }
    eprintln!("\n{} benchmark(s) of `{bench}` failed and report no number:", failures.len());
    for failure in &failures {
        eprintln!("  {failure}");
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The personality a child of `command` runs with (`/proc/self/personality`, hex).
    fn child_personality(command: &mut Command) -> u32 {
        let output = command.arg("/proc/self/personality").output().expect("cat runs");
        u32::from_str_radix(String::from_utf8_lossy(&output.stdout).trim(), 16).expect("a hex personality")
    }

    #[test]
    fn bench_children_run_without_address_randomization() {
        let no_randomize = libc::ADDR_NO_RANDOMIZE as u32;
        assert_ne!(child_personality(fixed_layout(&mut Command::new("cat"))) & no_randomize, 0);
        // Not inherited from the test's own process: a plain child still has it on.
        assert_eq!(child_personality(&mut Command::new("cat")) & no_randomize, 0);
    }
}
