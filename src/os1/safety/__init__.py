"""The care protocol: crisis checks on every user message, crisis referrals, and the AI disclosure."""
