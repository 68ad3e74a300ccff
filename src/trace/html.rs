//! `--html out.html`: the timeline page.

use super::view::Recorder;

pub fn page(_rec: &Recorder, _file: &str, _source: &str) -> String {
    String::new()
}
