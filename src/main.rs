fn main() {
    println!("aio {}", env!("CARGO_PKG_VERSION"));
}
