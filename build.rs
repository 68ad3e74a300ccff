//! Generates the LALRPOP parser into OUT_DIR (never into the source tree).

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    lalrpop::Configuration::new()
        .set_out_dir(out)
        .emit_rerun_directives(true)
        .process_file("grammar/aio.lalrpop")
        .expect("grammar generation failed");
}
