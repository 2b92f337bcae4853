"""Data protection: the append-only audit log (`audit`), retention, register extracts and erasure
(`retention`), and keeping link tokens out of the logs (`log_redaction`)."""
