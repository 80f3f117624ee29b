//! Quoting functions, one per shell. STUB.
