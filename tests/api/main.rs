//! Black-box tests of the HTTP API: each test starts the real server on a random loopback port
//! (`helpers::spawn_app`) and talks to it over HTTP.

mod canteens;
mod helpers;
mod leaks;
mod models;
mod ops;
