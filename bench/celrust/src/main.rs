// cel-rust (the `cel` crate) on the benchmark's expressions and contexts,
// timed as bench/cel_bench.c and bench/celgo time theirs: programs compiled
// once, one child scope per context with its variables bound before timing,
// one warm-up pass, then the median of several passes over every context,
// in CPU time.
//
//   celrust-bench exprs.tsv contexts.tsv   (written by bench/contexts.mjs)
//
// Prints one JSON object a line per expression. BENCH_REPEAT: passes (7).
use cel::{Context, Env, Program, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// CPU time of this (single-threaded) process in seconds, from
/// /proc/self/schedstat where there is one, else wall time: other load on a
/// shared machine disturbs it less, and the other harnesses measure the same.
fn now_s(start: &Instant) -> f64 {
    if let Ok(s) = std::fs::read_to_string("/proc/self/schedstat") {
        if let Some(ns) = s.split_whitespace().next().and_then(|x| x.parse::<f64>().ok()) {
            return ns * 1e-9;
        }
    }
    start.elapsed().as_secs_f64()
}

fn lines(path: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("celrust: {path}: {e}");
        std::process::exit(1)
    });
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(String::from).collect())
        .collect()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    xs[xs.len() / 2]
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: celrust-bench exprs.tsv contexts.tsv");
        std::process::exit(2);
    }
    let repeat: usize = std::env::var("BENCH_REPEAT").ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0).unwrap_or(7);
    let exprs = lines(&args[1]);
    let rows = lines(&args[2]);

    let clock = Instant::now();
    let env = Arc::new(Env::stdlib());
    let root = Context::with_env(env.clone());
    let mut scopes = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut c = root.new_inner_scope();
        let names = ["email", "emailDomain", "authMethod", "oauthProvider", "countryCode"];
        for (i, n) in names.iter().enumerate() {
            c.add_variable_from_value(*n, r[i].as_str());
        }
        let mut scores: HashMap<String, i64> = HashMap::new();
        scores.insert("bot".into(), r[5].parse().unwrap_or(0));
        scores.insert("free_trial_abuse".into(), r[6].parse().unwrap_or(0));
        c.add_variable_from_value("riskScores", scores);
        c.add_variable_from_value("ip", r[7].as_str());
        scopes.push(c);
    }

    let compile = |src: &str| -> Result<Program, String> { env.compile(src).map_err(|e| e.to_string()) };
    for e in &exprs {
        let (name, src) = (&e[0], &e[1]);
        let prog = match compile(src) {
            Ok(p) => p,
            Err(msg) => {
                println!("{{\"name\":{},\"error\":{}}}", json_str(name), json_str(&msg));
                continue;
            }
        };
        let mut ct = Vec::new();
        for _ in 0..repeat {
            let t0 = now_s(&clock);
            let mut n = 0u64;
            while now_s(&clock) - t0 < 0.02 {
                // In runs of 16: reading the clock costs.
                for _ in 0..16 {
                    std::hint::black_box(compile(src).ok());
                }
                n += 16;
            }
            ct.push((now_s(&clock) - t0) / n as f64);
        }
        let pass = || {
            let (mut trues, mut errs, mut first) = (0usize, 0usize, String::new());
            for c in &scopes {
                match prog.execute(c) {
                    Ok(Value::Bool(b)) => trues += b as usize,
                    Ok(v) => {
                        errs += 1;
                        if first.is_empty() {
                            first = format!("result is {v:?}, not a bool");
                        }
                    }
                    Err(err) => {
                        errs += 1;
                        if first.is_empty() {
                            first = err.to_string();
                        }
                    }
                }
            }
            (trues, errs, first)
        };
        let (trues, errs, first) = pass();
        let mut et = Vec::new();
        for _ in 0..repeat {
            let t0 = now_s(&clock);
            std::hint::black_box(pass());
            et.push(now_s(&clock) - t0);
        }
        let mut line = format!(
            "{{\"name\":{},\"compile_us\":{:.3},\"eval_per_s\":{:.0},\"true\":{},\"errors\":{}",
            json_str(name),
            median(ct) * 1e6,
            scopes.len() as f64 / median(et),
            trues,
            errs
        );
        if errs > 0 {
            line.push_str(&format!(",\"error\":{}", json_str(&first)));
        }
        println!("{line}}}");
    }
}
