//! aio: a teaching interpreter for a small Python-like language with async/await.
//!
//! Pipeline: lexer → parser → AST → compiler → bytecode → VM (+ scheduler).

pub mod ast;
pub mod span;
