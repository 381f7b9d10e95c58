"""The thin web layer: blueprints that turn requests into domain calls and results into pages."""
