"""The click front end. Imported by nothing else; imports the heavy layers only inside commands."""
