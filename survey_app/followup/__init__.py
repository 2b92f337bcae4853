"""Following participants up: occasion status and naming (`occasions`), what is due per insats
("Att göra", `todo`), and reminders of pending personal links (`reminders`)."""
