//! One module per domain: argument structs and the functions that run them.

pub mod canteen;
pub mod canteen_model;
pub mod demo;
pub mod leaks;
pub mod serve;
