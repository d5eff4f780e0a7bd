"""A country's research status: "researched, none found" per country × category."""
