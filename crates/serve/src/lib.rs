//! serve (in progress)
