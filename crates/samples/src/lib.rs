//! Deterministic generators of the sample data sets shipped in `data-samples/`: a small town's
//! canteens in the Nantes schemas, and a small water network with sensor data and injected leaks.
//! Same seed, same bytes: the samples in the repository can always be regenerated and compared.

pub mod canteen;
pub mod leaks;
