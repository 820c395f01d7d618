"""Design-stage tools: power and minimum detectable effects."""
