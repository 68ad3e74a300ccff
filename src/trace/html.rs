//! `--html out.html`: the timeline page. One self-contained file: the template
//! (`timeline.html`, with its CSS and the script that draws the lanes as SVG) and the
//! record of the run as JSON. Nothing is fetched from the network.

use super::json_str;
use super::view::Recorder;

const TEMPLATE: &str = include_str!("timeline.html");

/// The run as JSON: file, source lines, lanes, events.
fn data(rec: &Recorder, file: &str, source: &str) -> String {
    let mut o = String::from("{\"file\":");
    o.push_str(&json_str(file));
    o.push_str(",\"source\":[");
    let lines: Vec<String> = source.lines().map(json_str).collect();
    o.push_str(&lines.join(","));
    o.push_str("],\"lanes\":[");
    let lanes: Vec<String> = rec
        .lanes
        .iter()
        .map(|l| format!("{{\"label\":{}}}", json_str(&l.label)))
        .collect();
    o.push_str(&lanes.join(","));
    o.push_str("],\"events\":[");
    let events: Vec<String> = rec
        .records
        .iter()
        .map(|r| {
            let mut e = format!(
                "{{\"t\":{:.6},\"n\":{},\"kind\":\"{}\",\"who\":{},\"text\":{}",
                r.t,
                r.iteration,
                r.kind,
                json_str(&r.who),
                json_str(&r.text)
            );
            if let Some(l) = r.lane {
                e.push_str(&format!(",\"lane\":{l}"));
            }
            if let Some(l) = r.line {
                e.push_str(&format!(",\"line\":{l}"));
            }
            if let Some(u) = r.until {
                e.push_str(&format!(",\"until\":{u:.6}"));
            }
            if !r.links.is_empty() {
                let l: Vec<String> = r.links.iter().map(|x| x.to_string()).collect();
                e.push_str(&format!(",\"links\":[{}]", l.join(",")));
            }
            e.push('}');
            e
        })
        .collect();
    o.push_str(&events.join(",\n"));
    o.push_str(&format!("],\"truncated\":{}}}", rec.truncated));
    // Inside a <script> element, "</" must not appear.
    o.replace("</", "<\\/")
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn page(rec: &Recorder, file: &str, source: &str) -> String {
    let name = std::path::Path::new(file)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| file.to_string());
    TEMPLATE
        .replace("{{TITLE}}", &escape_html(&name))
        .replace("{{DATA}}", &data(rec, &name, source))
}
