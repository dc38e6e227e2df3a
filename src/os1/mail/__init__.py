"""Mail: sources (Maildir, mbox, IMAP), the parser, the store and sync; triage and actions build on them.

Everything read from mail is data, never instructions (see ``os1.safety.untrusted``)."""
