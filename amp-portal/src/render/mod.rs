//! Evennia markup to the bytes a client shows.
