//! The logic of a run a person can follow, apart from the terminal: the plan (what will
//! run, what is skipped and why), the progress (done out of total, the benchmark running
//! now, the time left), the machine's conditions and the recap, all from the run's record
//! (`events.jsonl`, one JSON object a line, written by the bench processes).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One line of a run's record, as far as the runner reads it.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Listed { id: String, expected_secs: f64 },
    Skip { id: String, reason: String },
    Start { id: String, t: f64 },
    Done { id: String, t: f64, secs: f64 },
    Failed { id: String, t: f64, error: String },
    /// A done benchmark measured a second time, which took `secs`: its first interval was
    /// wide or the machine slowed, or (`by_rule`) it is always measured twice.
    Again { id: String, secs: f64, by_rule: bool },
    Other,
}

impl Event {
    pub fn parse(line: &str) -> Option<Event> {
        let v: Value = serde_json::from_str(line).ok()?;
        let id = || v["id"].as_str().map(str::to_string);
        let t = v["t"].as_f64().unwrap_or(0.0);
        Some(match v["ev"].as_str()? {
            "listed" => Event::Listed { id: id()?, expected_secs: v["expected_secs"].as_f64().unwrap_or(2.0) },
            "skip" => Event::Skip { id: id()?, reason: v["reason"].as_str().unwrap_or("").to_string() },
            "start" => Event::Start { id: id()?, t },
            "ok" | "measured" => Event::Done { id: id()?, t, secs: v["secs"].as_f64().unwrap_or(0.0) },
            "fail" => Event::Failed { id: id()?, t, error: v["error"].as_str().unwrap_or("").to_string() },
            "again" => Event::Again { id: id()?, secs: v["secs"].as_f64().unwrap_or(0.0), by_rule: v["by_rule"].as_bool().unwrap_or(false) },
            _ => Event::Other,
        })
    }
}

pub fn read_events(file: &Path) -> Vec<Event> {
    std::fs::read_to_string(file).unwrap_or_default().lines().filter_map(Event::parse).collect()
}

/// What will run: the listed benchmarks (with what each is expected to take) and the skips.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub expected: BTreeMap<String, f64>,
    pub skips: BTreeMap<String, String>,
}

impl Plan {
    /// From the listing's events; `history` (id -> seconds a previous run took) replaces
    /// the estimate where it knows better.
    pub fn new(events: &[Event], history: &BTreeMap<String, f64>) -> Plan {
        let mut plan = Plan::default();
        for event in events {
            match event {
                Event::Listed { id, expected_secs } => {
                    plan.expected.insert(id.clone(), history.get(id).copied().unwrap_or(*expected_secs));
                }
                Event::Skip { id, reason } => {
                    plan.skips.insert(id.clone(), reason.clone());
                }
                _ => {}
            }
        }
        plan
    }

    /// Benchmarks by step (the first part of the id) and by runtime (the last).
    pub fn counts(&self) -> (BTreeMap<String, usize>, BTreeMap<String, usize>) {
        let (mut steps, mut runtimes) = (BTreeMap::new(), BTreeMap::new());
        for id in self.expected.keys() {
            let mut parts = id.splitn(3, '/');
            *steps.entry(parts.next().unwrap_or("").to_string()).or_insert(0) += 1;
            let runtime = parts.nth(1).unwrap_or("").split('/').next().unwrap_or("").to_string();
            *runtimes.entry(runtime).or_insert(0) += 1;
        }
        (steps, runtimes)
    }

    /// The skips grouped by reason: the reason and how many benchmarks it skips, with a few.
    pub fn skips_by_reason(&self) -> Vec<(String, usize, Vec<String>)> {
        let mut by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (id, reason) in &self.skips {
            by.entry(reason).or_default().push(id);
        }
        let mut grouped: Vec<_> =
            by.into_iter().map(|(reason, ids)| (reason.to_string(), ids.len(), ids.iter().take(3).map(|s| s.to_string()).collect())).collect();
        grouped.sort_by(|a, b| b.1.cmp(&a.1));
        grouped
    }
}

/// Where a run stands.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    pub done: BTreeSet<String>,
    pub failed: BTreeMap<String, String>,
    pub running: Option<String>,
    /// Seconds the done benchmarks took, and what the plan expected of them.
    pub spent: f64,
    pub expected_of_done: f64,
    /// Benchmarks measured a second time, and of them those always measured twice.
    pub measured_again: usize,
    pub by_rule: usize,
}

