"""Calendar: iCalendar import and export, invitations found in mail (proposals until accepted), and reminders
the companion says at the right time."""
