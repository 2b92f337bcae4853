"""Files brought into the service: answers from paper forms and old spreadsheets (`answers`) and
reading an uploaded CSV file row by row (`csv_rows`, also for staff's bulk registration)."""
