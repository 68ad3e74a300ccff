//! `--chrome out.json`: the record as Chrome trace events (the JSON object format that
//! chrome://tracing and Perfetto open). One thread per task; its running and suspended
//! spans are complete ("X") events, everything else instant ("i") events.
//!
//! Timestamps are microseconds: the clock, plus one microsecond per event, so that the
//! steps of one instant (on the virtual clock, a whole iteration) stay visible in order.

use super::json_str;
use super::view::Recorder;

/// An open span of a lane: since which timestamp, named how.
struct Open {
    since: f64,
    name: String,
    cat: &'static str,
}

pub fn trace_events(rec: &Recorder) -> String {
    let mut out: Vec<String> = Vec::new();
    out.push(
        r#"{"name":"process_name","ph":"M","pid":1,"tid":0,"args":{"name":"aio event loop"}}"#
            .to_string(),
    );
    out.push(r#"{"name":"thread_name","ph":"M","pid":1,"tid":0,"args":{"name":"loop"}}"#.into());
    for (i, lane) in rec.lanes.iter().enumerate() {
        out.push(format!(
            r#"{{"name":"thread_name","ph":"M","pid":1,"tid":{},"args":{{"name":{}}}}}"#,
            i + 1,
            json_str(&lane.label)
        ));
        out.push(format!(
            r#"{{"name":"thread_sort_index","ph":"M","pid":1,"tid":{},"args":{{"sort_index":{}}}}}"#,
            i + 1,
            i + 1
        ));
    }
    let mut open: Vec<Option<Open>> = (0..rec.lanes.len()).map(|_| None).collect();
    let close = |out: &mut Vec<String>, lane: usize, o: Open, ts: f64| {
        out.push(format!(
            r#"{{"name":{},"cat":"{}","ph":"X","pid":1,"tid":{},"ts":{:.3},"dur":{:.3}}}"#,
            json_str(&o.name),
            o.cat,
            lane + 1,
            o.since,
            (ts - o.since).max(0.5)
        ));
    };
    for (i, r) in rec.records.iter().enumerate() {
        let ts = r.t * 1e6 + i as f64;
        let tid = r.lane.map(|l| l + 1).unwrap_or(0);
        if let Some(l) = r.lane {
            let starts = match r.kind {
                "task_started" | "task_resumed" => Some(("running".to_string(), "running")),
                "task_suspended" => Some((
                    r.text
                        .split(": ")
                        .nth(1)
                        .unwrap_or("suspended")
                        .split("  →")
                        .next()
                        .unwrap_or("")
                        .to_string(),
                    "suspended",
                )),
                "task_yielded" => Some(("yielded (ready)".to_string(), "ready")),
                "task_done" => None,
                _ => {
                    instant(&mut out, r, ts, tid);
                    continue;
                }
            };
            if let Some(o) = open[l].take() {
                close(&mut out, l, o, ts);
            }
            match starts {
                Some((name, cat)) => {
                    open[l] = Some(Open {
                        since: ts,
                        name,
                        cat,
                    })
                }
                None => instant(&mut out, r, ts, tid),
            }
        } else {
            instant(&mut out, r, ts, tid);
        }
    }
    let end = rec
        .records
        .last()
        .map(|r| r.t * 1e6 + rec.records.len() as f64)
        .unwrap_or(0.0);
    for (l, o) in open.into_iter().enumerate() {
        if let Some(o) = o {
            close(&mut out, l, o, end);
        }
    }
    format!(
        "{{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n{}\n]}}\n",
        out.join(",\n")
    )
}

fn instant(out: &mut Vec<String>, r: &super::Record, ts: f64, tid: usize) {
    let name = if r.kind == "output" {
        format!("print: {}", r.text)
    } else {
        r.text.clone()
    };
    let mut args = format!(r#""event":"{}""#, r.kind);
    if let Some(l) = r.line {
        args.push_str(&format!(r#","line":{l}"#));
    }
    out.push(format!(
        r#"{{"name":{},"cat":"{}","ph":"i","s":"t","pid":1,"tid":{tid},"ts":{ts:.3},"args":{{{args}}}}}"#,
        json_str(&name),
        r.kind
    ));
}
