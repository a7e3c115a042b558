//! A run's identity and its record. Every bench process of one run (one `./suite bench`,
//! or one `cargo bench`) writes into `target/criterion/runs/<run id>/`: `run.json` (when
//! and how the run started) and `events.jsonl`, one line per thing that happened to a
//! benchmark (started, reported a number, failed, crashed, was skipped). The summary
//! reads only that record, so it shows nothing an earlier run left behind.

use crate::harness::speed::{Probes, Reading};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Criterion's output directory: `$CRITERION_HOME`, else `criterion/` in the target directory.
pub fn criterion_dir() -> PathBuf {
    match std::env::var_os("CRITERION_HOME").filter(|v| !v.is_empty()) {
        Some(home) => home.into(),
        None => crate::artifact::target_dir().join("criterion"),
    }
}

pub fn runs_dir() -> PathBuf {
    criterion_dir().join("runs")
}

/// Seconds since the Unix epoch.
pub fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "ev", rename_all = "snake_case")]
pub enum Event {
    /// A bench process started: its runtimes and their versions.
    Build { bench: String, pid: u32, t: f64, versions: BTreeMap<String, String> },
    /// A benchmark the run selected (list mode), with the seconds it is expected to take.
    Listed { id: String, expected_secs: f64 },
    /// A benchmark the run selected that cannot run, and why.
    Skip { id: String, reason: String },
    Start { id: String, session: String, pid: u32, t: f64 },
    /// Criterion measured it; `secs` is how long the benchmark took, setup included, and
    /// `median_ns` the median Criterion wrote for it (how the report tells this run's
    /// files from a later run's; absent in records from before it was kept).
    Ok {
        id: String,
        session: String,
        t: f64,
        secs: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        median_ns: Option<f64>,
    },
    /// The suite timed it itself (an iteration takes seconds): each run's nanoseconds.
    Measured { id: String, session: String, t: f64, secs: f64, samples_ns: Vec<f64> },
    Fail { id: String, session: String, t: f64, kind: FailKind, error: String },
    /// Criterion measured it a second time because the first interval was wider than
    /// `again::PRECISE` (half-widths as shares of the median) or the machine was slowed
    /// during it (`speed`), or only because it is always measured twice (`by_rule`,
    /// `again::always_twice`); `kept_second` says which measurement the benchmark's files
    /// now hold.
    Again {
        id: String,
        session: String,
        t: f64,
        secs: f64,
        #[serde(default)]
        by_rule: bool,
        first_half_width: f64,
        second_half_width: Option<f64>,
        first_median_ns: Option<f64>,
        second_median_ns: Option<f64>,
        kept_second: bool,
    },
    /// The speed probes (`speed`) just before and after a measurement of the benchmark, in
    /// nanoseconds, the integer part and the float part (none in records from before it),
    /// and each part's median of the readings taken during it (none for a measurement too
    /// short for one, or in records from before them); a benchmark measured twice (`Again`)
    /// has two, in order.
    Speed {
        id: String,
        t: f64,
        before_ns: f64,
        after_ns: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        float_before_ns: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        float_after_ns: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        during_ns: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        float_during_ns: Option<f64>,
    },
    /// Conditions a reader of the results should know (a busy machine, ...).
    Warning { t: f64, text: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailKind {
    /// The step returned an error or a wrong result.
    Failed,
    /// A guest ran past the time limit.
    Timeout,
    /// The bench process died (a signal, an abort).
    Crashed,
}

impl Event {
    pub fn speed(id: String, t: f64, probes: Probes) -> Event {
        let Probes { before, after, during } = probes;
        Event::Speed {
            id,
            t,
            before_ns: before.integer_ns,
            after_ns: after.integer_ns,
            float_before_ns: before.float_ns,
            float_after_ns: after.float_ns,
            during_ns: during.map(|d| d.integer_ns),
            float_during_ns: during.and_then(|d| d.float_ns),
        }
    }

    /// The speed probes of a `Speed` event.
    pub fn probes(&self) -> Option<Probes> {
        match *self {
            Event::Speed { before_ns, after_ns, float_before_ns, float_after_ns, during_ns, float_during_ns, .. } => Some(Probes {
                before: Reading { integer_ns: before_ns, float_ns: float_before_ns },
                after: Reading { integer_ns: after_ns, float_ns: float_after_ns },
                during: during_ns.map(|integer_ns| Reading { integer_ns, float_ns: float_during_ns }),
            }),
            _ => None,
        }
    }

    pub fn id(&self) -> Option<&str> {
        match self {
            Event::Listed { id, .. }
            | Event::Skip { id, .. }
            | Event::Start { id, .. }
            | Event::Ok { id, .. }
            | Event::Measured { id, .. }
            | Event::Fail { id, .. }
            | Event::Again { id, .. }
            | Event::Speed { id, .. } => Some(id),
            Event::Build { .. } | Event::Warning { .. } => None,
        }
    }

    pub fn session(&self) -> Option<&str> {
        match self {
            Event::Start { session, .. } | Event::Ok { session, .. } | Event::Measured { session, .. } | Event::Fail { session, .. } => {
                Some(session)
            }
            _ => None,
        }
    }
}

/// When and how a run started.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RunInfo {
    pub id: String,
    /// RFC 3339, UTC.
    pub started: String,
    pub started_unix: f64,
    /// The command that started it.
    pub command: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct RunDir {
    pub id: String,
    pub dir: PathBuf,
}

impl RunDir {
    /// This process's run: `$WRB_RUN_ID` (set by `./suite bench` for all its steps), else
    /// the run of the `cargo bench` (or shell) that started this process, named after it.
    pub fn current() -> Result<RunDir> {
        let id = match std::env::var("WRB_RUN_ID") {
            Ok(id) if !id.is_empty() => id,
            _ => parent_run_id(),
        };
        RunDir::open(&id)
    }

    /// The run `id`, its directory created (with `run.json`) if it is new.
    pub fn open(id: &str) -> Result<RunDir> {
        anyhow::ensure!(
            !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) && !id.starts_with('.'),
            "run id `{id}` must be letters, digits, `-`, `_` or `.`"
        );
        let dir = runs_dir().join(id);
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let run = RunDir { id: id.to_string(), dir };
        // `./suite bench` names the command that started the run; else this process's.
        let command = match std::env::var("WRB_RUN_COMMAND") {
            Ok(command) if !command.is_empty() => vec![command],
            _ => std::env::args().collect(),
        };
        let info = RunInfo { id: id.to_string(), started: rfc3339(now()), started_unix: now(), command };
        match fs::OpenOptions::new().write(true).create_new(true).open(run.dir.join("run.json")) {
            Ok(mut file) => {
                file.write_all(&serde_json::to_vec_pretty(&info)?)?;
                set_latest(id)?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e).context("writing run.json"),
        }
        Ok(run)
    }

    /// The run that started most recently.
    pub fn latest() -> Result<RunDir> {
        let pointer = runs_dir().join("latest");
        let id = fs::read_to_string(&pointer).with_context(|| format!("reading {} (no run recorded yet: run `./suite bench`)", pointer.display()))?;
        let id = id.trim();
        let dir = runs_dir().join(id);
        anyhow::ensure!(dir.is_dir(), "{} names run `{id}`, which is not in {}", pointer.display(), runs_dir().display());
        Ok(RunDir { id: id.to_string(), dir })
    }

    pub fn info(&self) -> Result<RunInfo> {
        let path = self.dir.join("run.json");
        serde_json::from_slice(&fs::read(&path).with_context(|| format!("reading {}", path.display()))?)
            .with_context(|| format!("parsing {}", path.display()))
    }

    pub fn events_file(&self) -> PathBuf {
        self.dir.join("events.jsonl")
    }

    /// Appends one event; each is one `write` to a file opened for appending, so
    /// processes of one run never interleave within a line.
    pub fn record(&self, event: &Event) -> Result<()> {
        let mut line = serde_json::to_vec(event)?;
        line.push(b'\n');
        let mut file = fs::OpenOptions::new().create(true).append(true).open(self.events_file())?;
        file.write_all(&line).with_context(|| format!("writing {}", self.events_file().display()))
    }

    /// Every event recorded so far; a line that does not parse (a crash mid-write) is passed over.
    pub fn events(&self) -> Vec<Event> {
        read_events(&self.events_file())
    }
}

pub fn read_events(file: &Path) -> Vec<Event> {
    fs::read_to_string(file).unwrap_or_default().lines().filter_map(|line| serde_json::from_str(line).ok()).collect()
}

fn set_latest(id: &str) -> Result<()> {
    let dir = runs_dir();
    let mut partial = tempfile::Builder::new().prefix(".latest").tempfile_in(&dir)?;
    partial.write_all(id.as_bytes())?;
    partial.persist(dir.join("latest"))?;
    Ok(())
}

/// A run id for the process that started this one (cargo, or a shell): the time it
/// started and its pid. Every bench target of one `cargo bench` shares it.
fn parent_run_id() -> String {
    let ppid = std::os::unix::process::parent_id();
    let started = process_start(ppid).unwrap_or_else(now);
    format!("{}-{ppid}", compact_time(started))
}

/// When process `pid` started, from /proc (boot time + start ticks).
fn process_start(pid: u32) -> Option<f64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: fields start after its closing parenthesis.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(19)?.parse().ok()?;
    let boot: f64 = fs::read_to_string("/proc/stat").ok()?.lines().find_map(|l| l.strip_prefix("btime "))?.trim().parse().ok()?;
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Some(boot + ticks / hz)
}

/// `20261126T081502Z`.
pub fn compact_time(unix: f64) -> String {
    let (date, time) = civil(unix);
    format!("{}T{}Z", date.replace('-', ""), time.replace(':', ""))
}

/// `2026-11-26T08:15:02Z`.
pub fn rfc3339(unix: f64) -> String {
    let (date, time) = civil(unix);
    format!("{date}T{time}Z")
}

fn civil(unix: f64) -> (String, String) {
    let secs = unix.max(0.0) as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (format!("{year:04}-{month:02}-{day:02}"), format!("{:02}:{:02}:{:02}", rest / 3600, rest / 60 % 60, rest % 60))
}

/// The last outcome of each benchmark in `events`: by id, its latest `Start`, `Ok` or
/// `Fail` (a `Start` last means it never finished), and skips.
pub fn outcomes(events: &[Event]) -> BTreeMap<String, Event> {
    let mut last = BTreeMap::new();
    for event in events {
        if matches!(event, Event::Start { .. } | Event::Ok { .. } | Event::Measured { .. } | Event::Fail { .. } | Event::Skip { .. }) {
            last.insert(event.id().expect("these have ids").to_string(), event.clone());
        }
    }
    last
}
