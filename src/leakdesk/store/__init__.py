"""The only code that talks to the database and the originals folder."""