/// A share of benchmarks measured twice above which the recap calls the machine busy:
/// on a quiet machine here about one in ten is (84 and 80 of 854), on a busy one 354.
pub const BUSY_SHARE: f64 = 0.2;

impl Progress {
    /// The progress after `events` (the run's record so far).
    pub fn of(events: &[Event], plan: &Plan) -> Progress {
        let mut progress = Progress::default();
        for event in events {
            match event {
                Event::Start { id, .. } if plan.expected.contains_key(id) => progress.running = Some(id.clone()),
                Event::Done { id, secs, .. } | Event::Failed { id, t: secs, .. } if plan.expected.contains_key(id) => {
                    if progress.done.insert(id.clone()) {
                        if let Event::Done { .. } = event {
                            progress.spent += secs;
                            progress.expected_of_done += plan.expected[id];
                        }
                    }
                    if let Event::Failed { error, .. } = event {
                        progress.failed.insert(id.clone(), error.clone());
                    }
                    if progress.running.as_deref() == Some(id) {
                        progress.running = None;
                    }
                }
                Event::Again { id, secs, by_rule } if progress.done.contains(id) => {
                    progress.spent += secs;
                    progress.measured_again += 1;
                    progress.by_rule += usize::from(*by_rule);
                }
                _ => {}
            }
        }
        progress
    }

    /// The recap's line on second measurements, if there were any: a warning when so many
    /// were needed that the machine was busy.
    pub fn measured_again_line(&self) -> Option<String> {
        let (again, done) = (self.measured_again, self.done.len());
        if again == 0 {
            return None;
        }
        let line = format!("{again} of {done} benchmarks were measured twice (their first 95% interval was wider than ±2%, or the machine was slowed during it, or every slowdown divides by it)");
        // The ones always measured twice say nothing of the machine.
        Some(if (again - self.by_rule) as f64 > BUSY_SHARE * done as f64 {
            format!("{line}: the machine was busy during this run; compare its numbers with care, or run again on a quiet machine")
        } else {
            line
        })
    }

    /// Seconds left: what the plan expects of the benchmarks not done, scaled by how the
    /// done ones compared with their expectation (from 1 while few are done).
    pub fn seconds_left(&self, plan: &Plan) -> f64 {
        let left: f64 = plan.expected.iter().filter(|(id, _)| !self.done.contains(*id)).map(|(_, secs)| secs).sum();
        let scale = if self.expected_of_done > 0.0 { (self.spent / self.expected_of_done).clamp(0.25, 4.0) } else { 1.0 };
        left * scale
    }

    /// `[212/540] jit/markdown/wasmtime.winch  18m02s elapsed, ~21m left`
    pub fn line(&self, plan: &Plan, elapsed_secs: f64) -> String {
        format!(
            "[{}/{}] {}  {} elapsed, ~{} left{}",
            self.done.len(),
            plan.expected.len(),
            self.running.as_deref().unwrap_or("-"),
            clock(elapsed_secs),
            clock(self.seconds_left(plan)),
            if self.failed.is_empty() { String::new() } else { format!(", {} failed", self.failed.len()) }
        )
    }
}

