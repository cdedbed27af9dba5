//! Per-stage wall-clock accounting for `stackgen build --timings`.
//!
//! Stages nest (the load of a base happens inside its parent's accumulation), so each
//! stage records only the time spent in it directly: starting a stage pauses the one
//! that was running. Cheap enough to stay on in every build.
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

#[derive(Default)]
struct State {
    totals: [Duration; 7],
    /// The running stage and when it (re)started.
    running: Vec<(Stage, Instant)>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

fn idx(s: Stage) -> usize {
    STAGES.iter().position(|x| *x == s).unwrap_or(0)
}

/// Runs `f` as part of `stage`.
pub fn time<T>(stage: Stage, f: impl FnOnce() -> T) -> T {
    let now = Instant::now();
    STATE.with(|st| {
        let mut st = st.borrow_mut();
        if let Some((outer, since)) = st.running.last().copied() {
            st.totals[idx(outer)] += now - since;
        }
        st.running.push((stage, now));
    });
    let out = f();
    let end = Instant::now();
    STATE.with(|st| {
        let mut st = st.borrow_mut();
        if let Some((s, since)) = st.running.pop() {
            st.totals[idx(s)] += end - since;
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

/// A one-screen table for stderr.
pub fn format_report() -> String {
    let rows = report();
    let total: Duration = rows.iter().map(|(_, d)| *d).sum();
    let mut out = String::from("stage        ms      %\n");
    for (s, d) in rows {
        let pct = if total.is_zero() {
            0.0
        } else {
            d.as_secs_f64() * 100.0 / total.as_secs_f64()
        };
        out.push_str(&format!(
            "{:<10} {:>7.1} {:>5.1}\n",
            s.name(),
            d.as_secs_f64() * 1e3,
            pct
        ));
    }
    out.push_str(&format!(
        "{:<10} {:>7.1}\n",
        "total",
        total.as_secs_f64() * 1e3
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
}
