"""Files in and out: CSV and xlsx in the shapes councils use in Excel today."""
