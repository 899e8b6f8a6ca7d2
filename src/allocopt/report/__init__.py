"""Views for people: terminal tables, plots and HTML reports."""
