"""The staff side: the database, accounts and sessions, flags from the public page, the review queue, the console."""
