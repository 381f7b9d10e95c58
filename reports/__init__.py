"""Charts and reports: Plotly figure builders shared by pages and PDFs."""
