//! Per-stage wall-clock accounting for `stackgen build --timings`.
//!
//! Stages nest (the load of a base happens inside its parent's accumulation), so each
//! stage records only the time spent in it directly: starting a stage pauses the one
//! that was running. Cheap enough to stay on in every build.
//!
//! Beside wall-clock time, each stage gets the CPU time the whole process (all threads)
//! spent in it, where the platform tells: a stage whose CPU time is near its wall time
//! ran on one core, one near twice it used two.
use std::cell::RefCell;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Load,
    Expand,
    Transform,
    References,
    Order,
    Validate,
    Emit,
}

pub const STAGES: [Stage; 7] = [
    Stage::Load,
    Stage::Expand,
    Stage::Transform,
    Stage::References,
    Stage::Order,
    Stage::Validate,
    Stage::Emit,
];

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Load => "load",
            Stage::Expand => "expand",
            Stage::Transform => "transform",
            Stage::References => "references",
            Stage::Order => "order",
            Stage::Validate => "validate",
            Stage::Emit => "emit",
        }
    }
}

/// CPU time used so far by the whole process, all threads (`None` where unknown).
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn process_cpu() -> Option<Duration> {
    /// `struct timespec` on 64-bit Linux.
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    unsafe extern "C" {
        fn clock_gettime(clock: i32, out: *mut Timespec) -> i32;
    }
    let mut t = Timespec { sec: 0, nsec: 0 };
    // SAFETY: `t` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    (rc == 0).then(|| Duration::new(t.sec.max(0) as u64, t.nsec.clamp(0, 999_999_999) as u32))
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn process_cpu() -> Option<Duration> {
    None
}

/// A point in time on both clocks.
#[derive(Clone, Copy)]
struct Mark {
    wall: Instant,
    cpu: Option<Duration>,
}

impl Mark {
    fn now() -> Mark {
        Mark {
            wall: Instant::now(),
            cpu: process_cpu(),
        }
    }
}

struct State {
    totals: [Duration; 7],
    /// Process CPU time per stage (`None` once a reading was missing).
    cpu: [Option<Duration>; 7],
    /// The running stage and when it (re)started.
    running: Vec<(Stage, Mark)>,
}

impl State {
    fn charge(&mut self, s: Stage, since: Mark, until: Mark) {
        let i = idx(s);
        self.totals[i] += until.wall - since.wall;
        self.cpu[i] = match (self.cpu[i], since.cpu, until.cpu) {
            (Some(acc), Some(a), Some(b)) => Some(acc + b.saturating_sub(a)),
            _ => None,
        };
    }
}

impl Default for State {
    fn default() -> State {
        State {
            totals: [Duration::ZERO; 7],
            cpu: [Some(Duration::ZERO); 7],
            running: Vec::new(),
        }
    }
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

fn idx(s: Stage) -> usize {
    STAGES.iter().position(|x| *x == s).unwrap_or(0)
}

/// Runs `f` as part of `stage`.
pub fn time<T>(stage: Stage, f: impl FnOnce() -> T) -> T {
    let now = Mark::now();
    STATE.with(|st| {
        let mut st = st.borrow_mut();
        if let Some((outer, since)) = st.running.last().copied() {
            st.charge(outer, since, now);
        }
        st.running.push((stage, now));
    });
    let out = f();
    let end = Mark::now();
    STATE.with(|st| {
        let mut st = st.borrow_mut();
        if let Some((s, since)) = st.running.pop() {
            st.charge(s, since, end);
        }
        if let Some(last) = st.running.last_mut() {
            last.1 = end;
        }
    });
    out
}

/// The time spent in each stage so far on this thread.
pub fn report() -> Vec<(Stage, Duration)> {
    STATE.with(|st| {
        let st = st.borrow();
        STAGES.iter().map(|s| (*s, st.totals[idx(*s)])).collect()
    })
}

/// The process CPU time (all threads) spent in each stage so far, where known.
pub fn cpu_report() -> Vec<(Stage, Option<Duration>)> {
    STATE.with(|st| {
        let st = st.borrow();
        STAGES.iter().map(|s| (*s, st.cpu[idx(*s)])).collect()
    })
}

/// A one-screen table for stderr: wall-clock ms, share of the total, and CPU ms of all
/// threads (`-` where the platform does not tell).
pub fn format_report() -> String {
    let rows = report();
    let cpu = cpu_report();
    let total: Duration = rows.iter().map(|(_, d)| *d).sum();
    let cpu_total: Option<Duration> = cpu.iter().map(|(_, c)| *c).sum();
    let ms = |d: Option<Duration>| match d {
        Some(d) => format!("{:.1}", d.as_secs_f64() * 1e3),
        None => "-".to_string(),
    };
    let mut out = String::from("stage        ms      %  cpu_ms\n");
    for ((s, d), (_, c)) in rows.into_iter().zip(cpu) {
        let pct = if total.is_zero() {
            0.0
        } else {
            d.as_secs_f64() * 100.0 / total.as_secs_f64()
        };
        out.push_str(&format!(
            "{:<10} {:>7.1} {:>5.1} {:>7}\n",
            s.name(),
            d.as_secs_f64() * 1e3,
            pct,
            ms(c)
        ));
    }
    out.push_str(&format!(
        "{:<10} {:>7.1} {:>5} {:>7}\n",
        "total",
        total.as_secs_f64() * 1e3,
        "",
        ms(cpu_total)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_stages_are_not_double_counted() {
        time(Stage::Transform, || {
            std::thread::sleep(Duration::from_millis(5));
            time(Stage::Load, || std::thread::sleep(Duration::from_millis(5)));
        });
        let r = report();
        let load = r[idx(Stage::Load)].1;
        let tr = r[idx(Stage::Transform)].1;
        assert!(load >= Duration::from_millis(5));
        assert!(
            tr >= Duration::from_millis(5) && tr < Duration::from_millis(9),
            "{tr:?}"
        );
    }

    #[test]
    fn cpu_time_is_charged_to_the_stage_that_burns_it() {
        // Burns `d` of CPU (not of wall time: on a loaded machine a thread spinning for 20 ms
        // of wall time may get far less CPU), or spins `d` where there is no CPU clock.
        let spin = |d: Duration| {
            let (t, start) = (Instant::now(), process_cpu());
            let mut x = 0u64;
            loop {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
                let burnt = match (start, process_cpu()) {
                    (Some(a), Some(b)) => b.saturating_sub(a),
                    _ => t.elapsed(),
                };
                if burnt >= d || t.elapsed() > Duration::from_secs(10) {
                    break;
                }
            }
        };
        time(Stage::Emit, || {
            std::thread::sleep(Duration::from_millis(5));
            time(Stage::Order, || spin(Duration::from_millis(20)));
        });
        let cpu = cpu_report();
        let Some(order) = cpu[idx(Stage::Order)].1 else {
            // platform without a process CPU clock: nothing to check
            assert!(process_cpu().is_none());
            return;
        };
        // (the clock counts every thread of the test process, so only a lower bound holds)
        assert!(order >= Duration::from_millis(15), "{order:?}");
        assert!(cpu[idx(Stage::Emit)].1.is_some());
        let table = format_report();
        assert!(
            table.starts_with("stage        ms      %  cpu_ms\n"),
            "{table}"
        );
        assert!(
            table.lines().last().is_some_and(|l| l.starts_with("total")),
            "{table}"
        );
    }
}
