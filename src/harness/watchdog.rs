//! The time limit of a bench process's guest code. The timing loops arm it (outside the
//! clock) before each iteration or batch; a thread checks the deadline a few times a
//! second. A guest past it cannot be stopped in every runtime (WAMR, wasm3, the
//! interpreters have no interruption; Wasmtime's epochs and wasmi's fuel add checks to the
//! very code being measured), so the watchdog records the benchmark as failed, `did not
//! finish within N s`, and ends the process; its supervisor then resumes the remaining
//! benchmarks in a new one.

use super::run::{Event, FailKind, RunDir, now};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The exit code of a process the watchdog ended.
pub const TIMEOUT_EXIT: i32 = 86;

/// The limit on one call of guest code: `$WRB_TIME_LIMIT` seconds, 60 by default.
pub fn call_limit() -> Duration {
    limit_from("WRB_TIME_LIMIT", 60)
}

/// The limit on one compilation: `$WRB_COMPILE_TIME_LIMIT` seconds, 900 by default (LLVM
/// and lucetc take about 40 s on the 1 MB sample here).
pub fn compile_limit() -> Duration {
    limit_from("WRB_COMPILE_TIME_LIMIT", 900)
}

fn limit_from(variable: &str, default_secs: u64) -> Duration {
    std::env::var(variable).ok().and_then(|v| v.parse::<f64>().ok()).filter(|s| *s > 0.0).map_or(Duration::from_secs(default_secs), Duration::from_secs_f64)
}

/// The benchmark the process is working on, for the failure it records.
#[derive(Clone)]
pub struct Current {
    pub id: String,
    /// `sample `s` on runtime `r` failed at step x`.
    pub who: String,
    pub run: RunDir,
    pub session: String,
}

#[derive(Clone, Copy)]
struct Armed {
    deadline: Instant,
    limit: Duration,
}

#[derive(Default)]
struct State {
    current: Option<Current>,
    armed: Option<Armed>,
}

struct Watchdog {
    state: Mutex<State>,
    wake: Condvar,
}

fn watchdog() -> &'static Watchdog {
    static WATCHDOG: OnceLock<&'static Watchdog> = OnceLock::new();
    WATCHDOG.get_or_init(|| {
        let watchdog: &'static Watchdog = Box::leak(Box::new(Watchdog { state: Mutex::default(), wake: Condvar::new() }));
        std::thread::Builder::new().name("wrb-watchdog".into()).spawn(move || watch(watchdog)).expect("starting the watchdog thread");
        watchdog
    })
}

fn watch(watchdog: &Watchdog) {
    let mut state = watchdog.state.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let wait = match &state.armed {
            Some(armed) => {
                let now = Instant::now();
                if now >= armed.deadline {
                    expire(&state, armed.limit);
                }
                (armed.deadline - now).min(Duration::from_millis(500))
            }
            None => Duration::from_secs(3600),
        };
        state = watchdog.wake.wait_timeout(state, wait).unwrap_or_else(|e| e.into_inner()).0;
    }
}

fn expire(state: &State, limit: Duration) -> ! {
    let what = match &state.current {
        Some(current) => {
            let error = format!("did not finish within {} s", limit.as_secs_f64());
            eprintln!("FAILED {}: {}: {error}", current.id, current.who);
            let _ = current.run.record(&Event::Fail {
                id: current.id.clone(),
                session: current.session.clone(),
                t: now(),
                kind: FailKind::Timeout,
                error: format!("{}: {error}", current.who),
            });
            current.id.clone()
        }
        None => "(no benchmark)".into(),
    };
    eprintln!("wrb: ending this bench process: {what} ran past its time limit; the remaining benchmarks go on in a new one");
    // SAFETY: ends the process at once; nothing of this process is needed any more.
    unsafe { libc::_exit(TIMEOUT_EXIT) }
}

/// Says which benchmark the process works on (`None`: none).
pub fn set_current(current: Option<Current>) {
    let mut state = watchdog().state.lock().unwrap_or_else(|e| e.into_inner());
    state.current = current;
    state.armed = None;
}

/// Until the returned guard drops, the process must not spend more than `limit` (plus
/// `expected`, the time the work should take) in the armed work. Guards nest: dropping
/// one brings back the deadline it replaced.
#[must_use]
pub fn arm(limit: Duration, expected: Duration) -> Disarm {
    let watchdog = watchdog();
    let mut state = watchdog.state.lock().unwrap_or_else(|e| e.into_inner());
    let previous = state.armed.replace(Armed { deadline: Instant::now() + limit + expected, limit });
    watchdog.wake.notify_one();
    Disarm(previous)
}

pub struct Disarm(Option<Armed>);

impl Drop for Disarm {
    fn drop(&mut self) {
        let mut state = watchdog().state.lock().unwrap_or_else(|e| e.into_inner());
        state.armed = self.0;
    }
}

/// Runs `work` armed with `limit`.
pub fn within<T>(limit: Duration, work: impl FnOnce() -> T) -> T {
    let _armed = arm(limit, Duration::ZERO);
    work()
}
