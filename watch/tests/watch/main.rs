//! The watcher's integration tests, in one test binary (each binary links
//! the demo, the watcher and their HTTP stacks again).

mod against_demo;
mod channels;
mod http;
mod support;