/// `1h02m`, `18m02s`, `42s`.
pub fn clock(secs: f64) -> String {
    let secs = secs.max(0.0).round() as u64;
    match secs {
        s if s >= 3600 => format!("{}h{:02}m", s / 3600, s / 60 % 60),
        s if s >= 60 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}

/// The seconds each benchmark took in the most recent earlier run of the same kind
/// (`--quick` or not) that ran it, a second measurement included.
pub fn history(runs_dir: &Path, this_run: &str, quick: bool) -> BTreeMap<String, f64> {
    let mut runs: Vec<_> = std::fs::read_dir(runs_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir() && e.file_name() != this_run && was_quick(&e.path()) == quick)
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    runs.sort();
    let mut secs = BTreeMap::new();
    for (_, dir) in runs {
        for event in read_events(&dir.join("events.jsonl")) {
            match event {
                Event::Done { id, secs: s, .. } => {
                    secs.insert(id, s);
                }
                Event::Again { id, secs: s, .. } => *secs.entry(id).or_insert(0.0) += s,
                _ => {}
            }
        }
    }
    secs
}

/// Whether the run in `dir` was started with `--quick` (its `run.json` names the command).
fn was_quick(dir: &Path) -> bool {
    let info: Value = std::fs::read(dir.join("run.json")).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    info["command"].as_array().into_iter().flatten().filter_map(Value::as_str).any(|c| c.split_whitespace().any(|w| w == "--quick"))
}

/// What the machine is doing that could disturb the measurements, with how to quiet it.
pub fn machine_warnings(own_pids: &[u32]) -> Vec<String> {
    let mut warnings = Vec::new();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    if let Some(load) = std::fs::read_to_string("/proc/loadavg").ok().and_then(|l| l.split_whitespace().next()?.parse::<f64>().ok()) {
        // The minute's average still holds the build that came just before: only a load
        // beyond the cores is a warning of its own (busy processes are checked below).
        if load > cores {
            warnings.push(format!("the machine is busy: load average {load:.2} on {cores} cores (let other work finish first)"));
        }
    }
    for (pid, name, share) in busy_processes(own_pids) {
        warnings.push(format!("process {pid} ({name}) uses {:.0}% of a core (stop it for steadier numbers)", share * 100.0));
    }
    let governors: BTreeSet<String> = (0..cores as usize)
        .filter_map(|cpu| std::fs::read_to_string(format!("/sys/devices/system/cpu/cpu{cpu}/cpufreq/scaling_governor")).ok())
        .map(|g| g.trim().to_string())
        .collect();
    if governors.iter().any(|g| g != "performance") {
        warnings.push(format!(
            "CPU frequency scaling is on (governor {}): `cpupower frequency-set -g performance` pins it",
            governors.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let turbo = std::fs::read_to_string("/sys/devices/system/cpu/intel_pstate/no_turbo").ok().map(|v| v.trim() == "0")
        .or_else(|| std::fs::read_to_string("/sys/devices/system/cpu/cpufreq/boost").ok().map(|v| v.trim() == "1"));
    if turbo == Some(true) {
        warnings.push("turbo boost is on: frequencies vary with temperature and load (`echo 1 > /sys/devices/system/cpu/intel_pstate/no_turbo`, or `echo 0 > /sys/devices/system/cpu/cpufreq/boost`)".into());
    }
    warnings
}

/// Other processes that used more than a fifth of a core over the last second.
fn busy_processes(own_pids: &[u32]) -> Vec<(u32, String, f64)> {
    let ticks = |pid: &str| -> Option<(String, u64)> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let (name, rest) = stat.split_once(" (")?.1.rsplit_once(") ")?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        Some((name.to_string(), fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?))
    };
    let pids = || -> Vec<String> {
        std::fs::read_dir("/proc").into_iter().flatten().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.chars().all(|c| c.is_ascii_digit())).collect()
    };
    let before: BTreeMap<String, (String, u64)> = pids().into_iter().filter_map(|p| Some((p.clone(), ticks(&p)?))).collect();
    std::thread::sleep(std::time::Duration::from_secs(1));
    let hz = 100.0;
    let me = std::process::id();
    pids()
        .into_iter()
        .filter_map(|p| {
            let (name, after) = ticks(&p)?;
            let (_, then) = before.get(&p)?;
            let pid: u32 = p.parse().ok()?;
            let share = (after - then) as f64 / hz;
            (share > 0.2 && pid != me && !own_pids.contains(&pid)).then_some((pid, name, share))
        })
        .collect()
}

/// The benchmarks of `summary.json`, empty if it cannot be read.
fn summary_benchmarks(summary: &Path) -> Vec<Value> {
    match std::fs::read(summary).ok().and_then(|b| serde_json::from_slice::<Value>(&b).ok()) {
        Some(Value::Object(mut json)) => match json.remove("benchmarks") {
            Some(Value::Array(benchmarks)) => benchmarks,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The benchmarks of `summary.json` whose number was measured on a slowed machine (the
/// speed probe around and during it beyond its threshold), slowest first: (id, slowdown).
pub fn slowed_benchmarks(summary: &Path) -> Vec<(String, f64)> {
    let mut slowed: Vec<(String, f64)> = summary_benchmarks(summary)
        .iter()
        .filter(|b| b["machine_slowed"].as_bool() == Some(true))
        .filter_map(|b| Some((b["id"].as_str()?.to_string(), b["machine_slowdown"].as_f64()?)))
        .collect();
    slowed.sort_by(|a, b| b.1.total_cmp(&a.1));
    slowed
}

/// The `n` benchmarks of `summary.json` with the widest confidence intervals: (id,
/// half-width as a percentage of the median).
pub fn widest_intervals(summary: &Path, n: usize) -> Vec<(String, f64)> {
    let mut widths: Vec<(String, f64)> = summary_benchmarks(summary)
        .iter()
        .filter_map(|b| Some((b["id"].as_str()?.to_string(), b["half_width_pct"].as_f64()?)))
        .collect();
    widths.sort_by(|a, b| b.1.total_cmp(&a.1));
    widths.truncate(n);
    widths
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(id: &str, secs: f64) -> Event {
        Event::Listed { id: id.into(), expected_secs: secs }
    }

    fn plan() -> Plan {
        let events = [
            listed("compile/add-one/wasmi", 2.0),
            listed("execute/add-one/wasmi", 2.0),
            listed("execute/nbody/wasmtime.cranelift", 4.0),
            listed("jit/nbody/wasmer.llvm", 10.0),
            Event::Skip { id: "aot_compile/add-one/wasmi".into(), reason: "an interpreter".into() },
            Event::Skip { id: "aot_execute/add-one/wasmi".into(), reason: "an interpreter".into() },
            Event::Skip { id: "wasi/wordfreq/wasm3".into(), reason: "no WASI".into() },
        ];
        let history = BTreeMap::from([("jit/nbody/wasmer.llvm".to_string(), 30.0)]);
        Plan::new(&events, &history)
    }

    #[test]
    fn the_plan_takes_earlier_runs_over_the_settings() {
        let plan = plan();
        assert_eq!(plan.expected.len(), 4);
        assert_eq!(plan.expected["jit/nbody/wasmer.llvm"], 30.0);
        assert_eq!(plan.expected["compile/add-one/wasmi"], 2.0);
        let (steps, runtimes) = plan.counts();
        assert_eq!(steps, BTreeMap::from([("compile".into(), 1), ("execute".into(), 2), ("jit".into(), 1)]));
        assert_eq!(runtimes, BTreeMap::from([("wasmi".into(), 2), ("wasmtime.cranelift".into(), 1), ("wasmer.llvm".into(), 1)]));
    }

    #[test]
    fn skips_are_grouped_once_per_reason_most_first() {
        let grouped = plan().skips_by_reason();
        assert_eq!(grouped.len(), 2);
        assert_eq!((grouped[0].0.as_str(), grouped[0].1), ("an interpreter", 2));
        assert_eq!(grouped[0].2, ["aot_compile/add-one/wasmi", "aot_execute/add-one/wasmi"]);
        assert_eq!((grouped[1].0.as_str(), grouped[1].1), ("no WASI", 1));
    }

    #[test]
    fn progress_counts_done_and_failed_and_names_the_running_one() {
        let plan = plan();
        let events = [
            Event::Start { id: "compile/add-one/wasmi".into(), t: 0.0 },
            Event::Done { id: "compile/add-one/wasmi".into(), t: 4.0, secs: 4.0 },
            Event::Start { id: "execute/add-one/wasmi".into(), t: 4.0 },
            Event::Failed { id: "execute/add-one/wasmi".into(), t: 5.0, error: "wrong result".into() },
            Event::Start { id: "execute/nbody/wasmtime.cranelift".into(), t: 5.0 },
            // Not in the plan (another filter's benchmark): not counted.
            Event::Done { id: "execute/sieve/wasmi".into(), t: 6.0, secs: 1.0 },
        ];
        let progress = Progress::of(&events, &plan);
        assert_eq!(progress.done.len(), 2);
        assert_eq!(progress.failed.len(), 1);
        assert_eq!(progress.running.as_deref(), Some("execute/nbody/wasmtime.cranelift"));
        // The done one took twice what was expected: what is left is expected to as well.
        assert_eq!(progress.seconds_left(&plan), 2.0 * (4.0 + 30.0));
        assert_eq!(progress.line(&plan, 65.0), "[2/4] execute/nbody/wasmtime.cranelift  1m05s elapsed, ~1m08s left, 1 failed");
    }

    #[test]
    fn the_estimate_starts_from_the_plan_and_stays_bounded() {
        let plan = plan();
        assert_eq!(Progress::of(&[], &plan).seconds_left(&plan), 38.0);
        let slow = [Event::Done { id: "compile/add-one/wasmi".into(), t: 100.0, secs: 100.0 }];
        assert_eq!(Progress::of(&slow, &plan).seconds_left(&plan), 4.0 * 36.0);
    }

    #[test]
    fn events_parse_from_the_record() {
        assert_eq!(Event::parse(r#"{"ev":"listed","id":"a/b/c","expected_secs":1.5}"#), Some(listed("a/b/c", 1.5)));
        assert_eq!(Event::parse(r#"{"ev":"measured","id":"a/b/c","t":3,"secs":9}"#), Some(Event::Done { id: "a/b/c".into(), t: 3.0, secs: 9.0 }));
        assert_eq!(Event::parse(r#"{"ev":"again","id":"a/b/c","t":3,"secs":2.5,"kept_second":true}"#), Some(Event::Again { id: "a/b/c".into(), secs: 2.5, by_rule: false }));
        assert_eq!(Event::parse(r#"{"ev":"again","id":"a/b/c","secs":2.5,"by_rule":true}"#), Some(Event::Again { id: "a/b/c".into(), secs: 2.5, by_rule: true }));
        assert_eq!(Event::parse(r#"{"ev":"build","versions":{}}"#), Some(Event::Other));
        assert_eq!(Event::parse("not json"), None);
    }

    #[test]
    fn a_second_measurement_counts_in_the_time_spent_and_in_the_history() {
        let plan = plan();
        let events = [
            Event::Done { id: "compile/add-one/wasmi".into(), t: 2.0, secs: 2.0 },
            Event::Again { id: "compile/add-one/wasmi".into(), secs: 2.0, by_rule: false },
        ];
        assert_eq!(Progress::of(&events, &plan).spent, 4.0);
        assert_eq!(
            Progress::of(&events, &plan).measured_again_line().unwrap(),
            "1 of 1 benchmarks were measured twice (their first 95% interval was wider than ±2%, or the machine was slowed during it, or every slowdown divides by it): the machine was busy during this run; compare its numbers with care, or run again on a quiet machine"
        );
        assert_eq!(Progress::of(&events[..1], &plan).measured_again_line(), None);
        // Native's execute, always measured twice, is no sign of a busy machine.
        let by_rule = [events[0].clone(), Event::Again { id: "compile/add-one/wasmi".into(), secs: 2.0, by_rule: true }];
        assert!(!Progress::of(&by_rule, &plan).measured_again_line().unwrap().contains("busy"));
        let quiet = Progress { done: (0..10).map(|i| i.to_string()).collect(), measured_again: 2, ..Progress::default() };
        assert_eq!(
            quiet.measured_again_line().unwrap(),
            "2 of 10 benchmarks were measured twice (their first 95% interval was wider than ±2%, or the machine was slowed during it, or every slowdown divides by it)"
        );
        let runs = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(runs.path().join("earlier")).unwrap();
        std::fs::write(
            runs.path().join("earlier/events.jsonl"),
            "{\"ev\":\"ok\",\"id\":\"a/b/c\",\"t\":1,\"secs\":1.5}\n{\"ev\":\"again\",\"id\":\"a/b/c\",\"t\":2,\"secs\":1.0}\n",
        )
        .unwrap();
        assert_eq!(history(runs.path(), "this", false), BTreeMap::from([("a/b/c".to_string(), 2.5)]));
        // A quick run's times are not a whole run's, and the other way round.
        std::fs::create_dir_all(runs.path().join("quick")).unwrap();
        std::fs::write(runs.path().join("quick/run.json"), r#"{"command": ["./suite bench --quick nbody"]}"#).unwrap();
        std::fs::write(runs.path().join("quick/events.jsonl"), "{\"ev\":\"ok\",\"id\":\"a/b/c\",\"t\":1,\"secs\":0.2}\n").unwrap();
        assert_eq!(history(runs.path(), "this", true), BTreeMap::from([("a/b/c".to_string(), 0.2)]));
        assert_eq!(history(runs.path(), "this", false), BTreeMap::from([("a/b/c".to_string(), 2.5)]));
    }

    #[test]
    fn clocks_read_like_a_person_writes_them() {
        assert_eq!(clock(42.4), "42s");
        assert_eq!(clock(18.0 * 60.0 + 2.0), "18m02s");
        assert_eq!(clock(3720.0), "1h02m");
        assert_eq!(clock(-5.0), "0s");
    }

    #[test]
    fn the_recap_lists_numbers_measured_on_a_slowed_machine_slowest_first() {
        let path = std::env::temp_dir().join(format!("wrb-run-slowed-{}.json", std::process::id()));
        let summary = r#"{"benchmarks": [
            {"id": "a/b/fast", "machine_slowdown": 1.01, "machine_slowed": false},
            {"id": "a/b/slow", "machine_slowdown": 1.4, "machine_slowed": true},
            {"id": "a/b/slower", "machine_slowdown": 1.9, "machine_slowed": true},
            {"id": "a/b/unprobed"}]}"#;
        std::fs::write(&path, summary).unwrap();
        let slowed = slowed_benchmarks(&path);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(slowed, [("a/b/slower".to_string(), 1.9), ("a/b/slow".to_string(), 1.4)]);
    }
}
